//! Server-provided DPoP nonces (RFC 9449 §8 at an authorization server, §9
//! at a resource): a server that wants proofs made only after it spoke
//! hands out a `DPoP-Nonce`, and refuses proofs without a current one with
//! `use_dpop_nonce`.
//!
//! Our nonces keep no state: a nonce names a time window of
//! [`WINDOW_SECONDS`] and carries an HMAC-SHA256 of it under the server's
//! secret, so every instance holding the secret (in the role's database)
//! issues and accepts the same nonces. One is accepted during its window
//! and the next (our policy: between one and two windows), so a proof made
//! with a nonce just handed out is never refused for the clock.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// How long a nonce is handed out, in seconds (our policy).
pub const WINDOW_SECONDS: i64 = 60;

/// The name a role stores its nonce secret under (service-kit's
/// `server_secrets`).
pub const SECRET_NAME: &str = "dpop-nonce";

/// The secret that makes and checks nonces. Its `Debug` shows nothing.
pub struct NonceSecret(hmac::Key);

impl std::fmt::Debug for NonceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceSecret([redacted])")
    }
}

impl NonceSecret {
    /// 256 fresh bits from the OS generator, base64url: what a role stores.
    pub fn generate_encoded() -> String {
        crate::secret::generate_credential()
    }

    /// The secret a role stored (see [`Self::generate_encoded`]); `None`
    /// when it is not base64url of at least 32 bytes.
    pub fn from_encoded(encoded: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        (bytes.len() >= 32).then(|| Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
    }

    /// The nonce to hand out at `now` (seconds since the epoch): the window
    /// and its HMAC, both base64url (RFC 9449 §8.1's `NQCHAR`s).
    pub fn nonce(&self, now: i64) -> String {
        let window = now.div_euclid(WINDOW_SECONDS);
        let tag = hmac::sign(&self.0, &window.to_be_bytes());
        format!("{window}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Whether `nonce` was made by this secret for the window of `now` or
    /// the one before (the tag is compared in constant time).
    pub fn accepts(&self, nonce: &str, now: i64) -> bool {
        let Some((window, tag)) = nonce.split_once('.') else {
            return false;
        };
        let (Ok(window), Ok(tag)) = (window.parse::<i64>(), URL_SAFE_NO_PAD.decode(tag)) else {
            return false;
        };
        let current = now.div_euclid(WINDOW_SECONDS);
        let fresh = window == current || window == current - 1;
        fresh && hmac::verify(&self.0, &window.to_be_bytes(), &tag).is_ok()
    }

    /// What a server that requires nonces does with a proof's `nonce`
    /// (RFC 9449 §8, §9): `Ok` for a current one of ours, else `Err` with a
    /// fresh one to hand out with `use_dpop_nonce`.
    pub fn require(&self, presented: Option<&str>, now: i64) -> Result<(), String> {
        match presented {
            Some(nonce) if self.accepts(nonce, now) => Ok(()),
            _ => Err(self.nonce(now)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn secret() -> NonceSecret {
        NonceSecret::from_encoded(&NonceSecret::generate_encoded()).unwrap()
    }

    #[test]
    fn a_nonce_is_accepted_in_its_window_and_the_next_only() {
        let secret = secret();
        let nonce = secret.nonce(NOW);

        assert!(secret.accepts(&nonce, NOW));
        assert!(secret.accepts(&nonce, NOW + WINDOW_SECONDS));
        assert!(!secret.accepts(&nonce, NOW + 2 * WINDOW_SECONDS));
        assert!(!secret.accepts(&nonce, NOW - WINDOW_SECONDS));
    }

    #[test]
    fn a_nonce_of_another_secret_or_altered_is_refused() {
        let (secret, other) = (secret(), secret());
        let nonce = secret.nonce(NOW);
        let (window, tag) = nonce.split_once('.').unwrap();

        assert!(!other.accepts(&nonce, NOW));
        assert!(!secret.accepts(
            &format!("{}.{tag}", window.parse::<i64>().unwrap() + 1),
            NOW
        ));
        assert!(!secret.accepts(&format!("{window}.{}", &tag[1..]), NOW));
        assert!(!secret.accepts("", NOW));
        assert!(!secret.accepts("not-a-nonce", NOW));
    }

    #[test]
    fn a_server_requiring_nonces_hands_out_a_fresh_one_for_a_missing_or_stale_one() {
        let secret = secret();
        let current = secret.nonce(NOW);

        assert_eq!(secret.require(Some(&current), NOW), Ok(()));
        let later = NOW + 2 * WINDOW_SECONDS;
        assert_eq!(
            secret.require(Some(&current), later),
            Err(secret.nonce(later))
        );
        assert_eq!(secret.require(None, NOW), Err(current));
    }

    #[test]
    fn a_short_or_malformed_stored_secret_is_refused() {
        assert!(NonceSecret::from_encoded("c2hvcnQ").is_none());
        assert!(NonceSecret::from_encoded("!!!").is_none());
        assert!(format!("{:?}", secret()).contains("redacted"));
    }
}
