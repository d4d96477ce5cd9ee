//! The client's database, one file per table family. Every query is one
//! portable statement through sqlx's `Any` driver; time is passed in.

/// Browser sessions, their CSRF token and one-shot notice.
pub mod sessions;

/// Runs, owned by a browser session or a person.
pub mod runs;

/// People signed in with OpenID Connect, and signing in.
pub mod people;

/// Authorization requests in flight: `state`, the PKCE verifier, the `nonce`.
pub mod authorization_requests;

/// The tokens of a connection to Facebook, by owner.
pub mod connections;

/// The "behind the scenes" steps.
pub mod trace;

/// Deleting expired rows, on the sweeper's timer.
pub mod housekeeping;

use oauth_types::secret::CredentialHash;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, AnyPool};

use crate::owner::{Owner, PersonId};

/// Runs `statement`, whose only parameter `$1` is a session's hash: the
/// one shape of every "forget this" or "reset that" for one session.
pub(crate) async fn execute_for_session(
    pool: &AnyPool,
    statement: &'static str,
    session: &CredentialHash,
) -> Result<(), sqlx::Error> {
    sqlx::query(statement)
        .bind(session.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// `statement` with the owner columns bound first: `$1` is `session_hash`
/// and `$2` is `person_id` (see [`Owner::columns`]), so that
/// `session_hash = $1 OR person_id = $2` picks exactly the owner's rows.
pub(crate) fn query_for_owner<'q>(
    statement: &'q str,
    owner: &'q Owner,
) -> Query<'q, Any, AnyArguments<'q>> {
    let (session, person) = owner.columns();
    sqlx::query(statement).bind(session).bind(person)
}

/// [`query_for_owner`] for a statement whose rows are read as `O`.
pub(crate) fn query_as_for_owner<'q, O>(
    statement: &'q str,
    owner: &'q Owner,
) -> QueryAs<'q, Any, O, AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let (session, person) = owner.columns();
    sqlx::query_as(statement).bind(session).bind(person)
}

/// How a person adopts a browser session's rows of one table at sign-in
/// (see [`crate::owner`]).
pub(crate) struct Adoption {
    /// Moves the rows the person may take: `$1` is the person's id, `$2`
    /// the session's hash.
    pub adopt: &'static str,
    /// Deletes what the session still owns: `$1` is its hash.
    pub forget: &'static str,
}

impl Adoption {
    /// The person adopts what they may of `session`'s rows; the rest are
    /// forgotten.
    pub(crate) async fn run(
        &self,
        connection: &mut sqlx::AnyConnection,
        session: &CredentialHash,
        person: &PersonId,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(self.adopt)
            .bind(person.as_str())
            .bind(session.as_str())
            .execute(&mut *connection)
            .await?;
        sqlx::query(self.forget)
            .bind(session.as_str())
            .execute(&mut *connection)
            .await?;
        Ok(())
    }
}
