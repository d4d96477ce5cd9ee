//! The client assertions this server accepted (RFC 7523 §3 item 7: "the
//! authorization server ... MAY ensure that JWTs are not replayed"; our
//! policy: it always does). Each is remembered by the SHA-256 of its
//! client id and `jti` until its `exp` (plus the leeway) has passed; a
//! replay after that is refused as expired. Remembering is one conditional
//! INSERT ([`super::spend_once`]): of concurrent presentations of one
//! assertion exactly one wins, on either backend and across instances.

use oauth_types::client_assertion::{VerifiedAssertion, LEEWAY_SECONDS};
use oauth_types::secret::CredentialHash;
use sqlx::AnyPool;

/// Remembers the assertion `verified` of `client_id`; false when it was
/// accepted before (a replay).
pub async fn remember(
    pool: &AnyPool,
    client_id: &str,
    verified: &VerifiedAssertion,
) -> Result<bool, sqlx::Error> {
    // A `jti` is unique per issuer (RFC 7519 §4.1.7): the client.
    let hash = CredentialHash::of(&format!("{client_id} {}", verified.jti));
    super::spend_once(
        pool,
        "INSERT INTO client_assertion_jtis (jti_hash, expires_at) VALUES ($1, $2) \
         ON CONFLICT (jti_hash) DO NOTHING",
        &hash,
        verified.exp + LEEWAY_SECONDS + 1,
    )
    .await
}
