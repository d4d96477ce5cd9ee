//! The database, one file per table family. Every function is one portable
//! SQL statement (SQLite and Postgres through sqlx `Any`) and takes `now`
//! from the caller, so tests control time.

/// Registered clients, public and confidential, and protected resources.
pub mod clients;
/// Authorization codes: single use, 60 s.
pub mod codes;
/// Remembered consent.
pub mod consents;
/// Deleting expired rows.
pub mod housekeeping;
/// Failed login counters for throttling.
pub mod login_failures;
/// Authorization requests waiting for login and consent.
pub mod requests;
/// Browser sessions with their CSRF token.
pub mod sessions;
/// Keys signing JWT access tokens.
pub mod signing_keys;
/// Access and refresh tokens, their families and revocation.
pub mod tokens;
/// Resource owners and their argon2id password hashes.
pub mod users;

/// Splits a space-separated list column.
pub(crate) fn split_list(list: &str) -> Vec<String> {
    list.split(' ')
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}
