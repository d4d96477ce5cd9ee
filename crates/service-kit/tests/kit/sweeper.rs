//! The sweeper runs on its own timer while the server serves, survives a
//! failed sweep, and stops with the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse};
use service_kit::server::{serve, Listener};
use service_kit::sweeper::Sweeper;
use service_kit::ServeArgs;

/// Waits until `counter` reaches `at_least`, for at most five seconds.
async fn reaches(counter: &AtomicU64, at_least: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if counter.load(Ordering::SeqCst) >= at_least {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

#[actix_rt::test]
async fn the_sweeper_runs_again_and_again_survives_failures_and_stops_with_the_server() {
    let sweeps = Arc::new(AtomicU64::new(0));
    let counted = sweeps.clone();
    let sweeper = Sweeper::new(Duration::from_millis(20), move || {
        let counted = counted.clone();
        async move {
            let done = counted.fetch_add(1, Ordering::SeqCst) + 1;
            // Every other sweep fails as during an outage; the timer goes on.
            if done % 2 == 1 {
                Err(sqlx::Error::PoolTimedOut)
            } else {
                Ok(done)
            }
        }
    });
    let listener = Listener::bind(&ServeArgs::for_test("sqlite::memory:")).expect("bind");
    let (_url, handle) = serve(listener, || {
        App::new().route("/", web::get().to(HttpResponse::Ok))
    })
    .expect("serve")
    .with_sweeper(sweeper)
    .spawn();

    assert!(reaches(&sweeps, 5).await, "the timer fires repeatedly");

    handle.stop(true).await;
    // Let the server task notice it stopped, then check over many periods
    // that no sweep follows.
    actix_rt::time::sleep(Duration::from_millis(50)).await;
    let after_stop = sweeps.load(Ordering::SeqCst);
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        sweeps.load(Ordering::SeqCst),
        after_stop,
        "no sweep after the server stopped"
    );
}
