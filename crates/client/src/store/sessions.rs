//! Browser sessions. The cookie carries an opaque random id; the table
//! keys sessions by its SHA-256, so a database leak gives no usable cookie.

use oauth_types::secret::{CredentialHash, CsrfToken};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::owner::PersonId;

/// A live session as stored.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub id_hash: CredentialHash,
    pub csrf_token: CsrfToken,
    /// The person signed in on it; `None` for an anonymous visitor.
    pub person: Option<SignedInPerson>,
}

/// Who is signed in on a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInPerson {
    pub id: PersonId,
    /// Their `name` claim (Core §5.1), if the provider released it.
    pub name: Option<String>,
}

impl sqlx::FromRow<'_, AnyRow> for StoredSession {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let person = row
            .try_get::<Option<String>, _>("person_id")?
            .map(|id| -> Result<_, sqlx::Error> {
                Ok(SignedInPerson {
                    id: PersonId::from_stored(id),
                    name: row.try_get("name")?,
                })
            })
            .transpose()?;
        Ok(Self {
            id_hash: CredentialHash::from_stored(row.try_get("id_hash")?),
            csrf_token: CsrfToken::new(row.try_get::<String, _>("csrf_token")?),
            person,
        })
    }
}

/// Creates a session.
pub async fn insert(
    pool: &AnyPool,
    id_hash: &CredentialHash,
    csrf_token: &CsrfToken,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, csrf_token, notice, created_at, expires_at) \
         VALUES ($1, $2, NULL, $3, $4)",
    )
    .bind(id_hash.as_str())
    .bind(csrf_token.secret())
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives the session a new id, a new CSRF token and a new expiry; its runs,
/// requests, tokens and trace follow through `ON UPDATE CASCADE`.
pub async fn rotate(
    pool: &AnyPool,
    old: &CredentialHash,
    new: &CredentialHash,
    csrf_token: &CsrfToken,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET id_hash = $1, csrf_token = $2, expires_at = $3 WHERE id_hash = $4",
    )
    .bind(new.as_str())
    .bind(csrf_token.secret())
    .bind(expires_at)
    .bind(old.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The session with this id hash, if it exists and has not expired.
pub async fn find_live(
    pool: &AnyPool,
    id_hash: &CredentialHash,
    now: i64,
) -> Result<Option<StoredSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sessions.id_hash, sessions.csrf_token, sessions.person_id, people.name \
         FROM sessions LEFT JOIN people ON people.id = sessions.person_id \
         WHERE sessions.id_hash = $1 AND sessions.expires_at > $2",
    )
    .bind(id_hash.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// The ID token the session was signed in with, for `id_token_hint`.
pub async fn id_token(
    pool: &AnyPool,
    id_hash: &CredentialHash,
) -> Result<Option<String>, sqlx::Error> {
    text_column(
        pool,
        "SELECT id_token FROM sessions WHERE id_hash = $1",
        id_hash,
    )
    .await
}

/// The one nullable text column `statement` selects from the session whose
/// hash is `$1`: `None` when it is empty or the session is gone.
async fn text_column(
    pool: &AnyPool,
    statement: &'static str,
    id_hash: &CredentialHash,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(statement)
        .bind(id_hash.as_str())
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|row| row.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten())
}

/// Ends a session: it and everything it owns (its runs and connection when
/// anonymous, its requests and trace) are forgotten; a person's runs and
/// connection stay theirs.
pub async fn delete(pool: &AnyPool, id_hash: &CredentialHash) -> Result<(), sqlx::Error> {
    super::execute_for_session(pool, "DELETE FROM sessions WHERE id_hash = $1", id_hash).await
}

/// Forgets expired sessions (their runs, requests, tokens and traces go
/// with them); returns how many.
pub async fn delete_expired(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Leaves a one-shot notice (JSON) for the next page.
pub async fn set_notice(
    pool: &AnyPool,
    id_hash: &CredentialHash,
    notice: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET notice = $1 WHERE id_hash = $2")
        .bind(notice)
        .bind(id_hash.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes the notice, if any, and clears it. The clearing is conditional
/// on the value read, so a notice left in between is not lost.
pub async fn take_notice(
    pool: &AnyPool,
    id_hash: &CredentialHash,
) -> Result<Option<String>, sqlx::Error> {
    let notice = text_column(
        pool,
        "SELECT notice FROM sessions WHERE id_hash = $1",
        id_hash,
    )
    .await?;
    if let Some(notice) = &notice {
        sqlx::query("UPDATE sessions SET notice = NULL WHERE id_hash = $1 AND notice = $2")
            .bind(id_hash.as_str())
            .bind(notice)
            .execute(pool)
            .await?;
    }
    Ok(notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_csrf_token() {
        let session = StoredSession {
            id_hash: CredentialHash::of("cookie"),
            csrf_token: CsrfToken::new("csrf-token-secret"),
            person: None,
        };
        let shown = format!("{session:?}");
        assert!(!shown.contains("csrf-token-secret"), "{shown}");
    }
}
