//! The "behind the scenes" steps of a session's last flow. What is stored
//! here is already shortened (see [`crate::trace`]).

use oauth_types::secret::CredentialHash;
use service_kit::database::text::nul_replaced;
use sqlx::{AnyPool, Row};

use crate::trace::Step;

/// Appends a step after the session's last one.
pub async fn append(
    pool: &AnyPool,
    session: &CredentialHash,
    step: Step,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO trace_steps (session_hash, seq, at, title, rfc, explanation, request, response) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 \
         FROM trace_steps WHERE session_hash = $1",
    )
    .bind(session.as_str())
    .bind(now)
    .bind(step.title)
    .bind(step.rfc)
    .bind(step.explanation)
    .bind(step.request.as_deref().map(nul_replaced))
    .bind(step.response.as_deref().map(nul_replaced))
    .execute(pool)
    .await?;
    Ok(())
}

/// The session's steps in order.
pub async fn list(pool: &AnyPool, session: &CredentialHash) -> Result<Vec<Step>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT title, rfc, explanation, request, response, at FROM trace_steps \
         WHERE session_hash = $1 ORDER BY seq",
    )
    .bind(session.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Step {
                title: row.try_get(0)?,
                rfc: row.try_get(1)?,
                explanation: row.try_get(2)?,
                request: row.try_get(3)?,
                response: row.try_get(4)?,
                at: row.try_get(5)?,
            })
        })
        .collect()
}

/// Starts a new flow: forgets the previous steps.
pub async fn clear(pool: &AnyPool, session: &CredentialHash) -> Result<(), sqlx::Error> {
    super::execute_for_session(
        pool,
        "DELETE FROM trace_steps WHERE session_hash = $1",
        session,
    )
    .await
}
