//! The resource's side of DPoP (RFC 9449 §7): a bound token comes as
//! `Authorization: DPoP <token>` with a `DPoP` proof header, signed by the
//! key the token is bound to, for this very request, and never seen
//! before.
//!
//! ```text
//!  client                                          this resource
//!    | GET /api/me                                    |
//!    | Authorization: DPoP <token>                    |
//!    | DPoP: <proof: htm=GET, htu=…/api/me, ath, jti> |
//!    |----------------------------------------------->|  oauth_types::dpop::verify_proof (§4.3)
//!    |               token validated as ever          |  introspection or JWT
//!    |               proof key = token's cnf.jkt      |  §7.1
//!    |               jti never seen (ProofReplay)     |  §11.1
//! ```

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::header::{HeaderMap, HeaderName};
use oauth_types::dpop::{ProofError, VerifiedProof, IAT_WINDOW_SECONDS};
use oauth_types::dpop_nonce::{NonceSecret, SECRET_NAME};
use oauth_types::secret::CredentialHash;
use service_kit::database::secrets::server_secret;

/// The request header that carries the proof (§4.1).
pub const PROOF_HEADER: &str = "DPoP";

/// The response header that hands out a nonce (§8.1, §9).
pub const NONCE_HEADER: HeaderName = HeaderName::from_static("dpop-nonce");

/// How many proofs the replay cache holds at most (our policy): a proof
/// is remembered until its `iat` window has passed, so this bounds memory
/// (about 100 bytes each) and allows this many proofs per two minutes.
pub const REPLAY_CAPACITY: usize = 100_000;

/// Why a proof cannot be used for this request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopRefusal {
    #[error("{0}")]
    Proof(#[from] ProofError),
    #[error("the request needs exactly one DPoP proof header")]
    ProofHeader,
    #[error("the DPoP proof was used before")]
    Replayed,
    #[error("the DPoP proof is signed by another key than the token is bound to")]
    WrongKey,
    /// Too many proofs in the window: the cache is full (flood).
    #[error("too many DPoP proofs at once; try again shortly")]
    Saturated,
}

/// Under `--dpop-nonce`, what makes and checks this resource's nonces
/// (§9; `oauth_types::dpop_nonce`), shared by its instances through its
/// database; `None`: nonces are not required.
#[derive(Debug, Default)]
pub struct NonceRequirement(pub Option<NonceSecret>);

impl NonceRequirement {
    /// The secret of this resource's database, made by the first instance
    /// that needs it.
    pub async fn load(pool: &sqlx::AnyPool) -> Result<Self, sqlx::Error> {
        let encoded = server_secret(pool, SECRET_NAME, NonceSecret::generate_encoded).await?;
        let secret = NonceSecret::from_encoded(&encoded)
            .ok_or_else(|| sqlx::Error::Decode("the stored DPoP nonce secret is corrupt".into()))?;
        Ok(Self(Some(secret)))
    }

    /// `Err` with a fresh nonce when the proof lacks a current one.
    pub fn check(&self, proof: &VerifiedProof, now: i64) -> Result<(), String> {
        match &self.0 {
            Some(secret) => secret.require(proof.nonce.as_deref(), now),
            None => Ok(()),
        }
    }
}

/// The one `DPoP` header of a request (§4.3 item 1: exactly one).
pub fn proof_header(headers: &HeaderMap) -> Result<&str, DpopRefusal> {
    let mut values = headers.get_all(PROOF_HEADER);
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().map_err(|_| DpopRefusal::ProofHeader),
        _ => Err(DpopRefusal::ProofHeader),
    }
}

/// The proofs seen in the last window, by the hash of key and `jti`.
#[derive(Debug, Default)]
pub struct ProofReplay {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    proofs: HashMap<CredentialHash, i64>,
    /// When the proofs past their window were last forgotten: a full cache
    /// is scanned at most once a second, not on every refused request.
    purged_at: i64,
}

impl ProofReplay {
    /// Records `proof` as used at `now`; `Replayed` if it was used before.
    /// Proofs whose window has passed are forgotten: their `iat` alone
    /// refuses them now.
    pub fn first_use(&self, proof: &VerifiedProof, now: i64) -> Result<(), DpopRefusal> {
        let key = CredentialHash::of(&format!("{}.{}", proof.jkt.as_str(), proof.jti));
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.proofs.contains_key(&key) {
            return Err(DpopRefusal::Replayed);
        }
        if seen.proofs.len() >= REPLAY_CAPACITY && now > seen.purged_at {
            seen.proofs
                .retain(|_, iat| now - *iat <= IAT_WINDOW_SECONDS);
            seen.purged_at = now;
        }
        if seen.proofs.len() >= REPLAY_CAPACITY {
            return Err(DpopRefusal::Saturated);
        }
        seen.proofs.insert(key, proof.iat);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_types::dpop::JwkThumbprint;

    fn proof(jti: &str, iat: i64) -> VerifiedProof {
        VerifiedProof {
            jkt: JwkThumbprint::new("key"),
            jti: jti.to_owned(),
            iat,
            nonce: None,
        }
    }

    #[test]
    fn a_proof_is_accepted_once() {
        let replay = ProofReplay::default();
        assert_eq!(replay.first_use(&proof("a", 100), 100), Ok(()));
        assert_eq!(
            replay.first_use(&proof("a", 100), 101),
            Err(DpopRefusal::Replayed)
        );
        assert_eq!(replay.first_use(&proof("b", 100), 101), Ok(()));
    }

    #[test]
    fn a_full_cache_forgets_only_proofs_past_their_window_and_refuses_the_rest() {
        let replay = ProofReplay::default();
        for index in 0..REPLAY_CAPACITY {
            replay
                .first_use(&proof(&index.to_string(), 100), 100)
                .unwrap();
        }
        assert_eq!(
            replay.first_use(&proof("late", 110), 110),
            Err(DpopRefusal::Saturated),
            "nothing may be forgotten yet: a replay of any of them would pass"
        );
        let later = 100 + IAT_WINDOW_SECONDS + 1;
        assert_eq!(replay.first_use(&proof("late", later), later), Ok(()));
        assert_eq!(
            replay.first_use(&proof("late", later), later),
            Err(DpopRefusal::Replayed)
        );
    }
}
