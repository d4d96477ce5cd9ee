//! The server's clock: Unix seconds from `service_kit::clock::now()`, plus
//! an offset that tests move forward (to expire a code without waiting 60 s).
//! Every domain function takes `now` as a parameter read from here.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        service_kit::clock::now() + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every server sharing it) forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
