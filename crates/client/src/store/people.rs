//! People signed in with OpenID Connect, and the sign-in itself: one
//! transaction that remembers the person, lets them adopt what the browser
//! had ([`crate::owner`]) and turns the session into theirs.

use oauth_types::secret::{CredentialHash, CsrfToken};
use sqlx::{AnyPool, Row};

use crate::owner::PersonId;
use crate::store;

/// What a validated ID token says about the person (Core §2, §5.1).
#[derive(Debug, Clone)]
pub struct Identity<'a> {
    /// `iss`, verbatim.
    pub issuer: &'a str,
    /// `sub`: stable and unique within `issuer`.
    pub subject: &'a str,
    /// `name`, when the provider released it (scope `profile`).
    pub name: Option<&'a str>,
}

/// A browser session becoming a person's.
pub struct SignIn<'a> {
    /// The session as it was (anonymous or another person's).
    pub session: &'a CredentialHash,
    /// Its new id and CSRF token (no session fixation).
    pub new_session: &'a CredentialHash,
    pub csrf_token: &'a CsrfToken,
    pub identity: Identity<'a>,
    /// Kept for `id_token_hint` at sign-out (RP-Initiated Logout 1.0 §2).
    pub id_token: &'a str,
    pub expires_at: i64,
}

/// Signs the session in: the person (created the first time their
/// `iss` + `sub` is seen, their `name` refreshed every time) adopts the
/// runs and connection the session owns, and the session gets its new id
/// and names the person. Returns the person's id, or `None` when the
/// session no longer exists (nothing changed).
pub async fn sign_in(
    pool: &AnyPool,
    sign_in: &SignIn<'_>,
    now: i64,
) -> Result<Option<PersonId>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let person = remember(&mut transaction, &sign_in.identity, now).await?;
    for adoption in [&store::runs::ADOPTION, &store::connections::ADOPTION] {
        adoption
            .run(&mut transaction, sign_in.session, &person)
            .await?;
    }
    let renamed = sqlx::query(
        "UPDATE sessions SET id_hash = $1, csrf_token = $2, expires_at = $3, person_id = $4, \
         id_token = $5 WHERE id_hash = $6",
    )
    .bind(sign_in.new_session.as_str())
    .bind(sign_in.csrf_token.secret())
    .bind(sign_in.expires_at)
    .bind(person.as_str())
    .bind(sign_in.id_token)
    .bind(sign_in.session.as_str())
    .execute(&mut *transaction)
    .await?;
    if renamed.rows_affected() != 1 {
        transaction.rollback().await?;
        return Ok(None);
    }
    transaction.commit().await?;
    Ok(Some(person))
}

/// The person with this `iss` and `sub`, created if new; `name` updated.
async fn remember(
    connection: &mut sqlx::AnyConnection,
    identity: &Identity<'_>,
    now: i64,
) -> Result<PersonId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO people (id, issuer, subject, name, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (issuer, subject) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(PersonId::generate().as_str())
    .bind(identity.issuer)
    .bind(identity.subject)
    .bind(identity.name)
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    Ok(PersonId::from_stored(row.try_get("id")?))
}
