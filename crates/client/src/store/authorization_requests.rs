//! Authorization requests in flight (RFC 6749 §4.1.1), each for one
//! [`Purpose`]: connecting Facebook or signing in.
//!
//! `state` is stored as a hash and bound to the browser session; the PKCE
//! `code_verifier` (RFC 7636 §4.1) stays here and never reaches the
//! browser; a sign-in's `nonce` (OpenID Connect Core §3.1.2.1) is stored as
//! a hash, compared with the ID token's. A connection's DPoP key (RFC 9449)
//! waits here, like the verifier, for the code exchange. Redeeming is one conditional `UPDATE … RETURNING`: a `state`
//! is good once, for its own session, before it expires.

use oauth_types::secret::CredentialHash;

use crate::dpop::{self, DpopKey};
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// What an authorization request is for: two distinct concepts that share
/// the authorization code flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Delegated access: Strava may act on Facebook (RFC 6749 §4.1).
    Connect,
    /// Authentication: who the person is (OpenID Connect Core §3.1).
    SignIn,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::SignIn => "sign_in",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "connect" => Some(Self::Connect),
            "sign_in" => Some(Self::SignIn),
            _ => None,
        }
    }
}

/// What the callback gets back for a valid `state`.
#[derive(Debug)]
pub struct PendingRequest {
    pub purpose: Purpose,
    pub code_verifier: String,
    pub scope: ScopeSet,
    /// A sign-in's `nonce`, hashed.
    pub nonce_hash: Option<CredentialHash>,
    /// The connection's DPoP key, whose thumbprint the request sent as
    /// `dpop_jkt` (RFC 9449 §10).
    pub dpop_key: Option<DpopKey>,
}

impl sqlx::FromRow<'_, AnyRow> for PendingRequest {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let corrupt = |column: &str| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: format!("authorization_requests.{column} cannot be read").into(),
        };
        let purpose: String = row.try_get("purpose")?;
        let scope: String = row.try_get("scope")?;
        Ok(Self {
            purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("purpose"))?,
            code_verifier: row.try_get("code_verifier")?,
            scope: ScopeSet::parse(&scope).map_err(|_| corrupt("scope"))?,
            nonce_hash: row
                .try_get::<Option<String>, _>("nonce_hash")?
                .map(CredentialHash::from_stored),
            dpop_key: row
                .try_get::<Option<String>, _>("dpop_key")?
                .map(|text| dpop::from_column(&text))
                .transpose()
                .map_err(|_| corrupt("dpop_key"))?,
        })
    }
}

/// A new authorization request, as stored.
pub struct NewRequest<'a> {
    pub purpose: Purpose,
    pub state_hash: &'a CredentialHash,
    pub session: &'a CredentialHash,
    pub code_verifier: &'a str,
    pub scope: &'a ScopeSet,
    /// The origin the browser started from, e.g. `http://127.0.0.1:9000`.
    pub browser_origin: &'a str,
    /// A sign-in's `nonce`, hashed.
    pub nonce_hash: Option<&'a CredentialHash>,
    /// A connection's DPoP key (RFC 9449), when it uses DPoP.
    pub dpop_key: Option<&'a DpopKey>,
    pub expires_at: i64,
}

/// Remembers a new authorization request.
pub async fn insert(pool: &AnyPool, request: &NewRequest<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authorization_requests \
         (state_hash, session_hash, code_verifier, scope, browser_origin, created_at, \
         expires_at, used_at, purpose, nonce_hash, dpop_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10)",
    )
    .bind(request.state_hash.as_str())
    .bind(request.session.as_str())
    .bind(request.code_verifier)
    .bind(request.scope.to_string())
    .bind(request.browser_origin)
    .bind(now)
    .bind(request.expires_at)
    .bind(request.purpose.as_str())
    .bind(request.nonce_hash.map(|hash| hash.as_str().to_owned()))
    .bind(request.dpop_key.map(dpop::to_column))
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks the request used and returns it, if `state` belongs to this
/// session, is unused and unexpired. Otherwise `None`, and nothing changes.
pub async fn redeem(
    pool: &AnyPool,
    state_hash: &CredentialHash,
    session: &CredentialHash,
    now: i64,
) -> Result<Option<PendingRequest>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE authorization_requests SET used_at = $1 \
         WHERE state_hash = $2 AND session_hash = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING purpose, code_verifier, scope, nonce_hash, dpop_key",
    )
    .bind(now)
    .bind(state_hash.as_str())
    .bind(session.as_str())
    .fetch_optional(pool)
    .await
}

/// The origin the browser started a still-redeemable request from. Reading
/// it changes nothing.
pub async fn browser_origin(
    pool: &AnyPool,
    state_hash: &CredentialHash,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT browser_origin FROM authorization_requests \
         WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(state_hash.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| row.try_get(0)).transpose()
}

/// Forgets requests that can no longer be redeemed.
pub async fn delete_stale(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM authorization_requests WHERE expires_at <= $1 OR used_at IS NOT NULL",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
