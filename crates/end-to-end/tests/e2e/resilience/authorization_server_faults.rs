//! security.md 19 under load: while 50 requests at a time hit the
//! resource, its authorization server goes down, turns slow, answers
//! garbage or errors. The resource answers 503 to every one of those
//! requests (never a 2xx for a token it could not check, never another
//! 5xx), and recovers on its own when the authorization server is back.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse};
use service_kit::server::{serve, Listener};
use service_kit::ServeArgs;

use super::{
    assert_all_created, assert_every_created_post_stored_once, load_client, post_load,
    start_resource, stored_posts, tally,
};

/// The resource identifier the resource accepts by default.
const RESOURCE_ID: &str = "http://localhost:9002";

/// How the fake introspection endpoint behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Mode {
    /// Every token is active, with scope `post`, for an hour.
    Healthy = 0,
    /// Answers after 2 s (the resource waits 400 ms).
    Slow = 1,
    /// 200 with a body that is not JSON.
    Garbage = 2,
    /// 500.
    Failing = 3,
}

/// An RFC 7662 endpoint whose behaviour the test switches, and which can
/// be stopped and started again on the same port.
pub(super) struct FakeIntrospection {
    port: u16,
    mode: Arc<AtomicU8>,
    handle: Option<ServerHandle>,
}

impl FakeIntrospection {
    pub(super) fn start() -> Self {
        let mut fake = Self {
            port: 0,
            mode: Arc::new(AtomicU8::new(Mode::Healthy as u8)),
            handle: None,
        };
        fake.listen();
        fake
    }

    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/introspect", self.port)
    }

    fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Binds (the same port as before, once there was one) and serves.
    fn listen(&mut self) {
        let args = ServeArgs {
            addr: format!("127.0.0.1:{}", self.port),
            ..ServeArgs::for_test("sqlite::memory:")
        };
        // The old socket may take a moment to be released.
        let mut attempts = 0;
        let listener = loop {
            match Listener::bind(&args) {
                Ok(listener) => break listener,
                Err(err) if attempts > 50 => panic!("rebinding the fake: {err}"),
                Err(_) => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let mode = web::Data::from(self.mode.clone());
        let running = serve(listener, move || {
            App::new()
                .app_data(mode.clone())
                .route("/introspect", web::post().to(introspect))
        })
        .unwrap();
        self.port = running.port();
        self.handle = Some(running.spawn().1);
    }

    /// Down: the port refuses connections.
    async fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop(false).await;
        }
    }
}

async fn introspect(mode: web::Data<AtomicU8>) -> HttpResponse {
    let now = service_kit::clock::now();
    let active = || {
        HttpResponse::Ok().json(serde_json::json!({
            "active": true, "scope": "post", "client_id": "strava",
            "sub": "runner-1", "username": "runner",
            "aud": RESOURCE_ID, "iat": now, "exp": now + 3600,
        }))
    };
    match mode.load(Ordering::SeqCst) {
        1 => {
            actix_rt::time::sleep(Duration::from_secs(2)).await;
            active()
        }
        2 => HttpResponse::Ok()
            .content_type("application/json")
            .body("<html>surely not RFC 7662"),
        3 => HttpResponse::InternalServerError().json(serde_json::json!({"active": true})),
        _ => active(),
    }
}

/// Every outcome is a 503 whose body says `temporarily_unavailable`, and
/// there was load to speak of.
fn assert_all_unavailable(phase: &str, outcomes: &[super::Outcome]) {
    assert!(
        outcomes.len() >= 50,
        "{phase}: too little load: {}",
        outcomes.len()
    );
    let counts = tally(outcomes);
    eprintln!("{phase}: {counts:?}");
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        [Some(503)],
        "{phase}: every request is refused with 503: {counts:?}"
    );
    for outcome in outcomes {
        assert!(
            outcome.body.contains("temporarily_unavailable"),
            "{phase}: {}",
            outcome.body
        );
    }
}

#[actix_rt::test]
async fn under_load_the_resource_answers_503_while_its_authorization_server_fails_and_recovers_on_its_own(
) {
    let mut fake = FakeIntrospection::start();
    let database_url = service_kit::testing::sqlite_url();
    let (resource_url, _resource) = start_resource(&fake.url(), &database_url, 400).await;
    let http = load_client(Duration::from_secs(10));
    let load = |seconds: f64| {
        post_load(
            http.clone(),
            resource_url.clone(),
            50,
            Duration::from_secs_f64(seconds),
        )
    };
    let mut everything = Vec::new();

    // Healthy: posts are created.
    let healthy = load(1.0).await;
    assert_all_created("healthy", &healthy);
    everything.extend(healthy);

    // Down, slow, garbage, failing: 503 for every request.
    fake.stop().await;
    let down = load(1.0).await;
    assert_all_unavailable("down", &down);
    everything.extend(down);
    fake.set(Mode::Slow);
    fake.listen();
    for (phase, mode, seconds) in [
        ("slow", Mode::Slow, 1.5),
        ("garbage", Mode::Garbage, 1.0),
        ("failing", Mode::Failing, 1.0),
    ] {
        fake.set(mode);
        let outcomes = load(seconds).await;
        assert_all_unavailable(phase, &outcomes);
        everything.extend(outcomes);
    }

    // Back: nobody restarts the resource, yet it serves again. (A request
    // may meet a connection of the failing phase; it then gets 503.)
    fake.set(Mode::Healthy);
    let recovering = load(1.0).await;
    let counts = tally(&recovering);
    assert!(
        counts
            .keys()
            .all(|status| matches!(status, Some(201 | 503))),
        "{counts:?}"
    );
    assert!(counts.contains_key(&Some(201)), "{counts:?}");
    everything.extend(recovering);
    let recovered = load(1.0).await;
    assert_all_created("recovered", &recovered);
    everything.extend(recovered);

    // Exactly the 201'd posts were stored: nothing slipped through a 503.
    let stored = stored_posts(&database_url).await;
    let created = assert_every_created_post_stored_once(&everything, &stored);
    assert_eq!(stored.len(), created, "only the 201'd posts are stored");
}
