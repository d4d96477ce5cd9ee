//! Anonymous visits cannot grow the client's database without bound: a
//! session that never connected lives 30 minutes, and the sweeper's timer
//! deletes it (with its runs, requests and trace) and spent or expired
//! authorization requests, while connected sessions stay. The client reads
//! the real clock, so expiry is simulated by moving rows' `expires_at`
//! into the past; no test here calls the purge itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use client::session::UNCONNECTED_SESSION_LIFETIME;
use sqlx::Row;

use crate::helpers::{browser, spawn_app_with, spawn_apps, Options, TestApp};

const ANONYMOUS_VISITORS: usize = 200;

async fn count(app: &TestApp, statement: &str) -> i64 {
    sqlx::query(statement)
        .fetch_one(app.database.pool())
        .await
        .map(|row| row.get::<i64, _>(0))
        .expect("count rows")
}

/// Waits until `statement` counts zero rows; false after ten seconds.
async fn eventually_none(app: &TestApp, statement: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if count(app, statement).await == 0 {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// 200 first-time browsers at once, each starting `/connect` (a session
/// and an authorization request with its `state` and PKCE verifier).
async fn anonymous_visits(app: &TestApp) {
    let visits: Vec<_> = (0..ANONYMOUS_VISITORS)
        .map(|_| {
            let url = app.url.clone();
            actix_rt::spawn(async move {
                let visitor = browser(Arc::new(reqwest::cookie::Jar::default()));
                visitor
                    .get(format!("{url}/connect"))
                    .send()
                    .await
                    .expect("GET /connect")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for visit in visits {
        assert_eq!(
            visit.await.expect("a visit"),
            303,
            "redirected to /authorize"
        );
    }
}

#[actix_rt::test]
async fn a_new_session_lives_thirty_minutes_until_it_connects() {
    for app in spawn_apps().await {
        let _ = app.home().await;
        let lifetime = count(&app, "SELECT MAX(expires_at - created_at) FROM sessions").await;
        assert_eq!(lifetime, UNCONNECTED_SESSION_LIFETIME);

        app.connect_fully().await;
        let lifetime = count(&app, "SELECT MAX(expires_at - created_at) FROM sessions").await;
        assert!(lifetime >= 7 * 24 * 3600, "connected: a week, {lifetime}");
    }
}

#[actix_rt::test]
async fn expired_anonymous_sessions_and_requests_are_swept_on_a_timer_while_connected_ones_stay() {
    for database_url in service_kit::testing::test_database_urls().await {
        let mut options = Options::new(database_url);
        options.sweep_interval = Duration::from_millis(100);
        let app = spawn_app_with(options).await;
        app.connect_fully().await;
        anonymous_visits(&app).await;
        let connected = "SELECT COUNT(*) FROM sessions \
                         WHERE id_hash IN (SELECT session_hash FROM connections)";
        let anonymous = "SELECT COUNT(*) FROM sessions \
                         WHERE id_hash NOT IN (SELECT session_hash FROM connections)";
        assert_eq!(count(&app, connected).await, 1);
        assert!(count(&app, anonymous).await >= ANONYMOUS_VISITORS as i64);
        let requests = "SELECT COUNT(*) FROM authorization_requests";
        assert!(count(&app, requests).await >= ANONYMOUS_VISITORS as i64);
        let runs = "SELECT COUNT(*) FROM runs";
        let connected_runs = "SELECT COUNT(*) FROM runs \
                              WHERE session_hash IN (SELECT session_hash FROM connections)";
        let kept_runs = count(&app, connected_runs).await;
        assert!(kept_runs > 0);

        // Thirty-one minutes later: the anonymous sessions and every
        // pending request have expired; the connected session lives a week.
        app.clock.advance(UNCONNECTED_SESSION_LIFETIME + 60);

        assert!(eventually_none(&app, anonymous).await, "sessions swept");
        assert!(eventually_none(&app, requests).await, "requests swept");
        assert_eq!(
            count(&app, connected).await,
            1,
            "the connected session stays"
        );
        assert_eq!(count(&app, runs).await, kept_runs, "only its runs remain");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM connections").await, 1);
        let home = app.home().await;
        assert!(home.contains("name=\"message\""), "still connected: {home}");
    }
}
