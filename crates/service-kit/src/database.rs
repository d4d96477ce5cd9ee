//! The database layer: one sqlx pool over SQLite or Postgres.
//!
//! Every query in this workspace is one portable SQL statement run through
//! sqlx's `Any` driver: `$1, $2, …` placeholders numbered in order of first
//! use, integers as `BIGINT`, time as Unix seconds, text for everything
//! else. The backends differ only here (pool set-up) and in the few
//! migrations written once per backend (`migrations/ROLE/{sqlite,postgres}/`,
//! next to the shared ones in `migrations/ROLE/`; see [`migration_sets`]).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

/// Which database errors mean "not now" (`503`) rather than a bug (`500`).
mod unavailable;
pub use unavailable::is_unavailable;

/// Postgres text cannot hold NUL: the one check every role makes.
pub mod text;

/// Secrets a role shares between its instances (`server_secrets`).
pub mod secrets;

/// A role's migration folder as one set per backend (used by its
/// `build.rs`).
pub mod migration_sets;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a `--database-url`, by its scheme.
    pub fn of_url(url: &str) -> Result<Self, DatabaseError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(DatabaseError::UnsupportedUrl)
        }
    }
}

/// What can go wrong while opening or migrating the database.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnsupportedUrl,
    #[error("cannot create the directory for the SQLite file: {0}")]
    CreateDirectory(#[source] std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// A role's migrations, one set per backend, embedded in its binary by the
/// code its `build.rs` writes ([`migration_sets::build_script`]).
pub struct Migrations {
    pub sqlite: &'static [EmbeddedMigration],
    pub postgres: &'static [EmbeddedMigration],
}

/// One migration, compiled in.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigration {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// Embedded migrations as sqlx reads them. The checksum sqlx records is
/// that of the SQL text, as with `sqlx::migrate!`, so databases migrated
/// before keep matching.
#[derive(Debug)]
struct Embedded(&'static [EmbeddedMigration]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>>
                + Send
                + 's,
        >,
    > {
        let migrations = self
            .0
            .iter()
            .map(|embedded| {
                Migration::new(
                    embedded.version,
                    embedded.description.into(),
                    MigrationType::Simple,
                    embedded.sql.into(),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// The pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

/// How long a request waits for a pooled connection before giving up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an SQLite writer waits for the lock held by another writer,
/// instead of failing with "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

impl Database {
    /// Opens a pool for `url`. An SQLite file (and its directory) is created
    /// if missing.
    pub async fn connect(url: &str) -> Result<Self, DatabaseError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(DatabaseError::Connect)?;
        let pool = pool_options(backend)
            .connect_with(options)
            .await
            .map_err(DatabaseError::Connect)?;
        Ok(Self { pool, backend })
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), DatabaseError> {
        let set = match self.backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::Postgres => migrations.postgres,
        };
        let migrator = Migrator::new(Embedded(set))
            .await
            .map_err(DatabaseError::Migrate)?;
        migrator
            .run(&self.pool)
            .await
            .map_err(DatabaseError::Migrate)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers a trivial query within two seconds.
    pub async fn is_healthy(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(
            actix_rt::time::timeout(Duration::from_secs(2), ping).await,
            Ok(Ok(_))
        )
    }
}

fn pool_options(backend: Backend) -> AnyPoolOptions {
    // A pooled connection is pinged before it is handed out (sqlx's default,
    // stated here because recovery depends on it): after the database
    // restarts, dead connections are dropped and replaced instead of failing
    // the request that drew them.
    let options = AnyPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true);
    match backend {
        Backend::Postgres => options.max_connections(10),
        // Every new SQLite connection is put in WAL mode (readers never wait
        // for the writer) with a busy timeout (writers queue instead of
        // failing).
        Backend::Sqlite => options
            .max_connections(8)
            .after_connect(|connection, _meta| {
                Box::pin(async move {
                    connection.execute("PRAGMA journal_mode = WAL").await?;
                    let busy = format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}");
                    connection.execute(busy.as_str()).await?;
                    connection.execute("PRAGMA foreign_keys = ON").await?;
                    connection.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            }),
    }
}

/// Makes sure an SQLite URL opens its file read-write and creates it
/// (`mode=rwc`), and that the file's directory exists.
fn prepare_sqlite_url(url: &str) -> Result<String, DatabaseError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(directory) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(directory).map_err(DatabaseError::CreateDirectory)?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            Backend::of_url("sqlite://data/a.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::of_url("mysql://h/db").is_err());
        assert!(Backend::of_url("data.db").is_err());
    }

    #[test]
    fn sqlite_urls_are_opened_in_create_mode() {
        let dir = std::env::temp_dir();
        let file = dir.join("service-kit-url-test.db");
        let url = format!("sqlite://{}", file.display());
        assert_eq!(
            prepare_sqlite_url(&url).ok(),
            Some(format!("sqlite://{}?mode=rwc", file.display()))
        );
        let read_only = format!("{url}?mode=ro");
        assert_eq!(prepare_sqlite_url(&read_only).ok(), Some(read_only));
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").ok().as_deref(),
            Some("sqlite::memory:")
        );
    }
}
