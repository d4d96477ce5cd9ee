//! A database taken away from a role under test, then given back, on
//! either backend, to check the "503 with Retry-After, then recovery"
//! promise (contract: "Under hostile load").
//!
//! - Postgres: the database's connection limit drops to 0 and every other
//!   session on it is terminated (`57P01`); new connections are refused
//!   with `53300` until [`DatabaseOutage::end`]. Reads and writes fail.
//! - SQLite: another connection holds the writer lock (`BEGIN IMMEDIATE`),
//!   so writers fail with `SQLITE_BUSY` once their busy timeout has run
//!   out. In WAL mode readers never wait, so reads still succeed.

use sqlx::{AnyConnection, Connection, Row};

use crate::database::Backend;

/// The outage; call [`Self::end`] to give the database back.
pub struct DatabaseOutage {
    backend: Backend,
    holder: AnyConnection,
}

impl DatabaseOutage {
    /// Takes the database at `url` away.
    ///
    /// # Panics
    /// When the database cannot be reached to begin with.
    #[allow(clippy::expect_used)]
    pub async fn begin(url: &str) -> Self {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).expect("a test database URL");
        let mut holder = AnyConnection::connect(url)
            .await
            .expect("the test database answers before the outage");
        match backend {
            Backend::Sqlite => {
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut holder)
                    .await
                    .expect("the writer lock is taken");
            }
            Backend::Postgres => {
                let database: String = sqlx::query("SELECT current_database()::text")
                    .fetch_one(&mut holder)
                    .await
                    .map(|row| row.get(0))
                    .expect("the database's name");
                sqlx::query(&format!("ALTER DATABASE {database} CONNECTION LIMIT 0"))
                    .execute(&mut holder)
                    .await
                    .expect("no new connections");
                sqlx::query(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .execute(&mut holder)
                .await
                .expect("the other sessions are terminated");
            }
        }
        Self { backend, holder }
    }

    /// Gives the database back.
    ///
    /// # Panics
    /// When the holding connection was lost meanwhile.
    #[allow(clippy::expect_used)]
    pub async fn end(mut self) {
        let statement = match self.backend {
            Backend::Sqlite => "ROLLBACK".to_owned(),
            Backend::Postgres => {
                let database: String = sqlx::query("SELECT current_database()::text")
                    .fetch_one(&mut self.holder)
                    .await
                    .map(|row| row.get(0))
                    .expect("the database's name");
                format!("ALTER DATABASE {database} CONNECTION LIMIT -1")
            }
        };
        sqlx::query(&statement)
            .execute(&mut self.holder)
            .await
            .expect("the database is given back");
        let _ = self.holder.close().await;
    }

    /// Whether reads fail too during this outage (not on SQLite in WAL mode).
    pub fn refuses_reads(&self) -> bool {
        self.backend == Backend::Postgres
    }
}

/// The `Retry-After` of `response` in whole seconds, if it carries a valid
/// one. A role whose database is down answers 503 with
/// [`crate::http::RETRY_AFTER_SECONDS`] there, so the caller knows when to
/// come back (RFC 9110 §10.2.3).
pub fn retry_after_seconds(response: &reqwest::Response) -> Option<u32> {
    response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u32>().ok())
}

/// Asserts that `response` says when to come back: a `Retry-After` of
/// [`crate::http::RETRY_AFTER_SECONDS`], as every role answers while its
/// database is down.
pub fn assert_retry_after(response: &reqwest::Response) {
    assert_eq!(
        retry_after_seconds(response),
        Some(crate::http::RETRY_AFTER_SECONDS),
        "the Retry-After of a {} answer",
        response.status()
    );
}
