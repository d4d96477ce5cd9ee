//! The tokens of a connected session (RFC 6749 §5.1), kept only here:
//! never in a cookie, a URL or a page (security rule 28).

use oauth_types::secret::{AccessToken, CredentialHash, RefreshToken};
use oauth_types::ScopeSet;
use sqlx::{AnyPool, Row};

/// A session's tokens.
#[derive(Debug, Clone)]
pub struct Connection {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub scope: ScopeSet,
    /// Unix seconds; `None` when the server gave no `expires_in`.
    pub expires_at: Option<i64>,
}

/// Stores (or replaces) the session's tokens.
pub async fn upsert(
    pool: &AnyPool,
    session: &CredentialHash,
    connection: &Connection,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO connections \
         (session_hash, access_token, refresh_token, scope, expires_at, refreshing_since, \
         connected_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6) \
         ON CONFLICT (session_hash) DO UPDATE SET access_token = excluded.access_token, \
         refresh_token = excluded.refresh_token, scope = excluded.scope, \
         expires_at = excluded.expires_at, refreshing_since = NULL, \
         connected_at = excluded.connected_at",
    )
    .bind(session.as_str())
    .bind(connection.access_token.secret())
    .bind(
        connection
            .refresh_token
            .as_ref()
            .map(|t| t.secret().to_owned()),
    )
    .bind(connection.scope.to_string())
    .bind(connection.expires_at)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The session's tokens, if connected.
pub async fn find(
    pool: &AnyPool,
    session: &CredentialHash,
) -> Result<Option<Connection>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT access_token, refresh_token, scope, expires_at FROM connections \
         WHERE session_hash = $1",
    )
    .bind(session.as_str())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Connection {
            access_token: AccessToken::new(row.try_get::<String, _>(0)?),
            refresh_token: row.try_get::<Option<String>, _>(1)?.map(RefreshToken::new),
            scope: ScopeSet::parse(&row.try_get::<String, _>(2)?).unwrap_or_default(),
            expires_at: row.try_get(3)?,
        })
    })
    .transpose()
}

/// Forgets the session's tokens.
pub async fn delete(pool: &AnyPool, session: &CredentialHash) -> Result<(), sqlx::Error> {
    super::execute_for_session(
        pool,
        "DELETE FROM connections WHERE session_hash = $1",
        session,
    )
    .await
}

/// Claims the right to refresh `access_token`: true for exactly one caller
/// while the tokens are unchanged and no other refresh started after
/// `stale_before`. Rotation (RFC 9700 §4.14.2) makes a second use of the
/// refresh token revoke the whole grant, so two requests must never both
/// refresh.
pub async fn claim_refresh(
    pool: &AnyPool,
    session: &CredentialHash,
    access_token: &AccessToken,
    now: i64,
    stale_before: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE connections SET refreshing_since = $1 \
         WHERE session_hash = $2 AND access_token = $3 \
         AND (refreshing_since IS NULL OR refreshing_since < $4)",
    )
    .bind(now)
    .bind(session.as_str())
    .bind(access_token.secret())
    .bind(stale_before)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Gives up a claim without new tokens (the server could not be reached).
pub async fn release_refresh(pool: &AnyPool, session: &CredentialHash) -> Result<(), sqlx::Error> {
    super::execute_for_session(
        pool,
        "UPDATE connections SET refreshing_since = NULL WHERE session_hash = $1",
        session,
    )
    .await
}
