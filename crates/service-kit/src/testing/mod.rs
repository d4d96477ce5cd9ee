//! Fresh databases for tests.
//!
//! Every test gets a database of its own: a new SQLite file, and, when
//! `TEST_POSTGRES_URL` names a Postgres server, a new Postgres database on
//! it. Store and HTTP tests loop over [`test_database_urls`] so the same
//! assertions run on both backends. In CI (`CI` set) a missing
//! `TEST_POSTGRES_URL` is an error, never a silent skip.
//!
//! Tests hand out URLs, not guards, so nothing drops a database when its
//! test ends. Instead every database and file is named with its creation
//! time, and the first one a test process creates sweeps away those older
//! than [`STALE_AFTER`]: the test server's disk stays bounded by a few
//! runs' worth, however many runs it has seen.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// How old a test database or file must be before a later run removes it:
/// far longer than any test run.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// The directory that holds the tests' SQLite files.
fn sqlite_directory() -> PathBuf {
    std::env::temp_dir().join("oauth-workspace-tests")
}

/// A URL for a new, empty SQLite database in the system's temp directory.
pub fn sqlite_url() -> String {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if !SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale_files(&sqlite_directory());
    }
    let file = sqlite_directory().join(format!("{}.db", uuid::Uuid::new_v4()));
    format!("sqlite://{}", file.display())
}

/// Removes the files (databases, their journals, logs) that earlier runs
/// left in `directory` more than [`STALE_AFTER`] ago.
fn sweep_stale_files(directory: &Path) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > STALE_AFTER));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

/// What `spawn` starts on each of the [`test_database_urls`]: one app per
/// backend, for a test that runs its assertions on every backend.
pub async fn spawn_on_every_backend<App, Spawned>(spawn: impl Fn(String) -> Spawned) -> Vec<App>
where
    Spawned: std::future::Future<Output = App>,
{
    let mut apps = Vec::new();
    for url in test_database_urls().await {
        apps.push(spawn(url).await);
    }
    apps
}

#[allow(clippy::panic)]
async fn create_postgres_database(server: &str) -> String {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    sqlx::any::install_default_drivers();
    let name = test_database_name(SystemTime::now());
    let mut connection = sqlx::AnyConnection::connect(server)
        .await
        .unwrap_or_else(|err| panic!("{TEST_POSTGRES_URL} does not answer: {err}"));
    if !SWEPT.swap(true, Ordering::SeqCst) {
        drop_stale_test_databases(&mut connection).await;
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap_or_else(|err| panic!("cannot create a test database: {err}"));
    let mut url = url::Url::parse(server)
        .unwrap_or_else(|err| panic!("{TEST_POSTGRES_URL} is not a URL: {err}"));
    url.set_path(&name);
    url.into()
}

/// `test_<seconds since the epoch>_<random>`: the name says when it was
/// made, so a later run can tell a stale database from a running test's.
pub fn test_database_name(now: SystemTime) -> String {
    let seconds = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("test_{seconds}_{}", uuid::Uuid::new_v4().simple())
}

/// Whether a database of that name is a test database made more than
/// [`STALE_AFTER`] before `now`. Names without a time are from older
/// versions of this module: stale too.
fn is_stale_test_database(name: &str, now: SystemTime) -> bool {
    let Some(rest) = name.strip_prefix("test_") else {
        return false;
    };
    match rest.split_once('_') {
        Some((seconds, random)) => {
            let (Ok(seconds), true) = (seconds.parse::<u64>(), is_hex_id(random)) else {
                return false;
            };
            let made = UNIX_EPOCH + Duration::from_secs(seconds);
            now.duration_since(made).is_ok_and(|age| age > STALE_AFTER)
        }
        None => is_hex_id(rest),
    }
}

fn is_hex_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Drops the stale test databases on the server. A failure is only a note:
/// another run may be dropping the same one.
pub async fn drop_stale_test_databases(connection: &mut sqlx::AnyConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'test\\_%'")
            .fetch_all(&mut *connection)
            .await
            .unwrap_or_else(|err| {
                eprintln!("note: could not list the stale test databases: {err}");
                Vec::new()
            });
    let now = SystemTime::now();
    for name in names
        .iter()
        .filter(|name| is_stale_test_database(name, now))
    {
        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        if let Err(err) = sqlx::query(&statement).execute(&mut *connection).await {
            eprintln!("note: could not drop the stale test database {name}: {err}");
        }
    }
}

fn announce_postgres_skipped() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        eprintln!("note: {TEST_POSTGRES_URL} is not set; these tests ran on SQLite only");
    });
}

/// The `WWW-Authenticate` challenges of `response` (RFC 9110 §11.6.1), one
/// per header field, as sent: a resource or `/userinfo` refusing a token
/// names each scheme it accepts (RFC 6750 §3, RFC 9449 §7.1).
pub fn challenges(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect()
}

/// Starting a role's real binary and checking its life cycle.
pub mod binary;

/// A listener bound on port 0 before a role starts in-process.
pub mod reserved;
pub use reserved::{default_config, reserve, Reserved, TestServer};

/// A local certificate authority and a certificate it signed for
/// `localhost` and `127.0.0.1`, for HTTPS in tests and in the TLS demo.
pub mod pki;

/// Generated bad input for the property tests of every role.
pub mod inputs;

/// A test database taken away and given back: the 503-and-recover checks.
pub mod outage;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_test_database_is_not_stale_and_an_old_one_is() {
        let now = SystemTime::now();
        let fresh = test_database_name(now);
        assert!(!is_stale_test_database(&fresh, now));
        let later = now + STALE_AFTER + Duration::from_secs(1);
        assert!(is_stale_test_database(&fresh, later));
    }

    #[test]
    fn only_test_databases_are_ever_stale() {
        let far_future = SystemTime::now() + Duration::from_secs(10 * 365 * 24 * 3600);
        let legacy = format!("test_{}", uuid::Uuid::new_v4().simple());
        assert!(is_stale_test_database(&legacy, far_future));
        for name in [
            "oauth_tests",
            "postgres",
            "test_",
            "test_12_notanid",
            "testing_1_x",
        ] {
            assert!(!is_stale_test_database(name, far_future), "{name}");
        }
    }

    #[test]
    fn the_sweep_removes_old_files_and_keeps_new_ones() {
        let directory = std::env::temp_dir().join(format!("sweep-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&directory).unwrap();
        let old = directory.join("old.db");
        let new = directory.join("new.db");
        std::fs::write(&old, b"").unwrap();
        std::fs::write(&new, b"").unwrap();
        let long_ago = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|file| file.set_modified(long_ago))
            .unwrap();
        sweep_stale_files(&directory);
        assert!(!old.exists());
        assert!(new.exists());
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
