//! Secrets a role makes for itself and shares between its instances
//! through its database (table `server_secrets`, in each role's
//! migrations): made once by whichever instance asks first, read by the
//! others.

use sqlx::{AnyPool, Row};

/// The secret stored under `name`, made with `generate` and stored first if
/// there is none yet. Of instances asking at once, the first insert wins
/// and every one reads the same secret.
pub async fn server_secret(
    pool: &AnyPool,
    name: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, sqlx::Error> {
    sqlx::query(
        "INSERT INTO server_secrets (name, secret) VALUES ($1, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(generate())
    .execute(pool)
    .await?;
    sqlx::query("SELECT secret FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?
        .try_get("secret")
}
