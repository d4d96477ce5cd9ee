//! The database, one file per table family. Every function is one portable
//! SQL statement (SQLite and Postgres through sqlx `Any`) and takes `now`
//! from the caller, so tests control time.
//!
//! Rows come back typed: each table's row type has one `sqlx::FromRow`
//! mapping that parses its columns (scopes, audiences, kinds, hashes) once.
//! A value that does not parse is a corrupt row: [`corrupt`] turns it into
//! `sqlx::Error::ColumnDecode`, which the endpoints answer as a 500 and log,
//! like any other database error. Callers never re-parse a column.

use oauth_types::dpop::JwkThumbprint;
use oauth_types::introspection::Audience;
use oauth_types::ScopeSet;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyPool, FromRow, Row};

/// Client assertions (`private_key_jwt`) already accepted: each once.
pub mod client_assertions;
/// Registered clients, public and confidential, and protected resources.
pub mod clients;
/// Authorization codes: single use, 60 s.
pub mod codes;
/// Remembered consent.
pub mod consents;
/// Device authorizations (RFC 8628): device and user codes, single use.
pub mod device_authorizations;
/// DPoP proofs already accepted: each is accepted once.
pub mod dpop_proofs;
/// Deleting expired rows.
pub mod housekeeping;
/// Failed login counters for throttling.
pub mod login_failures;
/// Pushed authorization requests (RFC 9126): single use, 60 s.
pub mod pushed_requests;
/// Clients registered at `/register` (RFC 7591, RFC 7592) and initial
/// access tokens.
pub mod registrations;
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

/// Spends a single-use value: `insert` is one `INSERT … ON CONFLICT DO
/// NOTHING` of its hash (`$1`) and the time it may be forgotten (`$2`), so
/// of concurrent presentations exactly one inserts, on either backend and
/// across instances. False when it was spent before (a replay).
pub(crate) async fn spend_once(
    pool: &AnyPool,
    insert: &'static str,
    hash: &oauth_types::secret::CredentialHash,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(insert)
        .bind(hash.as_str())
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Splits a space-separated list column.
pub(crate) fn split_list(list: &str) -> Vec<String> {
    list.split(' ')
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A column whose stored value does not parse: the row is corrupt.
pub(crate) fn corrupt(table: &str, column: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: format!("{table}.{column}"),
        source: "unexpected value in a stored row".into(),
    }
}

/// A space-separated scope column (RFC 6749 §3.3).
pub(crate) fn scope_from_column(table: &str, list: &str) -> Result<ScopeSet, sqlx::Error> {
    ScopeSet::parse(list).map_err(|_| corrupt(table, "scope"))
}

/// A space-separated column of resource identifiers (RFC 8707).
pub(crate) fn audience_from_column(list: &str) -> Audience {
    Audience::new(split_list(list))
}

/// The column form of an audience.
pub(crate) fn audience_column(audience: &Audience) -> String {
    audience.iter().collect::<Vec<_>>().join(" ")
}

/// The `dpop_jkt` column: the key a code, request or token is bound to
/// (RFC 9449 §6, §10); `NULL` when it is not bound.
pub(crate) fn dpop_jkt_from_column(row: &AnyRow) -> Result<Option<JwkThumbprint>, sqlx::Error> {
    let jkt: Option<String> = row.try_get("dpop_jkt")?;
    Ok(jkt.map(JwkThumbprint::new))
}

/// A column recording when something happened (`…_at`), read as whether
/// it has.
pub(crate) fn happened(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(column)?.is_some())
}

/// Runs a statement meant to change one row; whether it did (`false`: the
/// row is missing, or a condition of the statement did not hold).
pub(crate) async fn changed_one<'q>(
    pool: &AnyPool,
    statement: Query<'q, Any, AnyArguments<'q>>,
) -> Result<bool, sqlx::Error> {
    Ok(statement.execute(pool).await?.rows_affected() == 1)
}

/// Runs a SELECT of at most one row that binds `key` as `$1` (a primary or
/// unique key); the row, typed by its `FromRow` mapping.
pub(crate) async fn find_one<'q, T>(
    pool: &AnyPool,
    statement: &'q str,
    key: &'q str,
) -> Result<Option<T>, sqlx::Error>
where
    T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    sqlx::query_as(statement)
        .bind(key)
        .fetch_optional(pool)
        .await
}

/// Runs an UPDATE that sets a time once: `statement` binds `key` as `$1`
/// and `now` as `$2`. The number of rows it changed.
pub(crate) async fn stamp(
    pool: &AnyPool,
    statement: &'static str,
    key: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(statement)
        .bind(key)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
