//! Fresh databases for tests.
//!
//! Every test gets a database of its own: a new SQLite file, and, when
//! `TEST_POSTGRES_URL` names a Postgres server, a new Postgres database on
//! it. Store and HTTP tests loop over [`test_database_urls`] so the same
//! assertions run on both backends. In CI (`CI` set) a missing
//! `TEST_POSTGRES_URL` is an error, never a silent skip.

use std::path::PathBuf;
use std::sync::Once;

use sqlx::Connection;

/// The variable that names a Postgres server for tests.
pub const TEST_POSTGRES_URL: &str = "TEST_POSTGRES_URL";

/// A free loopback port: bound, read and released, for a process that
/// binds it next (a role's binary, chromedriver, a Postgres cluster).
#[allow(clippy::panic)] // a test helper: no port means the test cannot run
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|err| panic!("no free loopback port: {err}"))
}

/// A URL for a new, empty SQLite database in the system's temp directory.
pub fn sqlite_url() -> String {
    let directory = std::env::temp_dir().join("oauth-workspace-tests");
    let file: PathBuf = directory.join(format!("{}.db", uuid::Uuid::new_v4()));
    format!("sqlite://{}", file.display())
}

/// A URL for a new, empty Postgres database, when `TEST_POSTGRES_URL` is set.
///
/// # Panics
/// When the variable is set but the server refuses, or when it is unset in
/// CI: a test that cannot run must fail, not pass.
pub async fn postgres_url() -> Option<String> {
    let Ok(server) = std::env::var(TEST_POSTGRES_URL) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {TEST_POSTGRES_URL} is not: the Postgres tests would not run"
        );
        announce_postgres_skipped();
        return None;
    };
    Some(create_postgres_database(&server).await)
}

/// Every backend this run tests: SQLite always, Postgres when configured.
pub async fn test_database_urls() -> Vec<String> {
    let mut urls = vec![sqlite_url()];
    urls.extend(postgres_url().await);
    urls
}

#[allow(clippy::panic)]
async fn create_postgres_database(server: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::AnyConnection::connect(server)
        .await
        .unwrap_or_else(|err| panic!("{TEST_POSTGRES_URL} does not answer: {err}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap_or_else(|err| panic!("cannot create a test database: {err}"));
    let mut url = url::Url::parse(server)
        .unwrap_or_else(|err| panic!("{TEST_POSTGRES_URL} is not a URL: {err}"));
    url.set_path(&name);
    url.into()
}

fn announce_postgres_skipped() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        eprintln!("note: {TEST_POSTGRES_URL} is not set; these tests ran on SQLite only");
    });
}

/// Starting a role's real binary and checking its life cycle.
pub mod binary;

/// A local certificate authority and a certificate it signed for
/// `localhost` and `127.0.0.1`, for HTTPS in tests and in the TLS demo.
pub mod pki;

/// Generated bad input for the property tests of every role.
pub mod inputs;

/// A test database taken away and given back: the 503-and-recover checks.
pub mod outage;
