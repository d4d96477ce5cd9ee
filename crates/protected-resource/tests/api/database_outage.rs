//! The resource's own database stops answering: its API answers `503
//! temporarily_unavailable` with `Retry-After` (never a 500), and serves
//! again once the database is back, without being restarted.

use serde_json::json;
use service_kit::testing::outage::{retry_after_seconds, DatabaseOutage};

use crate::helpers::{assert_unavailable, spawn_app_on};

/// Asserts a 503 that names when to come back.
async fn assert_retry_later(response: reqwest::Response) {
    let retry_after = retry_after_seconds(&response);
    let status = response.status();
    if retry_after != Some(service_kit::http::RETRY_AFTER_SECONDS) {
        let body = response.text().await.unwrap_or_default();
        panic!("{status} without Retry-After: {body}");
    }
    assert_unavailable(response).await;
}

#[actix_rt::test]
async fn while_its_database_is_down_the_api_answers_503_with_retry_after_then_recovers() {
    for url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_on(url.clone()).await;
        let token = app.token_for("alice", "profile post");
        assert_eq!(app.me_status(&token).await, 200, "{url}");

        let outage = DatabaseOutage::begin(&url).await;
        let during = json!({ "message": "during" });
        // A writer waits out the pool's or SQLite's busy timeout, then gives up.
        assert_retry_later(app.post_json("/api/posts", &token, &during).await).await;
        if outage.refuses_reads() {
            assert_retry_later(app.get("/api/posts", &token).await).await;
            let health = app.http.get(app.url("/healthz")).send().await.expect("GET");
            assert_eq!(health.status(), 503, "{url}");
            assert!(health.headers().get("retry-after").is_some());
        }
        // (SQLite in WAL mode: readers do not wait for the writer lock.)
        outage.end().await;

        let after = app
            .post_json("/api/posts", &token, &json!({ "message": "after" }))
            .await;
        assert_eq!(after.status(), 201, "{url}: recovered on its own");
        assert_eq!(app.me_status(&token).await, 200, "{url}");
    }
}
