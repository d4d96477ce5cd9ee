//! Usernames this resource has seen. The authorization server owns the
//! accounts; this table only remembers, from active introspection answers,
//! which `sub` goes with which `username`, so that a message can be
//! addressed to a username. A user is known here once they have used a
//! token at this resource.

use sqlx::{AnyPool, Row};

/// Records (or refreshes) that `sub` is called `username`.
pub async fn remember(
    pool: &AnyPool,
    sub: &str,
    username: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (sub, username, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (sub) DO UPDATE SET username = excluded.username, seen_at = excluded.seen_at",
    )
    .bind(sub)
    .bind(username)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
}

/// The `sub` most recently seen with `username`.
pub async fn sub_of(pool: &AnyPool, username: &str) -> Result<Option<String>, sqlx::Error> {
    first_text(
        pool,
        "SELECT sub FROM users WHERE username = $1 ORDER BY seen_at DESC LIMIT 1",
        username,
    )
    .await
}

/// The username last seen for `sub`.
pub async fn username_of(pool: &AnyPool, sub: &str) -> Result<Option<String>, sqlx::Error> {
    first_text(pool, "SELECT username FROM users WHERE sub = $1", sub).await
}

/// The one text column of the first row `query` finds for `key` (its `$1`),
/// if any: the shape of every "who is this" lookup above.
async fn first_text(
    pool: &AnyPool,
    query: &'static str,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query(query)
        .bind(key)
        .fetch_optional(pool)
        .await
        .map(|row| row.map(|row| row.get(0)))
}
