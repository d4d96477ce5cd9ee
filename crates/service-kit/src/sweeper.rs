//! The sweeper: a role's purge of expired rows, run on a timer for as long
//! as the server serves.
//!
//! Contract ("Under hostile load"): anonymous requests cannot grow the
//! databases without bound; what never led anywhere expires within minutes
//! and is swept on a timer, not only when someone happens to log in. Each
//! role hands [`Sweeper::new`] its own purge function; the server starts it
//! with the listener and stops it at graceful shutdown (see
//! [`crate::RunningServer::with_sweeper`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_rt::task::JoinHandle;

use crate::database::is_unavailable;

/// How often a role sweeps unless its configuration says otherwise.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// The shortest period accepted (a zero period would spin).
const SHORTEST_PERIOD: Duration = Duration::from_millis(10);

/// One sweep: deletes what has expired and says how many rows went.
type Sweep =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<u64, sqlx::Error>> + Send>> + Send + Sync>;

/// A purge to run every `period`, not started yet.
pub struct Sweeper {
    period: Duration,
    sweep: Sweep,
}

impl Sweeper {
    /// `sweep` runs once at start, then every `period`.
    pub fn new<F, Fut>(period: Duration, sweep: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<u64, sqlx::Error>> + Send + 'static,
    {
        Self {
            period: period.max(SHORTEST_PERIOD),
            sweep: Box::new(move || Box::pin(sweep())),
        }
    }

    /// Starts the timer on the current runtime; it stops when the returned
    /// guard is dropped.
    pub fn start(self) -> Sweeping {
        let Self { period, sweep } = self;
        let task = actix_rt::spawn(async move {
            // The pause runs from the end of one sweep: after a stall (a
            // database outage) it sweeps once, never in a burst.
            loop {
                report(sweep().await);
                actix_rt::time::sleep(period).await;
            }
        });
        Sweeping { task }
    }
}

/// A started sweeper: aborted when dropped, so it ends with the server.
pub struct Sweeping {
    task: JoinHandle<()>,
}

impl Drop for Sweeping {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One log line per sweep that did something or failed; a failed sweep is
/// simply tried again at the next tick.
fn report(outcome: Result<u64, sqlx::Error>) {
    match outcome {
        Ok(0) => {}
        Ok(rows) => tracing::info!(rows, "swept expired rows"),
        Err(error) if is_unavailable(&error) => {
            tracing::warn!(%error, "the database does not answer; sweeping again later");
        }
        Err(error) => tracing::error!(%error, "sweeping expired rows failed"),
    }
}
