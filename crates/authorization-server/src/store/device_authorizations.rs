//! Device authorizations (RFC 8628 §3.1–3.5): the device code and the user
//! code of one request, stored as SHA-256 digests, and what became of it.
//!
//! Rule 32: every step that may happen once is one conditional UPDATE, so
//! of concurrent attempts exactly one wins on either backend: entering the
//! user code ([`claim_user_code`]), answering the consent screen
//! ([`approve`], [`deny`]), and redeeming the device code for tokens ([`redeem`]).
//! Polls are paced the same way ([`record_poll`]).

use oauth_types::introspection::Audience;
use oauth_types::secret::CredentialHash;
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::users::Approver;

use super::{
    audience_column, audience_from_column, changed_one, find_one, happened, scope_from_column,
    stamp,
};

const TABLE: &str = "device_authorizations";

/// RFC 8628 §3.5: each `slow_down` adds 5 seconds to the interval.
pub const SLOW_DOWN_SECONDS: i64 = 5;

/// A new device authorization request, as `/device_authorization` stores it.
#[derive(Debug)]
pub struct NewDeviceAuthorization<'a> {
    pub device_code_hash: &'a CredentialHash,
    pub user_code_hash: &'a CredentialHash,
    pub consent_id: &'a str,
    pub client_id: &'a str,
    pub scope: &'a ScopeSet,
    pub audience: &'a Audience,
    pub expires_at: i64,
    pub interval: i64,
}

/// A stored device authorization.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// Names the row in the consent form (`request`); not a credential of
    /// the device.
    pub consent_id: String,
    pub client_id: String,
    /// What the device asked for.
    pub scope: ScopeSet,
    pub audience: Audience,
    pub expires_at: i64,
    /// Seconds between polls (RFC 8628 §3.5).
    pub interval: i64,
    /// Who entered the user code, once they have.
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub auth_time: Option<i64>,
    pub user_code_used: bool,
    /// What the person approved, once they have.
    pub granted_scope: Option<ScopeSet>,
    pub denied: bool,
    pub redeemed: bool,
}

impl DeviceAuthorization {
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at <= now
    }
}

impl sqlx::FromRow<'_, AnyRow> for DeviceAuthorization {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let granted: Option<String> = row.try_get("granted_scope")?;
        Ok(Self {
            consent_id: row.try_get("consent_id")?,
            client_id: row.try_get("client_id")?,
            scope: scope_from_column(TABLE, row.try_get("scope")?)?,
            audience: audience_from_column(row.try_get("audience")?),
            expires_at: row.try_get("expires_at")?,
            interval: row.try_get("poll_interval")?,
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            auth_time: row.try_get("auth_time")?,
            user_code_used: happened(row, "user_code_used_at")?,
            granted_scope: granted
                .map(|granted| scope_from_column(TABLE, &granted))
                .transpose()?,
            denied: happened(row, "denied_at")?,
            redeemed: happened(row, "redeemed_at")?,
        })
    }
}

const COLUMNS: &str = "consent_id, client_id, scope, audience, expires_at, poll_interval, \
                       user_id, username, auth_time, user_code_used_at, granted_scope, \
                       denied_at, redeemed_at";

/// Stores a new request. False when its user code is taken by a row still
/// kept (draw another: user codes are unique, RFC 8628 §6.1).
pub async fn insert(
    pool: &AnyPool,
    new: &NewDeviceAuthorization<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "INSERT INTO device_authorizations (device_code_hash, user_code_hash, consent_id, \
         client_id, scope, audience, created_at, expires_at, poll_interval) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(new.device_code_hash.as_str())
    .bind(new.user_code_hash.as_str())
    .bind(new.consent_id)
    .bind(new.client_id)
    .bind(new.scope.to_string())
    .bind(audience_column(new.audience))
    .bind(now)
    .bind(new.expires_at)
    .bind(new.interval);
    changed_one(pool, statement).await
}

/// The request a device code names.
pub async fn find_by_device_code(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
) -> Result<Option<DeviceAuthorization>, sqlx::Error> {
    let statement = format!("SELECT {COLUMNS} FROM {TABLE} WHERE device_code_hash = $1");
    find_one(pool, &statement, device_code_hash.as_str()).await
}

/// The unexpired request a user code names, entered or not.
pub async fn find_live_by_user_code(
    pool: &AnyPool,
    user_code_hash: &CredentialHash,
    now: i64,
) -> Result<Option<DeviceAuthorization>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {TABLE} WHERE user_code_hash = $1 AND expires_at > $2"
    ))
    .bind(user_code_hash.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// The unexpired request a consent form names.
pub async fn find_live_by_consent_id(
    pool: &AnyPool,
    consent_id: &str,
    now: i64,
) -> Result<Option<DeviceAuthorization>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {TABLE} WHERE consent_id = $1 AND expires_at > $2"
    ))
    .bind(consent_id)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Spends the user code for `entrant`: false when it was entered before
/// (by anyone) or has expired.
pub async fn claim_user_code(
    pool: &AnyPool,
    user_code_hash: &CredentialHash,
    entrant: Approver<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE device_authorizations SET user_code_used_at = $2, user_id = $3, username = $4, \
         auth_time = $5 WHERE user_code_hash = $1 AND user_code_used_at IS NULL \
         AND expires_at > $2",
    )
    .bind(user_code_hash.as_str())
    .bind(now)
    .bind(entrant.user_id)
    .bind(entrant.username)
    .bind(entrant.auth_time);
    changed_one(pool, statement).await
}

/// Records the person's approval of `granted`, once. False when the request
/// was answered already, has expired, or was entered by someone else.
pub async fn approve(
    pool: &AnyPool,
    consent_id: &str,
    user_id: &str,
    granted: &ScopeSet,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE device_authorizations SET approved_at = $3, granted_scope = $4 \
         WHERE consent_id = $1 AND user_id = $2 AND approved_at IS NULL \
         AND denied_at IS NULL AND expires_at > $3",
    )
    .bind(consent_id)
    .bind(user_id)
    .bind(now)
    .bind(granted.to_string());
    changed_one(pool, statement).await
}

/// Records the person's denial, once; false as for [`approve`].
pub async fn deny(
    pool: &AnyPool,
    consent_id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE device_authorizations SET denied_at = $3 WHERE consent_id = $1 \
         AND user_id = $2 AND approved_at IS NULL AND denied_at IS NULL AND expires_at > $3",
    )
    .bind(consent_id)
    .bind(user_id)
    .bind(now);
    changed_one(pool, statement).await
}

/// Records a poll made at least `interval` seconds after the previous one
/// (or the first); false when it came too soon (RFC 8628 §3.5).
pub async fn record_poll(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = "UPDATE device_authorizations SET last_polled_at = $2 \
                     WHERE device_code_hash = $1 \
                     AND (last_polled_at IS NULL OR last_polled_at + poll_interval <= $2)";
    Ok(stamp(pool, statement, device_code_hash.as_str(), now).await? == 1)
}

/// A poll came too soon: the interval grows by [`SLOW_DOWN_SECONDS`] for
/// this and every later poll (RFC 8628 §3.5), counted from now.
pub async fn slow_down(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE device_authorizations SET poll_interval = poll_interval + $3, \
         last_polled_at = $2 WHERE device_code_hash = $1",
    )
    .bind(device_code_hash.as_str())
    .bind(now)
    .bind(SLOW_DOWN_SECONDS)
    .execute(pool)
    .await?;
    Ok(())
}

/// Claims an approved request's tokens. False when they were claimed
/// already (by this request's twin or earlier) or it is not approved.
pub async fn redeem(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = "UPDATE device_authorizations SET redeemed_at = $2 \
                     WHERE device_code_hash = $1 AND redeemed_at IS NULL \
                     AND approved_at IS NOT NULL";
    Ok(stamp(pool, statement, device_code_hash.as_str(), now).await? == 1)
}

/// Records that the device code came back after its redemption.
pub async fn mark_replayed(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
    now: i64,
) -> Result<(), sqlx::Error> {
    let statement = "UPDATE device_authorizations SET replayed_at = $2 \
                     WHERE device_code_hash = $1 AND replayed_at IS NULL";
    stamp(pool, statement, device_code_hash.as_str(), now).await?;
    Ok(())
}

/// Whether a replay of the device code was recorded.
pub async fn was_replayed(
    pool: &AnyPool,
    device_code_hash: &CredentialHash,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS replays FROM device_authorizations WHERE device_code_hash = $1 \
         AND replayed_at IS NOT NULL",
    )
    .bind(device_code_hash.as_str())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("replays")? > 0)
}
