//! Anonymous visits cannot grow the database without bound: the sweeper's
//! timer deletes their sessions and pending requests once expired, while
//! signed-in sessions and live tokens stay. No test here calls the purge
//! itself, and nobody signs in after the clock moves (a login no longer
//! carries the purge, but must not be what makes these tests pass).

use std::time::{Duration, Instant};

use authorization_server::testing::{browser, Flow, TestAuthorizationServer};
use sqlx::Row;

use crate::helpers::{
    demo_authorize_params, follow, is_active, pkce_pair, signed_in_browser, spawn_apps_with,
};

const ANONYMOUS_VISITORS: usize = 200;

/// Rows of `table` matching `condition`.
async fn count(app: &TestAuthorizationServer, table: &str, condition: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE {condition}"))
        .fetch_one(app.database().pool())
        .await
        .map(|row| row.get::<i64, _>(0))
        .expect("count rows")
}

/// 200 browsers at once, each a first visit: `GET /authorize` (a pending
/// request), redirected on to the login page (an anonymous session).
async fn anonymous_visits(app: &TestAuthorizationServer) {
    let (_verifier, challenge) = pkce_pair();
    let params = demo_authorize_params(&challenge);
    let visits: Vec<_> = (0..ANONYMOUS_VISITORS)
        .map(|_| {
            let (url, params) = (app.url.clone(), params.clone());
            actix_rt::spawn(async move {
                let visitor = browser();
                let authorize = visitor
                    .get(format!("{url}/authorize"))
                    .query(&params)
                    .send()
                    .await
                    .expect("GET /authorize");
                (visitor, authorize)
            })
        })
        .collect();
    for visit in visits {
        let (visitor, authorize) = visit.await.expect("a visit");
        let page = follow(app, &visitor, authorize).await;
        assert_eq!(page.status(), 200, "the login page");
        let page = page.text().await.expect("a page");
        assert!(page.contains("name=\"password\""), "{page}");
    }
}

/// Waits until `condition` holds, polling; false after ten seconds.
async fn eventually(app: &TestAuthorizationServer, table: &str, condition: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if count(app, table, condition).await == 0 {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[actix_rt::test]
async fn anonymous_sessions_and_pending_requests_are_swept_on_a_timer_while_signed_in_ones_stay() {
    let apps = spawn_apps_with(|config| {
        config.serve.sweep_interval = Duration::from_millis(100);
        // Live past the anonymous lifetime, so that "stays" means something.
        config.access_token_ttl = 3600;
    })
    .await;
    for app in apps {
        let tokens = app.obtain_tokens(&Flow::demo()).await;
        let signed_in = signed_in_browser(&app, "alice", "alice-password").await;
        anonymous_visits(&app).await;
        let anonymous = count(&app, "sessions", "user_id IS NULL").await;
        let pending = count(&app, "authorization_requests", "1 = 1").await;
        assert!(
            anonymous >= ANONYMOUS_VISITORS as i64,
            "{anonymous} sessions"
        );
        assert!(pending >= ANONYMOUS_VISITORS as i64, "{pending} requests");
        let signed_in_sessions = count(&app, "sessions", "user_id IS NOT NULL").await;
        let stored_tokens = count(&app, "tokens", "1 = 1").await;

        // Past the anonymous lifetime (15 min) and the pending request's
        // (10 min); well within a signed-in session (12 h).
        app.advance_clock(16 * 60);

        assert!(
            eventually(&app, "sessions", "user_id IS NULL").await,
            "anonymous sessions are swept"
        );
        assert!(
            eventually(&app, "authorization_requests", "1 = 1").await,
            "pending requests are swept"
        );
        assert_eq!(
            count(&app, "sessions", "user_id IS NOT NULL").await,
            signed_in_sessions
        );
        assert_eq!(count(&app, "tokens", "1 = 1").await, stored_tokens);
        let account = signed_in
            .get(format!("{}/account", app.url))
            .send()
            .await
            .expect("GET /account");
        assert_eq!(account.status(), 200, "alice is still signed in");
        assert!(is_active(&app, tokens.access_token.secret()).await);
    }
}

#[actix_rt::test]
async fn an_anonymous_session_expires_after_fifteen_minutes_not_twelve_hours() {
    let apps = spawn_apps_with(|config| {
        config.serve.sweep_interval = Duration::from_secs(3600);
    })
    .await;
    for app in apps {
        let visitor = browser();
        let login = visitor
            .get(format!("{}/login", app.url))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(login.status(), 200);
        let now = app.clock.now();
        let expires_at: i64 = sqlx::query("SELECT expires_at FROM sessions WHERE user_id IS NULL")
            .fetch_one(app.database().pool())
            .await
            .map(|row| row.get(0))
            .expect("the anonymous session");
        assert!(
            (now..=now + 15 * 60 + 5).contains(&expires_at),
            "expires at {expires_at}, now {now}"
        );
    }
}

/// RFC 8628: device authorizations nobody finished are swept on the timer
/// once expired (and kept as long as codes, for replays); a live one stays.
#[actix_rt::test]
async fn expired_device_authorizations_are_swept_on_the_timer_and_live_ones_stay() {
    let apps =
        spawn_apps_with(|config| config.serve.sweep_interval = Duration::from_millis(100)).await;
    for app in apps {
        for _ in 0..3 {
            crate::device::watch_codes(&app).await;
        }
        app.advance_clock(600 + 24 * 3600);
        let now = app.clock.now();
        let live = crate::device::watch_codes(&app).await;

        assert!(
            eventually(
                &app,
                "device_authorizations",
                &format!("created_at < {now}")
            )
            .await,
            "expired device authorizations were not swept"
        );
        assert_eq!(count(&app, "device_authorizations", "1 = 1").await, 1);
        assert_eq!(
            crate::device::poll(&app, &live).await.1["error"],
            "authorization_pending"
        );
    }
}
