//! `is_unavailable` on errors the real drivers return: an outage is "not
//! now" (503 with Retry-After), a mistake of ours is not.

use actix_web::{web, App};
use service_kit::database::is_unavailable;
use service_kit::server::{serve, Listener};
use service_kit::testing::outage::assert_retry_after;
use service_kit::testing::{postgres_url, sqlite_url, test_database_urls};
use service_kit::{Database, ServeArgs};
use sqlx::{AnyConnection, Connection, Row};

use crate::database::migrated;

#[actix_rt::test]
async fn a_unique_violation_is_a_bug_not_an_outage_on_every_backend() {
    for url in test_database_urls().await {
        let database = migrated(&url).await;
        let insert = || {
            sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
                .bind("twice")
                .bind("a note")
                .execute(database.pool())
        };
        insert().await.unwrap_or_else(|err| panic!("{url}: {err}"));
        let error = insert().await.expect_err("the second insert is refused");
        assert!(!is_unavailable(&error), "{url}: {error}");
    }
}

#[actix_rt::test]
async fn a_closed_pool_is_an_outage() {
    let database = migrated(&sqlite_url()).await;
    database.pool().close().await;
    let error = sqlx::query("SELECT 1")
        .execute(database.pool())
        .await
        .expect_err("a closed pool serves nothing");
    assert!(is_unavailable(&error), "{error}");
}

#[actix_rt::test]
async fn a_refused_connection_is_an_outage() {
    // Port 1 on loopback: nothing listens there.
    let refused = Database::connect("postgres://nobody@127.0.0.1:1/nothing").await;
    match refused {
        Err(service_kit::DatabaseError::Connect(error)) => {
            assert!(is_unavailable(&error), "{error}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
}

#[actix_rt::test]
async fn an_sqlite_writer_lock_held_past_the_busy_timeout_is_an_outage() {
    let url = sqlite_url();
    let _database = migrated(&url).await;
    let mut holder = AnyConnection::connect(&url)
        .await
        .expect("first connection");
    let mut waiter = AnyConnection::connect(&url)
        .await
        .expect("second connection");
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut waiter)
        .await
        .expect("no waiting for the lock");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .expect("the writer lock is taken");
    let error = sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
        .bind("blocked")
        .bind("a note")
        .execute(&mut waiter)
        .await
        .expect_err("the lock is held");
    assert!(is_unavailable(&error), "{error}");
    sqlx::query("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("the lock is released");
}

#[actix_rt::test]
async fn a_postgres_connection_terminated_by_the_server_is_an_outage() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let mut victim = AnyConnection::connect(&url).await.expect("a connection");
    let mut admin = AnyConnection::connect(&url).await.expect("a connection");
    let pid: i32 = sqlx::query("SELECT pg_backend_pid()")
        .fetch_one(&mut victim)
        .await
        .map(|row| row.get(0))
        .expect("the backend's pid");
    // What an administrator's shutdown does to every session (57P01).
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&mut admin)
        .await
        .expect("the session is terminated");
    let error = sqlx::query("SELECT 1")
        .execute(&mut victim)
        .await
        .expect_err("a terminated session answers nothing");
    assert!(is_unavailable(&error), "{error}");
}

#[actix_rt::test]
async fn healthz_answers_503_with_retry_after_when_the_database_does_not_answer() {
    let database = migrated(&sqlite_url()).await;
    let data = web::Data::new(database.clone());
    let listener = Listener::bind(&ServeArgs::for_test("sqlite::memory:")).expect("bind");
    let (url, handle) = serve(listener, move || {
        App::new()
            .app_data(data.clone())
            .route("/healthz", web::get().to(service_kit::http::healthz))
    })
    .expect("serve")
    .spawn();
    let http = reqwest::Client::new();
    let healthz = || http.get(format!("{url}/healthz")).send();
    let healthy = healthz().await.expect("GET /healthz");
    assert_eq!(healthy.status(), 200);
    assert!(healthy.headers().get("retry-after").is_none());

    database.pool().close().await;
    let down = healthz().await.expect("GET /healthz");
    assert_eq!(down.status(), 503);
    assert_retry_after(&down);
    handle.stop(true).await;
}
