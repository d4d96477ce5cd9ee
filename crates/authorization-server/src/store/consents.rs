//! Remembered consent: the scopes a user approved for a client, so a later
//! request for the same or fewer scopes skips the consent screen.

use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{changed_one, scope_from_column};

/// One approval, as listed on the account page.
#[derive(Debug, Clone)]
pub struct Consent {
    pub client_id: String,
    pub scope: ScopeSet,
    pub updated_at: i64,
}

impl sqlx::FromRow<'_, AnyRow> for Consent {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            client_id: row.try_get("client_id")?,
            scope: scope_from_column("consents", row.try_get("scope")?)?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Records (or replaces) what `user_id` approved for `client_id`.
pub async fn remember(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
    scope: &ScopeSet,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO consents (user_id, client_id, scope, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scope.to_string())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The scope `user_id` approved for `client_id`, if any.
pub async fn find(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
) -> Result<Option<ScopeSet>, sqlx::Error> {
    let consent: Option<Consent> = sqlx::query_as(
        "SELECT client_id, scope, updated_at FROM consents WHERE user_id = $1 AND client_id = $2",
    )
    .bind(user_id)
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    Ok(consent.map(|consent| consent.scope))
}

pub async fn list_for_user(pool: &AnyPool, user_id: &str) -> Result<Vec<Consent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT client_id, scope, updated_at FROM consents WHERE user_id = $1 ORDER BY client_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// Forgets an approval; returns whether there was one.
pub async fn forget(pool: &AnyPool, user_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id);
    changed_one(pool, statement).await
}
