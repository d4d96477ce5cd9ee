//! Browser sessions. The cookie holds 256 random bits; the table holds only
//! their hash, so a leaked table opens no session.

use oauth_types::secret::{generate_credential, CredentialHash, CsrfToken};
use sqlx::{AnyPool, Row};

/// A session read back by its cookie value.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    /// `None` before login.
    pub user_id: Option<String>,
    /// The CSRF token every form of this session must carry.
    pub csrf_token: CsrfToken,
    /// When its user logged in (OpenID Connect Core §2 `auth_time`);
    /// `None` before login.
    pub auth_time: Option<i64>,
}

/// A new session: the cookie value to send, and the row.
pub struct NewSession {
    pub cookie_value: String,
    pub session: Session,
}

/// Creates a session (anonymous when `user_id` is `None`).
pub async fn create(
    pool: &AnyPool,
    user_id: Option<&str>,
    now: i64,
    ttl: i64,
) -> Result<NewSession, sqlx::Error> {
    let cookie_value = generate_credential();
    let session = Session {
        id_hash: CredentialHash::of(&cookie_value).as_str().to_owned(),
        user_id: user_id.map(str::to_owned),
        csrf_token: CsrfToken::generate(),
        auth_time: user_id.map(|_| now),
    };
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, auth_time) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.id_hash)
    .bind(session.user_id.clone())
    .bind(session.csrf_token.secret())
    .bind(now)
    .bind(now + ttl)
    .bind(session.auth_time)
    .execute(pool)
    .await?;
    Ok(NewSession {
        cookie_value,
        session,
    })
}

/// The live session whose cookie value is `cookie_value`.
pub async fn find(
    pool: &AnyPool,
    cookie_value: &str,
    now: i64,
) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id_hash, user_id, csrf_token, auth_time FROM sessions \
         WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(CredentialHash::of(cookie_value).as_str())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Session {
            id_hash: row.try_get("id_hash")?,
            user_id: row.try_get("user_id")?,
            csrf_token: CsrfToken::new(row.try_get::<String, _>("csrf_token")?),
            auth_time: row.try_get("auth_time")?,
        })
    })
    .transpose()
}

/// Ends a session (logout, or replaced at login).
pub async fn delete(pool: &AnyPool, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_csrf_token() {
        let session = Session {
            id_hash: CredentialHash::of("cookie").as_str().to_owned(),
            user_id: None,
            csrf_token: CsrfToken::new("csrf-token-secret"),
            auth_time: None,
        };
        let shown = format!("{session:?}");
        assert!(!shown.contains("csrf-token-secret"), "{shown}");
    }
}
