//! Access and refresh tokens, stored only as hashes (RFC 6749 §10.3, §10.4).
//!
//! Every token belongs to a family: the tokens descended from one grant.
//! Revoking a family ends all of them: a replayed code (RFC 6749 §4.1.2), a
//! reused refresh token (RFC 9700 §4.14.2), a revoked refresh token
//! (RFC 7009 §2.1).

use oauth_types::dpop::JwkThumbprint;
use oauth_types::introspection::Audience;
use oauth_types::secret::CredentialHash;
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{
    audience_column, audience_from_column, changed_one, corrupt, dpop_jkt_from_column, find_one,
    happened, scope_from_column, stamp,
};

/// Which of the two tokens of RFC 6749 §1.4 and §1.5 a row holds. The text
/// form exists only for the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        [Self::Access, Self::Refresh]
            .into_iter()
            .find(|known| known.as_str() == kind)
    }
}

/// A stored token.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub kind: TokenKind,
    pub family_id: String,
    /// The code the family descends from, so a replay can revoke it.
    pub code_hash: Option<CredentialHash>,
    pub client_id: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub scope: ScopeSet,
    /// The resource identifiers the token is for (RFC 8707).
    pub audience: Audience,
    pub issued_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When the user logged in, for the ID token of a refresh (OpenID
    /// Connect Core §12.2).
    pub auth_time: Option<i64>,
    /// The key the token is bound to (RFC 9449 §6); `None`: a bearer token.
    pub dpop_jkt: Option<JwkThumbprint>,
}

impl StoredToken {
    /// Neither revoked, spent, nor expired at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.used_at.is_none() && self.expires_at > now
    }
}

impl sqlx::FromRow<'_, AnyRow> for StoredToken {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let kind: String = row.try_get("kind")?;
        let code_hash: Option<String> = row.try_get("code_hash")?;
        Ok(Self {
            kind: TokenKind::parse(&kind).ok_or_else(|| corrupt("tokens", "kind"))?,
            family_id: row.try_get("family_id")?,
            code_hash: code_hash.map(CredentialHash::from_stored),
            client_id: row.try_get("client_id")?,
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            scope: scope_from_column("tokens", row.try_get("scope")?)?,
            audience: audience_from_column(row.try_get("audience")?),
            issued_at: row.try_get("issued_at")?,
            expires_at: row.try_get("expires_at")?,
            used_at: row.try_get("used_at")?,
            revoked_at: row.try_get("revoked_at")?,
            auth_time: row.try_get("auth_time")?,
            dpop_jkt: dpop_jkt_from_column(row)?,
        })
    }
}

pub async fn insert(
    pool: &AnyPool,
    token_hash: &CredentialHash,
    token: &StoredToken,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tokens (token_hash, kind, family_id, code_hash, client_id, user_id, \
         username, scope, audience, issued_at, expires_at, auth_time, dpop_jkt) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(token_hash.as_str())
    .bind(token.kind.as_str())
    .bind(&token.family_id)
    .bind(token.code_hash.as_ref().map(CredentialHash::as_str))
    .bind(&token.client_id)
    .bind(token.user_id.clone())
    .bind(token.username.clone())
    .bind(token.scope.to_string())
    .bind(audience_column(&token.audience))
    .bind(token.issued_at)
    .bind(token.expires_at)
    .bind(token.auth_time)
    .bind(token.dpop_jkt.as_ref().map(JwkThumbprint::as_str))
    .execute(pool)
    .await?;
    Ok(())
}

/// One indexed lookup by hash (the primary key): the introspection path.
pub async fn find(
    pool: &AnyPool,
    token_hash: &CredentialHash,
) -> Result<Option<StoredToken>, sqlx::Error> {
    let statement = "SELECT kind, family_id, code_hash, client_id, user_id, username, scope, \
                     audience, issued_at, expires_at, used_at, revoked_at, auth_time, dpop_jkt \
                     FROM tokens WHERE token_hash = $1";
    find_one(pool, statement, token_hash.as_str()).await
}

/// Spends a refresh token for one rotation. False when it was spent,
/// revoked or expired already (a concurrent twin, or a replay).
pub async fn spend_refresh(
    pool: &AnyPool,
    token_hash: &CredentialHash,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE tokens SET used_at = $2 WHERE token_hash = $1 AND kind = $3 \
         AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash.as_str())
    .bind(now)
    .bind(TokenKind::Refresh.as_str());
    changed_one(pool, statement).await
}

/// Whether a token was revoked (a spent refresh token is revoked only with
/// its family: a replay, or RFC 7009 revocation).
pub async fn is_revoked(pool: &AnyPool, token_hash: &CredentialHash) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT revoked_at FROM tokens WHERE token_hash = $1")
        .bind(token_hash.as_str())
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => happened(&row, "revoked_at"),
        None => Ok(true),
    }
}

/// Revokes one token.
pub async fn revoke(
    pool: &AnyPool,
    token_hash: &CredentialHash,
    now: i64,
) -> Result<(), sqlx::Error> {
    let statement =
        "UPDATE tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";
    stamp(pool, statement, token_hash.as_str(), now).await?;
    Ok(())
}

/// Revokes every token of a family.
pub async fn revoke_family(pool: &AnyPool, family_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let statement = "UPDATE tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";
    stamp(pool, statement, family_id, now).await
}

/// Revokes every token issued from one authorization code.
pub async fn revoke_issued_from_code(
    pool: &AnyPool,
    code_hash: &CredentialHash,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let statement = "UPDATE tokens SET revoked_at = $2 WHERE code_hash = $1 AND revoked_at IS NULL";
    stamp(pool, statement, code_hash.as_str(), now).await
}

/// Revokes every token a user granted to a client (consent withdrawn).
pub async fn revoke_for_user_and_client(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE tokens SET revoked_at = $3 WHERE user_id = $1 AND client_id = $2 \
         AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}
