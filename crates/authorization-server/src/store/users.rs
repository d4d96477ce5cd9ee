//! Resource owners (RFC 6749 §1.1), with the standard claims (OpenID
//! Connect Core §5.1) an ID token and the UserInfo endpoint release.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{changed_one, find_one, happened};

/// A user as the login needs it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub claims: UserClaims,
}

/// What a user's ID token may say about them besides `sub` and
/// `preferred_username` (Core §5.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserClaims {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Whether the address was verified (stored as the time it was).
    pub email_verified: bool,
}

/// Inserts a user unless the username exists; returns whether it was added.
pub async fn insert(
    pool: &AnyPool,
    username: &str,
    password_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(username)
    .bind(password_hash)
    .bind(now);
    changed_one(pool, statement).await
}

const COLUMNS: &str = "id, username, password_hash, name, email, email_verified_at";

/// Sets a user's claims; `email_verified` is recorded as `now`. Returns
/// whether the user exists.
pub async fn set_claims(
    pool: &AnyPool,
    username: &str,
    claims: &UserClaims,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE users SET name = $2, email = $3, email_verified_at = $4 WHERE username = $1",
    )
    .bind(username)
    .bind(claims.name.clone())
    .bind(claims.email.clone())
    .bind(claims.email_verified.then_some(now));
    changed_one(pool, statement).await
}

pub async fn find_by_username(pool: &AnyPool, username: &str) -> Result<Option<User>, sqlx::Error> {
    let statement = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    find_one(pool, &statement, username).await
}

pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<User>, sqlx::Error> {
    let statement = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    find_one(pool, &statement, id).await
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

impl sqlx::FromRow<'_, AnyRow> for User {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            password_hash: row.try_get("password_hash")?,
            claims: UserClaims {
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                email_verified: happened(row, "email_verified_at")?,
            },
        })
    }
}

/// The user an approved request (or an entered device code) is granted
/// for, and when they logged in (OpenID Connect Core §2 `auth_time`,
/// carried into the ID token).
#[derive(Debug, Clone, Copy)]
pub struct Approver<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub auth_time: Option<i64>,
}
