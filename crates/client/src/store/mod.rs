//! The client's database, one file per table family. Every query is one
//! portable statement through sqlx's `Any` driver; time is passed in.

/// Browser sessions, their CSRF token and one-shot notice.
pub mod sessions;

/// The runner's demo runs.
pub mod runs;

/// Authorization requests in flight: `state` and the PKCE verifier.
pub mod authorization_requests;

/// The tokens of a connected session.
pub mod connections;

/// The "behind the scenes" steps.
pub mod trace;

/// Deleting expired rows, on the sweeper's timer.
pub mod housekeeping;
