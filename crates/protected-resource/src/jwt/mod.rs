//! Checking RFC 9068 JWT access tokens here, without asking the
//! authorization server about each one (`--validation jwt`).
//!
//! ```text
//!  eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFZERTQSIsImtpZCI6IjEifQ . eyJpc3MiOi… . <signature>
//!  header {"typ":"at+jwt","alg":"EdDSA","kid":"1"}           claims       over header.claims
//! ```
//!
//! The checks, in order (RFC 9068 §4), each a refusal with `invalid_token`:
//! 1. the header's `typ` is `at+jwt` (or `application/at+jwt`, any case),
//!    so an ID token or another JWT cannot pass for an access token (§2.1);
//!    no `crit` header this resource would have to understand;
//! 2. the header's `alg` is on the allow-list [`ALLOWED_ALGORITHMS`]: EdDSA,
//!    ES256 and RS256 (which RFC 9068 §2.1 makes mandatory to support).
//!    Never `none`, never an HMAC algorithm (a public key used as an HMAC
//!    secret would let anyone sign), no other RSA variant;
//! 3. the header's `kid` names a key of the issuer for that `alg`
//!    ([`keys`]: fetched from the issuer's `jwks_uri`, never from the token);
//! 4. `jsonwebtoken` verifies the signature with that key, then `iss` equals
//!    `--issuer`, `aud` includes `--resource-id`, `exp` is in the future and
//!    `nbf` (if any) is not, with [`CLOCK_SKEW_SECONDS`] of leeway;
//! 5. the RFC 9068 §2.2 claims are present and of their JSON types
//!    ([`claims`]): a string `exp` is refused.
//!
//! Then the extractor checks the route's scope in the `scope` claim, exactly
//! as with introspection. Keys that cannot be fetched mean 503, never access.

/// The typed claims and the grant they make.
pub mod claims;

/// The issuer's keys: metadata, JWK Set, cache, refetch on unknown `kid`.
pub mod keys;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use oauth_types::secret::{AccessToken, CredentialHash};

use crate::introspection::{Grant, InvalidToken};
use crate::validation::{Validated, ValidationError};

pub use claims::AccessTokenClaims;
pub use keys::{KeyError, KeySettings, KeySource};

/// The only signature algorithms accepted (RFC 8725 §3.1: the verifier
/// chooses the algorithms, not the token).
pub const ALLOWED_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256];

/// Leeway for `exp` and `nbf`, for clocks that disagree a little.
pub const CLOCK_SKEW_SECONDS: u64 = 30;

/// How this resource checks JWT access tokens.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `iss` must equal it, and where the keys come from.
    pub keys: KeySettings,
    /// The audience a token must include (RFC 8707, RFC 9068 §4).
    pub resource_id: String,
}

/// Validates RFC 9068 JWT access tokens with the issuer's keys.
pub struct JwtValidator {
    keys: KeySource,
    issuer: String,
    resource_id: String,
    verified: VerifiedTokens,
}

impl JwtValidator {
    /// Builds the HTTP client for the metadata and keys. Redirects are not
    /// followed (a redirect is a non-200 and means 503).
    pub fn new(settings: JwtSettings) -> Result<Self, reqwest::Error> {
        let http = service_kit::back_channel::builder(settings.keys.timeout, settings.keys.timeout)
            .build()?;
        Ok(Self::with_client(settings, http))
    }

    /// With a client built elsewhere (e.g. one that trusts `--ca-cert`); it
    /// must not follow redirects.
    pub fn with_client(settings: JwtSettings, http: reqwest::Client) -> Self {
        Self {
            issuer: settings.keys.issuer.clone(),
            keys: KeySource::new(settings.keys, http),
            resource_id: settings.resource_id,
            verified: VerifiedTokens::default(),
        }
    }

    /// What `token` grants. `now` (Unix seconds) drives the key cache;
    /// `exp` and `nbf` are checked by `jsonwebtoken` against the system
    /// clock.
    ///
    /// A token already accepted with the key set still in use, and whose
    /// `exp` has not come, is not verified again: the same bytes against the
    /// same keys give the same answer, and the Ed25519 check is most of a
    /// request's cost (`benches/hot_paths.rs`). When the keys are fetched
    /// again (every `--jwks-cache-ttl`, or for an unknown `kid`), every token
    /// is verified again against the new set, so a key the issuer removed
    /// stops working exactly as without this shortcut.
    pub async fn validate(
        &self,
        token: &AccessToken,
        now: i64,
    ) -> Result<Validated, ValidationError> {
        let hash = token.hash();
        let generation = self.keys.generation(now);
        if let Some(grant) = generation.and_then(|current| self.verified.get(&hash, current, now)) {
            return Ok(Validated {
                grant,
                fresh: false,
            });
        }
        let validated = self.verify(token, now).await?;
        // Only when the keys did not change meanwhile is it known which
        // generation verified the token.
        if let Some(current) = generation.filter(|g| self.keys.generation(now) == Some(*g)) {
            self.verified.insert(hash, current, validated.grant.clone());
        }
        Ok(validated)
    }

    /// Checks 1 to 5 of the module doc.
    async fn verify(&self, token: &AccessToken, now: i64) -> Result<Validated, ValidationError> {
        let header = jsonwebtoken::decode_header(token.secret()).map_err(|_| {
            InvalidToken("the token is not a JWT signed with an algorithm this resource accepts")
        })?;
        let alg = check_header(&header)?;
        let kid = header
            .kid
            .as_deref()
            .ok_or(InvalidToken("the token names no signing key (kid)"))?;
        let key = self
            .keys
            .key_for(kid, alg, now)
            .await
            .map_err(|err| match err {
                KeyError::Unknown => ValidationError::Invalid(InvalidToken(
                    "the token's signing key (kid) is not one of the issuer's keys",
                )),
                KeyError::Unavailable(reason) => ValidationError::Unavailable(reason.to_owned()),
            })?;
        let data =
            jsonwebtoken::decode::<AccessTokenClaims>(token.secret(), &key, &self.validation(alg))
                .map_err(|err| refusal(err.kind()))?;
        let grant = Grant::try_from(data.claims)?;
        // Checked just now; `TokenValidator` decides whether the owner is news.
        Ok(Validated { grant, fresh: true })
    }

    /// What `jsonwebtoken` checks after the signature, for one algorithm
    /// (its verifier wants exactly the algorithm of the key).
    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.resource_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = CLOCK_SKEW_SECONDS;
        validation
    }
}

/// Tokens already verified, by hash (never the token itself), kept at most.
const VERIFIED_CAPACITY: usize = 10_000;

/// Accepted tokens and the key-set generation that verified them. Safe to
/// lose: a miss only costs a verification.
#[derive(Default)]
struct VerifiedTokens {
    entries: Mutex<HashMap<CredentialHash, (u64, Grant)>>,
}

impl VerifiedTokens {
    /// The grant of a token verified by key-set `generation`, before its `exp`.
    fn get(&self, hash: &CredentialHash, generation: u64, now: i64) -> Option<Grant> {
        let entries = self.lock();
        let (verified_by, grant) = entries.get(hash)?;
        (*verified_by == generation && now < grant.expires_at).then(|| grant.clone())
    }

    fn insert(&self, hash: CredentialHash, generation: u64, grant: Grant) {
        let mut entries = self.lock();
        if entries.len() >= VERIFIED_CAPACITY {
            // Rare, and a miss only costs a verification: start afresh.
            entries.clear();
        }
        entries.insert(hash, (generation, grant));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CredentialHash, (u64, Grant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Checks 1 and 2: `typ`, `crit`, and `alg` from the allow-list.
fn check_header(header: &Header) -> Result<Algorithm, InvalidToken> {
    // RFC 9068 §2.1 and §4; media types compare case-insensitively.
    let typ = header.typ.as_deref().unwrap_or_default();
    if !["at+jwt", "application/at+jwt"]
        .iter()
        .any(|accepted| typ.eq_ignore_ascii_case(accepted))
    {
        return Err(InvalidToken(
            "the token is not a JWT access token (typ must be at+jwt)",
        ));
    }
    // RFC 7515 §4.1.11: extensions marked critical must be understood; we
    // understand none.
    if header.crit.is_some() {
        return Err(InvalidToken("the token has critical header parameters"));
    }
    if !ALLOWED_ALGORITHMS.contains(&header.alg) {
        return Err(InvalidToken(
            "the token is not signed with an algorithm this resource accepts",
        ));
    }
    Ok(header.alg)
}

/// What a `jsonwebtoken` refusal tells the caller.
fn refusal(kind: &ErrorKind) -> InvalidToken {
    InvalidToken(match kind {
        ErrorKind::InvalidSignature => "the token's signature does not verify",
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet",
        ErrorKind::InvalidIssuer => "the token was issued by another authorization server",
        ErrorKind::InvalidAudience => "the token was issued for another resource",
        ErrorKind::MissingRequiredClaim(_)
        | ErrorKind::InvalidClaimFormat(_)
        | ErrorKind::Json(_) => "the token's claims are missing or of the wrong type (RFC 9068)",
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not fit its key",
        _ => "the token is not a valid JWT",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspection::ResourceOwner;

    fn grant(expires_at: i64) -> Grant {
        Grant {
            owner: ResourceOwner::new("user-1".to_owned(), Some("alice".to_owned())),
            client_id: Some("strava".to_owned()),
            scope: oauth_types::ScopeSet::parse("profile").unwrap(),
            expires_at,
            binding: None,
        }
    }

    #[test]
    fn a_verified_token_is_reused_only_with_the_same_key_set_and_before_exp() {
        let verified = VerifiedTokens::default();
        let hash = CredentialHash::of("a.jwt.token");
        verified.insert(hash.clone(), 7, grant(1_000));

        assert!(verified.get(&hash, 7, 999).is_some());
        assert!(
            verified.get(&hash, 8, 999).is_none(),
            "keys fetched again: verify again"
        );
        assert!(verified.get(&hash, 7, 1_000).is_none(), "past exp");
        assert!(verified
            .get(&CredentialHash::of("another.jwt.token"), 7, 999)
            .is_none());
    }

    fn header(typ: Option<&str>, alg: Algorithm) -> Header {
        let mut header = Header::new(alg);
        header.typ = typ.map(str::to_owned);
        header
    }

    #[test]
    fn only_access_token_types_pass() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/AT+JWT",
        ] {
            assert!(
                check_header(&header(Some(typ), Algorithm::EdDSA)).is_ok(),
                "{typ}"
            );
        }
        for typ in [None, Some("JWT"), Some("jwt"), Some("at+jwt2"), Some("")] {
            assert!(
                check_header(&header(typ, Algorithm::EdDSA)).is_err(),
                "{typ:?}"
            );
        }
    }

    #[test]
    fn only_allowed_algorithms_pass() {
        for alg in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256] {
            assert!(
                check_header(&header(Some("at+jwt"), alg)).is_ok(),
                "{alg:?}"
            );
        }
        for alg in [
            Algorithm::HS256,
            Algorithm::HS512,
            Algorithm::RS384,
            Algorithm::PS256,
            Algorithm::ES384,
        ] {
            assert!(
                check_header(&header(Some("at+jwt"), alg)).is_err(),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn critical_headers_are_refused() {
        let mut critical = header(Some("at+jwt"), Algorithm::EdDSA);
        critical.crit = Some(vec!["exp".to_owned()]);
        assert!(check_header(&critical).is_err());
    }
}
