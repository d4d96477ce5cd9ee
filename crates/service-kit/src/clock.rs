//! Time as stored: whole seconds since the Unix epoch, in an `i64`, the same
//! on SQLite and Postgres. Domain functions take `now` as a parameter so
//! tests control time; handlers read it here.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
