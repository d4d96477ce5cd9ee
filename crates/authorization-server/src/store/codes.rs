//! Authorization codes (RFC 6749 §4.1.2): stored by hash, valid 60 s,
//! redeemed at most once. The redemption is one conditional UPDATE, so of
//! two concurrent redemptions exactly one wins on either backend.

use oauth_types::dpop::JwkThumbprint;
use oauth_types::introspection::Audience;
use oauth_types::pkce::CodeChallenge;
use oauth_types::secret::CredentialHash;
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{
    audience_column, audience_from_column, corrupt, dpop_jkt_from_column, find_one,
    scope_from_column, stamp,
};

/// What a code stands for.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub user_id: String,
    pub username: String,
    pub redirect_uri: String,
    pub scope: ScopeSet,
    /// RFC 7636 `S256` challenge; every code issued here has one, the
    /// column stays nullable so the downgrade rule can be stated and tested.
    pub code_challenge: Option<CodeChallenge>,
    pub audience: Audience,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// OpenID Connect: the request's `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// When the user logged in (Core §2 `auth_time`).
    pub auth_time: Option<i64>,
    /// RFC 9449 §10: the key the authorization request bound the code to
    /// (`dpop_jkt`); the token request must prove it.
    pub dpop_jkt: Option<JwkThumbprint>,
}

impl sqlx::FromRow<'_, AnyRow> for CodeGrant {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let code_challenge: Option<&str> = row.try_get("code_challenge")?;
        Ok(Self {
            client_id: row.try_get("client_id")?,
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            redirect_uri: row.try_get("redirect_uri")?,
            scope: scope_from_column("authorization_codes", row.try_get("scope")?)?,
            code_challenge: code_challenge
                .map(CodeChallenge::parse)
                .transpose()
                .map_err(|_| corrupt("authorization_codes", "code_challenge"))?,
            audience: audience_from_column(row.try_get("audience")?),
            expires_at: row.try_get("expires_at")?,
            used_at: row.try_get("used_at")?,
            nonce: row.try_get("nonce")?,
            auth_time: row.try_get("auth_time")?,
            dpop_jkt: dpop_jkt_from_column(row)?,
        })
    }
}

pub async fn insert(
    pool: &AnyPool,
    code_hash: &CredentialHash,
    grant: &CodeGrant,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authorization_codes (code_hash, client_id, user_id, username, redirect_uri, \
         scope, code_challenge, audience, created_at, expires_at, nonce, auth_time, dpop_jkt) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(code_hash.as_str())
    .bind(&grant.client_id)
    .bind(&grant.user_id)
    .bind(&grant.username)
    .bind(&grant.redirect_uri)
    .bind(grant.scope.to_string())
    .bind(grant.code_challenge.as_ref().map(CodeChallenge::as_str))
    .bind(audience_column(&grant.audience))
    .bind(now)
    .bind(grant.expires_at)
    .bind(grant.nonce.clone())
    .bind(grant.auth_time)
    .bind(grant.dpop_jkt.as_ref().map(JwkThumbprint::as_str))
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find(
    pool: &AnyPool,
    code_hash: &CredentialHash,
) -> Result<Option<CodeGrant>, sqlx::Error> {
    let statement = "SELECT client_id, user_id, username, redirect_uri, scope, code_challenge, \
                     audience, expires_at, used_at, nonce, auth_time, dpop_jkt \
                     FROM authorization_codes WHERE code_hash = $1";
    find_one(pool, statement, code_hash.as_str()).await
}

/// Claims the code for one redemption. False when it was redeemed already
/// (by this request's twin or earlier).
pub async fn redeem(
    pool: &AnyPool,
    code_hash: &CredentialHash,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement =
        "UPDATE authorization_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL";
    Ok(stamp(pool, statement, code_hash.as_str(), now).await? == 1)
}

/// Records that the code was presented again after its redemption.
pub async fn mark_replayed(
    pool: &AnyPool,
    code_hash: &CredentialHash,
    now: i64,
) -> Result<(), sqlx::Error> {
    let statement = "UPDATE authorization_codes SET replayed_at = $2 WHERE code_hash = $1 \
                     AND replayed_at IS NULL";
    stamp(pool, statement, code_hash.as_str(), now).await?;
    Ok(())
}

/// Whether a replay of the code was recorded.
pub async fn was_replayed(pool: &AnyPool, code_hash: &CredentialHash) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS replays FROM authorization_codes WHERE code_hash = $1 \
         AND replayed_at IS NOT NULL",
    )
    .bind(code_hash.as_str())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("replays")? > 0)
}
