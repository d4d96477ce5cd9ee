//! Authorization requests that passed every check of `/authorize` and now
//! wait for the user to log in and answer the consent screen. Each is
//! answered at most once (`used_at`), by the one user it was shown to.

use sqlx::{AnyPool, Row};

/// A validated authorization request (RFC 6749 §4.1.1).
#[derive(Debug, Clone)]
pub struct PendingRequest {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: String,
    /// Space-separated resource identifiers (RFC 8707).
    pub audience: String,
    pub user_id: Option<String>,
}

pub async fn insert(
    pool: &AnyPool,
    request: &PendingRequest,
    now: i64,
    ttl: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authorization_requests (id, client_id, redirect_uri, scope, state, \
         code_challenge, audience, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&request.id)
    .bind(&request.client_id)
    .bind(&request.redirect_uri)
    .bind(&request.scope)
    .bind(request.state.clone())
    .bind(&request.code_challenge)
    .bind(&request.audience)
    .bind(request.user_id.clone())
    .bind(now)
    .bind(now + ttl)
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
    let row = sqlx::query(
        "SELECT id, client_id, redirect_uri, scope, state, code_challenge, audience, user_id \
         FROM authorization_requests WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(PendingRequest {
            id: row.try_get("id")?,
            client_id: row.try_get("client_id")?,
            redirect_uri: row.try_get("redirect_uri")?,
            scope: row.try_get("scope")?,
            state: row.try_get("state")?,
            code_challenge: row.try_get("code_challenge")?,
            audience: row.try_get("audience")?,
            user_id: row.try_get("user_id")?,
        })
    })
    .transpose()
}

/// Binds an open request to the user who is shown it. False when another
/// user already holds it.
pub async fn bind_to_user(
    pool: &AnyPool,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE authorization_requests SET user_id = $2 WHERE id = $1 \
         AND (user_id IS NULL OR user_id = $2) AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks the request answered, once, by its own user. False when it was
/// answered already, expired, or belongs to someone else.
pub async fn mark_answered(
    pool: &AnyPool,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE authorization_requests SET used_at = $3 WHERE id = $1 AND user_id = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}
