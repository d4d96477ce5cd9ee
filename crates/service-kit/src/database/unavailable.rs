//! Telling "the database does not answer" from "our query is wrong".
//!
//! Contract ("Under hostile load"): a database that stops answering gives
//! `503` with `Retry-After`, never a `500`, in every role, and the role
//! recovers by itself when the database comes back (the pool replaces dead
//! connections, see `pool_options`). Every role's error types ask
//! [`is_unavailable`] which of the two a `sqlx::Error` is; a database error
//! that is not unavailability (a constraint violation, a decode error) is a
//! bug on our side and stays a `500 server_error`.

use std::borrow::Cow;

/// Whether `error` means the database cannot be reached or refuses work
/// for now (an outage, a restart, a lock held too long), rather than a
/// mistake in what we asked of it.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        // No connection within the pool's acquire timeout (every attempt to
        // open one failed), or the pool is shutting down.
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        // The socket was refused, reset or closed; the TLS handshake of a new
        // connection failed; the stream ended mid-message; SQLite's worker
        // thread died with its connection.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database_error) => is_unavailable_code(database_error.code()),
        _ => false,
    }
}

/// The server's own error codes that mean "not now".
///
/// - Postgres SQLSTATE (Appendix A of its manual): class `08` connection
///   exception; `57P01` admin_shutdown, `57P02` crash_shutdown, `57P03`
///   cannot_connect_now (starting up or shutting down); `53300`
///   too_many_connections.
/// - SQLite result codes (sqlx reports the extended code in decimal; its low
///   byte is the primary code): `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6),
///   which reach us only after the busy timeout has run out.
fn is_unavailable_code(code: Option<Cow<'_, str>>) -> bool {
    let Some(code) = code else {
        return false;
    };
    let code = code.as_ref();
    if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300") {
        return true;
    }
    // SQLSTATEs are always five characters; SQLite's extended codes are at
    // most four decimal digits, so the two never collide.
    const SQLITE_BUSY: u32 = 5;
    const SQLITE_LOCKED: u32 = 6;
    code.len() < 5
        && code
            .parse::<u32>()
            .is_ok_and(|extended| matches!(extended & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as StdError;
    use std::fmt;

    /// A database error with a chosen code, as a driver would return it.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl fmt::Display for Coded {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(formatter, "code {}", self.0)
        }
    }

    impl StdError for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn database(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Coded(code)))
    }

    #[test]
    fn pool_exhaustion_and_a_closed_pool_are_unavailability() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::PoolClosed));
    }

    #[test]
    fn a_dropped_or_refused_connection_is_unavailability() {
        for kind in [
            std::io::ErrorKind::ConnectionRefused,
            std::io::ErrorKind::ConnectionReset,
            std::io::ErrorKind::UnexpectedEof,
            std::io::ErrorKind::BrokenPipe,
        ] {
            assert!(is_unavailable(&sqlx::Error::Io(kind.into())), "{kind:?}");
        }
        assert!(is_unavailable(&sqlx::Error::Tls("handshake".into())));
        assert!(is_unavailable(&sqlx::Error::Protocol(
            "unexpected end of stream".to_owned()
        )));
        assert!(is_unavailable(&sqlx::Error::WorkerCrashed));
    }

    #[test]
    fn postgres_shutdown_and_connection_sqlstates_are_unavailability() {
        for code in [
            "57P01", "57P02", "57P03", "08000", "08003", "08006", "53300",
        ] {
            assert!(is_unavailable(&database(code)), "{code}");
        }
    }

    #[test]
    fn sqlite_busy_and_locked_with_their_extended_codes_are_unavailability() {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_RECOVERY (261),
        // SQLITE_BUSY_SNAPSHOT (517), SQLITE_LOCKED_SHAREDCACHE (262).
        for code in ["5", "6", "261", "517", "262"] {
            assert!(is_unavailable(&database(code)), "{code}");
        }
    }

    #[test]
    fn bugs_on_our_side_are_not_unavailability() {
        // Postgres unique_violation, syntax error, undefined table; SQLite
        // SQLITE_CONSTRAINT_UNIQUE (2067), SQLITE_ERROR (1).
        for code in ["23505", "42601", "42P01", "2067", "1", "19"] {
            assert!(!is_unavailable(&database(code)), "{code}");
        }
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound(
            "id".to_owned()
        )));
        assert!(!is_unavailable(&sqlx::Error::Decode("not text".into())));
    }
}
