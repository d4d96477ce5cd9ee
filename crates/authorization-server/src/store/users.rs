//! Resource owners (RFC 6749 §1.1).

use sqlx::{AnyPool, Row};

/// A user as the login needs it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
}

/// Inserts a user unless the username exists; returns whether it was added.
pub async fn insert(
    pool: &AnyPool,
    username: &str,
    password_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(username)
    .bind(password_hash)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn find_by_username(pool: &AnyPool, username: &str) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query("SELECT id, username, password_hash FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    row.map(|row| from_row(&row)).transpose()
}

pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query("SELECT id, username, password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| from_row(&row)).transpose()
}

/// Every username, sorted.
pub async fn list_usernames(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT username FROM users ORDER BY username")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| row.try_get("username"))
        .collect()
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
    })
}
