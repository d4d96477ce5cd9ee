//! The DPoP proofs this server accepted (RFC 9449 §11.1), so that a proof
//! is accepted once: each is remembered by the SHA-256 of its key's
//! thumbprint and its `jti` until its `iat` window has passed (a replay
//! after that is refused for its age). Remembering is one conditional
//! INSERT, so of concurrent presentations of one proof exactly one wins, on
//! either backend and across instances.

use oauth_types::dpop::{VerifiedProof, IAT_WINDOW_SECONDS};
use oauth_types::secret::CredentialHash;
use sqlx::AnyPool;

/// Remembers `proof`; false when it was seen before (a replay).
pub async fn remember(pool: &AnyPool, proof: &VerifiedProof) -> Result<bool, sqlx::Error> {
    super::spend_once(
        pool,
        "INSERT INTO dpop_proofs (proof_hash, expires_at) VALUES ($1, $2) \
         ON CONFLICT (proof_hash) DO NOTHING",
        &proof_hash(proof),
        proof.iat + IAT_WINDOW_SECONDS + 1,
    )
    .await
}

/// The key of a proof: its `jti` is unique per key (§4.2), and hashing
/// keeps the row small whatever the `jti`.
fn proof_hash(proof: &VerifiedProof) -> CredentialHash {
    CredentialHash::of(&format!("{} {}", proof.jkt.as_str(), proof.jti))
}
