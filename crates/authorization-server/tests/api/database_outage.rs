//! The authorization server's database stops answering: `/token`,
//! `/introspect` and the pages answer `503` with `Retry-After` (never a
//! 500), JSON endpoints with `temporarily_unavailable`, and everything
//! works again once the database is back, without a restart.

use authorization_server::testing::{browser, TestAuthorizationServer};
use service_kit::testing::outage::DatabaseOutage;

use crate::helpers::{refresh_as_strava, spawn_apps};

fn retry_after(response: &reqwest::Response) -> Option<u32> {
    response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

async fn introspect(app: &TestAuthorizationServer) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/introspect", app.url))
        .basic_auth("protected-resource-1", Some("protected-resource-secret-1"))
        .form(&[("token", "some-token")])
        .send()
        .await
        .expect("POST /introspect")
}

/// Asserts a JSON 503 `temporarily_unavailable` with `Retry-After`.
async fn assert_json_retry_later(response: reqwest::Response) {
    assert_eq!(response.status(), 503);
    assert_eq!(
        retry_after(&response),
        Some(service_kit::http::RETRY_AFTER_SECONDS)
    );
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
}

#[actix_rt::test]
async fn while_its_database_is_down_endpoints_and_pages_answer_503_with_retry_after_then_recover() {
    for app in spawn_apps().await {
        let outage = DatabaseOutage::begin(&app.database_url).await;
        // A first visit writes a session: refused on either backend.
        let login = browser()
            .get(format!("{}/login", app.url))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(login.status(), 503);
        assert_eq!(
            retry_after(&login),
            Some(service_kit::http::RETRY_AFTER_SECONDS)
        );
        let page = login.text().await.expect("a page");
        assert!(page.contains("try again"), "{page}");
        if outage.refuses_reads() {
            assert_json_retry_later(introspect(&app).await).await;
            let token = refresh_as_strava(&app, "x").await;
            assert_json_retry_later(token).await;
        }
        outage.end().await;

        assert_eq!(introspect(&app).await.status(), 200, "recovered");
        let login = browser()
            .get(format!("{}/login", app.url))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(login.status(), 200, "recovered on its own");
    }
}
