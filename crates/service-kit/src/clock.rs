//! Time as stored: whole seconds since the Unix epoch, in an `i64`, the same
//! on SQLite and Postgres. Domain functions take `now` as a parameter so
//! tests control time; handlers read it from their role's [`Clock`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock: the current time in seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A role's clock: the wall clock plus an offset that tests move forward
/// (to expire a code, a session or a cached answer without waiting).
/// Clones share the offset, so every handler of a server sees one time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Seconds since the epoch, as this role sees them.
    pub fn now(&self) -> i64 {
        now() + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time_and_advance_together() {
        let clock = Clock::default();
        let clone = clock.clone();
        let before = clock.now();
        clone.advance(3600);
        assert!(clock.now() >= before + 3600);
        assert!(clock.now() < before + 3600 + 5);
    }
}
