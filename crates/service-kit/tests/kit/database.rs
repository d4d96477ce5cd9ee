use service_kit::database::EmbeddedMigration;
use service_kit::testing::{sqlite_url, test_database_urls};
use service_kit::{Backend, Database, Migrations};
use sqlx::Row;

/// One table both backends create alike.
const NOTES: &[EmbeddedMigration] = &[EmbeddedMigration {
    version: 1,
    description: "notes",
    sql: include_str!("../migrations/0001_notes.sql"),
}];

static MIGRATIONS: Migrations = Migrations {
    sqlite: NOTES,
    postgres: NOTES,
};

pub async fn migrated(url: &str) -> Database {
    let database = Database::connect(url)
        .await
        .unwrap_or_else(|err| panic!("{url}: {err}"));
    database
        .migrate(&MIGRATIONS)
        .await
        .unwrap_or_else(|err| panic!("{url}: {err}"));
    database
}

#[actix_rt::test]
async fn an_sqlite_file_is_created_with_its_directory_in_wal_mode() {
    let url = sqlite_url();
    let database = migrated(&url).await;
    assert_eq!(database.backend(), Backend::Sqlite);
    let path = url.trim_start_matches("sqlite://");
    assert!(std::path::Path::new(path).exists(), "{path} was created");

    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(database.pool())
        .await
        .map(|row| row.get(0))
        .unwrap_or_default();
    assert_eq!(mode.to_lowercase(), "wal");
    let busy: i64 = sqlx::query("PRAGMA busy_timeout")
        .fetch_one(database.pool())
        .await
        .map(|row| row.get(0))
        .unwrap_or_default();
    assert!(busy >= 1000, "busy timeout {busy} ms");
}

#[actix_rt::test]
async fn migrations_apply_once_and_are_idempotent_on_every_backend() {
    for url in test_database_urls().await {
        let database = migrated(&url).await;
        database
            .migrate(&MIGRATIONS)
            .await
            .unwrap_or_else(|err| panic!("second run on {url}: {err}"));
        let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(database.pool())
            .await
            .map(|row| row.get(0))
            .unwrap_or_default();
        assert_eq!(applied, 1, "{url}");
    }
}

#[actix_rt::test]
async fn one_portable_statement_writes_and_reads_on_every_backend() {
    for url in test_database_urls().await {
        let database = migrated(&url).await;
        let returned: String = sqlx::query(
            "INSERT INTO notes (id, body, claimed_at) VALUES ($1, $2, $3) RETURNING body",
        )
        .bind("n1")
        .bind("first note")
        .bind(Option::<i64>::None)
        .fetch_one(database.pool())
        .await
        .map(|row| row.get("body"))
        .unwrap_or_else(|err| panic!("{url}: {err}"));
        assert_eq!(returned, "first note");

        let row = sqlx::query("SELECT body, claimed_at FROM notes WHERE id = $1")
            .bind("n1")
            .fetch_one(database.pool())
            .await
            .unwrap_or_else(|err| panic!("{url}: {err}"));
        assert_eq!(row.get::<String, _>("body"), "first note");
        assert_eq!(row.get::<Option<i64>, _>("claimed_at"), None);
    }
}

/// The pattern behind single-use codes and rotating refresh tokens: a
/// conditional UPDATE that only one of many concurrent callers can win.
#[actix_rt::test]
async fn of_many_concurrent_claims_exactly_one_wins_on_every_backend() {
    for url in test_database_urls().await {
        let database = migrated(&url).await;
        sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
            .bind("contested")
            .bind("only once")
            .execute(database.pool())
            .await
            .unwrap_or_else(|err| panic!("{url}: {err}"));

        let claims = (0..16).map(|attempt| {
            let pool = database.pool().clone();
            actix_rt::spawn(async move {
                sqlx::query("UPDATE notes SET claimed_at = $1 WHERE id = $2 AND claimed_at IS NULL")
                    .bind(1_000 + attempt)
                    .bind("contested")
                    .execute(&pool)
                    .await
                    .map(|done| done.rows_affected())
            })
        });
        let mut winners = 0;
        for claim in claims.collect::<Vec<_>>() {
            let affected = claim
                .await
                .unwrap_or_else(|err| panic!("{url}: task: {err}"))
                .unwrap_or_else(|err| panic!("{url}: a claim failed instead of losing: {err}"));
            winners += affected;
        }
        assert_eq!(winners, 1, "{url}");
    }
}

#[actix_rt::test]
async fn many_concurrent_sqlite_writers_all_succeed() {
    let database = migrated(&sqlite_url()).await;
    let writers: Vec<_> = (0..64)
        .map(|index| {
            let pool = database.pool().clone();
            actix_rt::spawn(async move {
                sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
                    .bind(format!("note-{index}"))
                    .bind("concurrent")
                    .execute(&pool)
                    .await
            })
        })
        .collect();
    for writer in writers {
        let result = writer.await.unwrap_or_else(|err| panic!("task: {err}"));
        assert!(result.is_ok(), "a writer failed: {:?}", result.err());
    }
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM notes")
        .fetch_one(database.pool())
        .await
        .map(|row| row.get(0))
        .unwrap_or_default();
    assert_eq!(count, 64);
}

#[actix_rt::test]
async fn health_follows_the_database() {
    let database = migrated(&sqlite_url()).await;
    assert!(database.is_healthy().await);
    database.pool().close().await;
    assert!(!database.is_healthy().await);
}

#[actix_rt::test]
async fn an_unknown_scheme_is_refused_before_connecting() {
    let refused = Database::connect("mysql://localhost/db").await;
    assert!(matches!(
        refused,
        Err(service_kit::DatabaseError::UnsupportedUrl)
    ));
}

/// Test databases are never dropped by their tests; a later run drops the
/// stale ones (and only those) so the test server's disk stays bounded.
#[actix_rt::test]
async fn stale_test_databases_are_dropped_and_fresh_ones_kept() {
    use sqlx::Connection;
    let Ok(server) = std::env::var(service_kit::testing::TEST_POSTGRES_URL) else {
        return; // SQLite only: `postgres_url` already announced it (or failed in CI)
    };
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&server).await.unwrap();
    let stale = format!("test_{}", uuid::Uuid::new_v4().simple());
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    let also_stale = service_kit::testing::test_database_name(long_ago);
    let fresh = service_kit::testing::test_database_name(std::time::SystemTime::now());
    for name in [&stale, &also_stale, &fresh] {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .unwrap();
    }

    service_kit::testing::drop_stale_test_databases(&mut connection).await;

    let remaining: Vec<String> = sqlx::query_scalar("SELECT datname::text FROM pg_database")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    assert!(
        !remaining.contains(&stale),
        "a database from an older naming is stale"
    );
    assert!(
        !remaining.contains(&also_stale),
        "a database made long ago is stale"
    );
    assert!(
        remaining.contains(&fresh),
        "a running test's database stays"
    );
    sqlx::query(&format!("DROP DATABASE {fresh}"))
        .execute(&mut connection)
        .await
        .unwrap();
}
