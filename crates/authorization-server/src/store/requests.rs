//! Authorization requests that passed every check of `/authorize` and now
//! wait for the user to log in and answer the consent screen. Each is
//! answered at most once (`used_at`), by the one user it was shown to.

use oauth_types::dpop::JwkThumbprint;
use oauth_types::introspection::Audience;
use oauth_types::pkce::CodeChallenge;
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{
    audience_column, audience_from_column, changed_one, corrupt, dpop_jkt_from_column, happened,
    scope_from_column, stamp,
};

/// A validated authorization request (RFC 6749 §4.1.1). Its `id` travels
/// in the consent form and opens the request: `Debug` leaves it out.
#[derive(Clone)]
pub struct PendingRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: ScopeSet,
    pub state: Option<String>,
    pub code_challenge: CodeChallenge,
    /// The resource identifiers the tokens will be for (RFC 8707).
    pub audience: Audience,
    pub user_id: Option<String>,
    /// OpenID Connect Core §3.1.2.1, only with scope `openid`.
    pub oidc: OpenIdRequest,
    /// RFC 9449 §10: the key the code will be bound to.
    pub dpop_jkt: Option<JwkThumbprint>,
}

/// What an OpenID Connect authorization request adds (Core §3.1.2.1).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OpenIdRequest {
    /// Echoed in the ID token.
    pub nonce: Option<String>,
    /// Prefills the login form's username.
    pub login_hint: Option<String>,
    /// `prompt=login`, or `max_age` elapsed: the user logs in for this
    /// very request, even with a session.
    pub login_required: bool,
    /// `prompt=consent`: the consent screen is shown even when remembered.
    pub consent_required: bool,
    /// The user logged in for this very request (`POST /login`).
    pub authenticated: bool,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("id", &"[redacted]")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("code_challenge", &self.code_challenge)
            .field("audience", &self.audience)
            .field("user_id", &self.user_id)
            .field("nonce", &self.oidc.nonce.as_ref().map(|_| "[redacted]"))
            .field("login_required", &self.oidc.login_required)
            .field("consent_required", &self.oidc.consent_required)
            .field("dpop_jkt", &self.dpop_jkt)
            .finish()
    }
}

impl sqlx::FromRow<'_, AnyRow> for PendingRequest {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        const TABLE: &str = "authorization_requests";
        Ok(Self {
            id: row.try_get("id")?,
            client_id: row.try_get("client_id")?,
            redirect_uri: row.try_get("redirect_uri")?,
            scope: scope_from_column(TABLE, row.try_get("scope")?)?,
            state: row.try_get("state")?,
            code_challenge: CodeChallenge::parse(row.try_get("code_challenge")?)
                .map_err(|_| corrupt(TABLE, "code_challenge"))?,
            audience: audience_from_column(row.try_get("audience")?),
            user_id: row.try_get("user_id")?,
            oidc: OpenIdRequest {
                nonce: row.try_get("nonce")?,
                login_hint: row.try_get("login_hint")?,
                login_required: happened(row, "login_required_at")?,
                consent_required: happened(row, "consent_required_at")?,
                authenticated: happened(row, "authenticated_at")?,
            },
            dpop_jkt: dpop_jkt_from_column(row)?,
        })
    }
}

pub async fn insert(
    pool: &AnyPool,
    request: &PendingRequest,
    now: i64,
    ttl: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authorization_requests (id, client_id, redirect_uri, scope, state, \
         code_challenge, audience, user_id, created_at, expires_at, nonce, login_hint, \
         login_required_at, consent_required_at, dpop_jkt) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&request.id)
    .bind(&request.client_id)
    .bind(&request.redirect_uri)
    .bind(request.scope.to_string())
    .bind(request.state.clone())
    .bind(request.code_challenge.as_str())
    .bind(audience_column(&request.audience))
    .bind(request.user_id.clone())
    .bind(now)
    .bind(now + ttl)
    .bind(request.oidc.nonce.clone())
    .bind(request.oidc.login_hint.clone())
    .bind(request.oidc.login_required.then_some(now))
    .bind(request.oidc.consent_required.then_some(now))
    .bind(request.dpop_jkt.as_ref().map(JwkThumbprint::as_str))
    .execute(pool)
    .await?;
    Ok(())
}

/// A request that is neither answered nor expired.
pub async fn find_open(
    pool: &AnyPool,
    id: &str,
    now: i64,
) -> Result<Option<PendingRequest>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, client_id, redirect_uri, scope, state, code_challenge, audience, user_id, \
         nonce, login_hint, login_required_at, consent_required_at, authenticated_at, dpop_jkt \
         FROM authorization_requests WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Records that the user logged in for this open request (Core §3.1.2.1
/// `prompt=login`, `max_age`).
pub async fn mark_authenticated(pool: &AnyPool, id: &str, now: i64) -> Result<(), sqlx::Error> {
    let statement = "UPDATE authorization_requests SET authenticated_at = $2 WHERE id = $1 \
                     AND used_at IS NULL AND expires_at > $2";
    stamp(pool, statement, id, now).await?;
    Ok(())
}

/// Binds an open request to the user who is shown it. False when another
/// user already holds it.
pub async fn bind_to_user(
    pool: &AnyPool,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = "UPDATE authorization_requests SET user_id = $2 WHERE id = $1 \
                     AND (user_id IS NULL OR user_id = $2) \
                     AND used_at IS NULL AND expires_at > $3";
    update_one(pool, statement, (id, user_id), now).await
}

/// Marks the request answered, once, by its own user. False when it was
/// answered already, expired, or belongs to someone else.
pub async fn mark_answered(
    pool: &AnyPool,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = "UPDATE authorization_requests SET used_at = $3 WHERE id = $1 \
                     AND user_id = $2 AND used_at IS NULL AND expires_at > $3";
    update_one(pool, statement, (id, user_id), now).await
}

/// Runs `statement` with the request id, the user id and `now` as `$1`, `$2`
/// and `$3`; whether it changed the request.
async fn update_one(
    pool: &AnyPool,
    statement: &'static str,
    (id, user_id): (&str, &str),
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(statement).bind(id).bind(user_id).bind(now);
    changed_one(pool, statement).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_the_request_id_nor_the_clients_state() {
        let request = PendingRequest {
            id: "request-id-secret".to_owned(),
            client_id: "strava".to_owned(),
            redirect_uri: "http://localhost:9000/callback".to_owned(),
            scope: ScopeSet::parse("profile").unwrap_or_default(),
            state: Some("client-state-secret".to_owned()),
            code_challenge: CodeChallenge::parse(&"c".repeat(43)).unwrap(),
            audience: Audience::new(vec!["http://localhost:9002".to_owned()]),
            user_id: None,
            oidc: OpenIdRequest {
                nonce: Some("nonce-secret".to_owned()),
                ..OpenIdRequest::default()
            },
            dpop_jkt: None,
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("request-id-secret"), "{shown}");
        assert!(!shown.contains("client-state-secret"), "{shown}");
        assert!(!shown.contains("nonce-secret"), "{shown}");
        assert!(shown.contains("strava"), "{shown}");
    }
}
