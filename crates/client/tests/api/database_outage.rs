//! The client's own database stops answering: its pages answer `503` with
//! `Retry-After` and a page that says to try again (never a 500), and it
//! serves again once the database is back, without being restarted.

use std::sync::Arc;

use service_kit::testing::outage::{assert_retry_after, DatabaseOutage};

use crate::helpers::{browser, spawn_app_with, Options, TestApp};

/// GET `path` of `app` with `browser`.
async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    browser
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {path}: {err}"))
}

#[actix_rt::test]
async fn while_its_database_is_down_pages_answer_503_with_retry_after_then_recover() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_with(Options::new(database_url.clone())).await;
        assert_eq!(app.get("/").await.status(), 200, "{database_url}");

        let outage = DatabaseOutage::begin(&database_url).await;
        // A first visit writes a new session, on either backend.
        let newcomer = browser(Arc::new(reqwest::cookie::Jar::default()));
        let down = get(&newcomer, &app, "/").await;
        assert_eq!(down.status(), 503, "{database_url}");
        assert_retry_after(&down);
        let page = down.text().await.expect("a page");
        assert!(page.contains("Try again in a few seconds"), "{page}");
        if outage.refuses_reads() {
            let health = get(&newcomer, &app, "/healthz").await;
            assert_eq!(health.status(), 503);
            assert!(health.headers().get("retry-after").is_some());
        }
        outage.end().await;

        let back = get(&newcomer, &app, "/").await;
        assert_eq!(back.status(), 200, "{database_url}: recovered on its own");
    }
}
