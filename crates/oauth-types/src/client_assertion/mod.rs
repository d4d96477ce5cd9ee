//! `private_key_jwt` client authentication (RFC 7523 §2.2, §3): instead
//! of a shared secret, the client sends a short-lived JWT signed with its
//! private key, and the server checks it against the public keys the
//! client registered. No secret sits in the server's database to leak, and
//! each assertion is accepted once.
//!
//! ```text
//! client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//! client_assertion=eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9 . eyJpc3MiOiJhcHAiLCJzdWIiOiJhcHAiLC4uLn0 . <signature>
//!                  header {"alg":"ES256","kid":…}          claims {iss, sub, aud, exp, iat, jti}
//! ```
//!
//! [`verify_assertion`] makes the checks of RFC 7523 §3 that need no
//! memory; the server remembers each `jti` (§3 item 7) itself.
//! [`ClientAssertionKey`] is the client's side: it signs assertions.

mod jwk_set;
mod signing_key;

pub use jwk_set::{ClientJwkSet, ClientKey, JwkSetError, MAX_KEYS, MIN_RSA_BITS};
pub use signing_key::{BadClientKey, ClientAssertionKey, SignedAssertion};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

/// RFC 7523 §2.2: the `client_assertion_type` of a JWT assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The algorithms an assertion may be signed with: asymmetric only (an
/// HMAC would need the shared secret this method does away with; `none`
/// proves nothing). The `token_endpoint_auth_signing_alg_values_supported`
/// of our metadata.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

/// The same list, as JOSE names.
pub fn algorithm_names() -> Vec<&'static str> {
    vec!["ES256", "EdDSA", "RS256"]
}

/// The longest assertion read (our policy: an RS256 assertion with a
/// 4096-bit key is under 1 KiB).
pub const MAX_ASSERTION_BYTES: usize = 8 * 1024;

/// How far ahead an assertion's `exp` may lie (our policy: RFC 7523 §3
/// item 4 only requires one; a short life bounds what a stolen assertion
/// is worth and how long its `jti` must be remembered).
pub const MAX_LIFETIME_SECONDS: i64 = 300;

/// Clock skew tolerated on `exp`, `nbf` and `iat` (§3 items 4, 5, 6 allow
/// "some small leeway").
pub const LEEWAY_SECONDS: i64 = 30;

/// What an assertion is checked against.
#[derive(Debug, Clone)]
pub struct AssertionCheck<'a> {
    /// The client it must be from (`iss` and `sub`, §3 items 1 and 2).
    pub client_id: &'a str,
    /// Values one of which `aud` must name (§3 item 3): the issuer, and
    /// the token endpoint's URL.
    pub audiences: &'a [String],
    /// Our clock, seconds since the epoch.
    pub now: i64,
}

/// An assertion that passed: what identifies it for replay detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub jti: String,
    pub exp: i64,
}

/// Why an assertion is refused: each is `invalid_client` on the wire,
/// with this text as its description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("the client_assertion is not a JWT (or names an alg such as none)")]
    NotAJwt,
    #[error("the client_assertion is not signed with ES256, EdDSA or RS256")]
    Algorithm,
    #[error("no key of the client's JWK Set has the client_assertion's kid and alg")]
    NoKey,
    #[error("the client_assertion's signature does not verify with the client's keys")]
    Signature,
    #[error("the client_assertion lacks {0}")]
    Missing(&'static str),
    #[error("the client_assertion's iss is not the client id")]
    Issuer,
    #[error("the client_assertion's sub is not the client id")]
    Subject,
    #[error("the client_assertion's aud names neither the issuer nor the token endpoint")]
    Audience,
    #[error("the client_assertion has expired (exp)")]
    Expired,
    #[error("the client_assertion's exp is more than 5 minutes ahead")]
    TooLong,
    #[error("the client_assertion is not valid yet (nbf or iat in the future)")]
    NotYetValid,
    #[error("the client_assertion's claims have the wrong types")]
    Claims,
}

#[derive(Deserialize)]
struct AssertionClaims {
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

#[derive(Deserialize)]
struct ClaimedSubject {
    #[serde(default)]
    sub: Option<String>,
}

/// The client an assertion claims to be from (`sub`), read without any
/// check, to find the keys to check it with. Never trust it alone.
pub fn claimed_client_id(assertion: &str) -> Result<String, AssertionError> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(AssertionError::NotAJwt);
    }
    let claimed = jsonwebtoken::dangerous::insecure_decode_claims::<ClaimedSubject>(assertion)
        .map_err(|_| AssertionError::NotAJwt)?;
    claimed.sub.ok_or(AssertionError::Missing("sub"))
}

/// The checks of RFC 7523 §3 but the `jti` replay check (the caller's):
/// signature by one of `keys`, `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`,
/// and a `jti`.
pub fn verify_assertion(
    assertion: &str,
    keys: &ClientJwkSet,
    check: &AssertionCheck<'_>,
) -> Result<VerifiedAssertion, AssertionError> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(AssertionError::NotAJwt);
    }
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| AssertionError::NotAJwt)?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(AssertionError::Algorithm);
    }
    let candidates = candidates(keys, &header);
    if candidates.is_empty() {
        return Err(AssertionError::NoKey);
    }
    let validation = validation(header.alg, check);
    for key in candidates {
        // The signature is checked before the claims: any other refusal
        // comes from the key that signed.
        match jsonwebtoken::decode::<AssertionClaims>(assertion, &key.key, &validation) {
            Ok(data) => return check_times(data.claims, check.now),
            Err(error) => match refused(error.kind()) {
                AssertionError::Signature => {}
                other => return Err(other),
            },
        }
    }
    Err(AssertionError::Signature)
}

/// §3 item 9: the keys of the client that may have signed: of the
/// header's algorithm, the one its `kid` names (RFC 7515 §4.1.4); when it
/// names none of them (or no `kid` is sent), those registered without one.
fn candidates<'k>(keys: &'k ClientJwkSet, header: &jsonwebtoken::Header) -> Vec<&'k ClientKey> {
    let of_alg = || keys.keys().iter().filter(|key| key.algorithm == header.alg);
    let named: Vec<&ClientKey> = of_alg()
        .filter(|key| header.kid.is_some() && key.kid == header.kid)
        .collect();
    if !named.is_empty() {
        return named;
    }
    of_alg()
        .filter(|key| header.kid.is_none() || key.kid.is_none())
        .collect()
}

/// §3 items 1 to 3 through `jsonwebtoken`; the times are checked against
/// our clock in [`check_times`].
fn validation(algorithm: Algorithm, check: &AssertionCheck<'_>) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.required_spec_claims = ["iss", "sub", "aud"].map(str::to_owned).into();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.set_issuer(&[check.client_id]);
    validation.sub = Some(check.client_id.to_owned());
    validation.set_audience(check.audiences);
    validation
}

fn refused(kind: &ErrorKind) -> AssertionError {
    match kind {
        ErrorKind::InvalidIssuer => AssertionError::Issuer,
        ErrorKind::InvalidSubject => AssertionError::Subject,
        ErrorKind::InvalidAudience => AssertionError::Audience,
        ErrorKind::MissingRequiredClaim(claim) => AssertionError::Missing(match claim.as_str() {
            "iss" => "iss",
            "sub" => "sub",
            _ => "aud",
        }),
        ErrorKind::Json(_) => AssertionError::Claims,
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            AssertionError::NotAJwt
        }
        _ => AssertionError::Signature,
    }
}

/// §3 items 4 to 7: `exp` required, not passed and (our policy) at most
/// [`MAX_LIFETIME_SECONDS`] ahead; `nbf` and `iat`, when present, not in
/// the future; a `jti`.
fn check_times(claims: AssertionClaims, now: i64) -> Result<VerifiedAssertion, AssertionError> {
    let exp = claims.exp.ok_or(AssertionError::Missing("exp"))?;
    if exp + LEEWAY_SECONDS <= now {
        return Err(AssertionError::Expired);
    }
    if exp > now + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS {
        return Err(AssertionError::TooLong);
    }
    let starts = [claims.nbf, claims.iat].into_iter().flatten();
    if starts.into_iter().any(|start| start > now + LEEWAY_SECONDS) {
        return Err(AssertionError::NotYetValid);
    }
    let jti = claims.jti.ok_or(AssertionError::Missing("jti"))?;
    if jti.is_empty() || jti.len() > 256 {
        return Err(AssertionError::Missing("jti"));
    }
    Ok(VerifiedAssertion { jti, exp })
}

#[cfg(test)]
mod tests;
