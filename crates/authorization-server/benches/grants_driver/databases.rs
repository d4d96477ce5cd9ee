//! The databases of `scripts/bench`: many live tokens seeded at once, and
//! fresh Postgres databases.

use std::time::Instant;

use service_kit::{Backend, Database};

use super::RESOURCE_ID;

/// One statement: N rows shaped like real access tokens, random hashes.
pub async fn seed_tokens(database_url: &str, count: i64) {
    let database = Database::connect(database_url).await.expect("the database");
    let now = service_kit::clock::now();
    let statement = match database.backend() {
        Backend::Sqlite => {
            "INSERT INTO tokens (token_hash, kind, family_id, client_id, user_id, username, \
             scope, audience, issued_at, expires_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             SELECT lower(hex(randomblob(32))), 'access', lower(hex(randomblob(16))), 'strava', \
             'bench-user', 'bench', 'profile post', $2, $3, $4 FROM n"
        }
        Backend::Postgres => {
            "INSERT INTO tokens (token_hash, kind, family_id, client_id, user_id, username, \
             scope, audience, issued_at, expires_at) \
             SELECT md5(random()::text) || md5(random()::text), 'access', md5(random()::text), \
             'strava', 'bench-user', 'bench', 'profile post', $2, $3, $4 \
             FROM generate_series(1, $1::bigint)"
        }
    };
    let started = Instant::now();
    let inserted = sqlx::query(statement)
        .bind(count)
        .bind(RESOURCE_ID)
        .bind(now)
        .bind(now + 24 * 3600)
        .execute(database.pool())
        .await
        .expect("seeding tokens");
    // Let the database settle before it is measured, as it would on its own
    // a while after a bulk load: statistics, the visibility map and the
    // dirty pages written (Postgres), the write-ahead log folded into the
    // file (SQLite). A CHECKPOINT needs a privileged role; without it the
    // server's own checkpoint comes later.
    let settle: &[&str] = match database.backend() {
        Backend::Postgres => &["VACUUM (ANALYZE) tokens", "CHECKPOINT"],
        Backend::Sqlite => &["PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    for statement in settle {
        if let Err(err) = sqlx::query(statement).execute(database.pool()).await {
            eprintln!("note: {statement} failed: {err}");
        }
    }
    eprintln!(
        "seeded {} tokens in {:.1} s",
        inserted.rows_affected(),
        started.elapsed().as_secs_f64()
    );
}

/// Drops (if present) and, unless `drop_only`, creates database `name`;
/// its URL.
pub async fn postgres_database(server: &str, name: &str, drop_only: bool) -> String {
    use sqlx::Connection;
    assert!(
        name.bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte == b'_'),
        "a database name of lowercase letters and underscores"
    );
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(server)
        .await
        .expect("the Postgres server");
    let mut statements = vec![format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")];
    if !drop_only {
        statements.push(format!("CREATE DATABASE {name}"));
    }
    for statement in statements {
        sqlx::query(&statement)
            .execute(&mut connection)
            .await
            .expect("a database statement");
    }
    let mut url = url::Url::parse(server).expect("a Postgres URL");
    url.set_path(name);
    url.into()
}
