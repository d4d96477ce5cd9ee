//! The ID token checked as OpenID Connect Core §3.1.3.7 says, before
//! anything in it is believed (security rule 37).
//!
//! The `openidconnect` crate's verifier does items 2, 3, 6, 7, 9, 10 and 11
//! against the provider's JWK Set; this module adds what it leaves to its
//! caller and reports each check with its section:
//!
//! | Core | check |
//! |---|---|
//! | §3.1.3.7 item 2 | `iss` is exactly the issuer of the metadata |
//! | §3.1.3.7 item 3 | `aud` contains our client id, no untrusted other audience |
//! | §3.1.3.7 items 4, 5 | with several audiences, `azp` is present; if present, it is our client id |
//! | §3.1.3.7 item 6 | the signature verifies with a key of the provider's JWK Set |
//! | §3.1.3.7 item 7 | `alg` is on the allow-list: RS256 (every relying party must support it, §15.1) and EdDSA; never `none`, never HMAC (RFC 8725 §3.1) |
//! | §3.1.3.7 item 9 | `exp` is in the future |
//! | §3.1.3.7 item 10 | `iat` is within [`IAT_WINDOW_SECONDS`] in the past and [`CLOCK_SKEW_SECONDS`] in the future (the range is the client's choice: our policy) |
//! | §3.1.3.7 item 11 | `nonce` is the one this session's request sent |
//! | §3.1.3.8 | `at_hash`, when present, is the hash of the access token that came with it |

use chrono::{DateTime, Utc};
use oauth_types::secret::{AccessToken, CredentialHash};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessTokenHash, ClaimsVerificationError, ClientId, IssuerUrl, Nonce,
    SignatureVerificationError,
};

/// The only ID token signature algorithms accepted (Core §3.1.3.7 item 7,
/// RFC 8725 §3.1: the relying party chooses, not the token).
pub const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 2] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// How far in the future `iat` may be, for clocks that disagree a little.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// How old `iat` may be: a sign-in request lives this long, and an ID token
/// issued before it could not carry its `nonce` (our policy).
pub const IAT_WINDOW_SECONDS: i64 = 600;

/// What the validation needs besides the token.
pub struct Expected<'a> {
    /// The issuer identifier of the metadata, verbatim.
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The hash of the `nonce` this session's request sent.
    pub nonce_hash: &'a CredentialHash,
    /// The access token of the same token response.
    pub access_token: &'a AccessToken,
    /// Unix seconds.
    pub now: i64,
}

/// A check that passed, for the behind-the-scenes page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// e.g. `Core §3.1.3.7 item 2`.
    pub section: &'static str,
    pub outcome: String,
}

/// An ID token that passed every check: who signed in.
#[derive(Debug, Clone)]
pub struct ValidatedIdToken {
    /// `iss`, verbatim.
    pub issuer: String,
    /// `sub`: stable, unique within the issuer (Core §2).
    pub subject: String,
    /// `name` (Core §5.1), when released.
    pub name: Option<String>,
    /// The compact serialization, kept for `id_token_hint` (never shown).
    pub compact: String,
    /// The decoded JOSE header and claims, for the behind-the-scenes page.
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
    pub checks: Vec<Check>,
}

/// Why the ID token was refused, each with the section it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the issuer (iss) is not the provider's: {0} (Core §3.1.3.7 item 2)")]
    Issuer(String),
    #[error("the audience (aud) is not this client: {0} (Core §3.1.3.7 item 3)")]
    Audience(String),
    #[error("the authorized party (azp) is not this client: {0} (Core §3.1.3.7 items 4, 5)")]
    AuthorizedParty(String),
    #[error("the signature algorithm is not allowed: {0} (Core §3.1.3.7 item 7)")]
    Algorithm(String),
    #[error("the signature does not verify with the provider's keys: {0} (Core §3.1.3.7 item 6)")]
    Signature(String),
    #[error("the ID token has expired: {0} (Core §3.1.3.7 item 9)")]
    Expired(String),
    #[error("the issue time (iat) is out of range: {0} (Core §3.1.3.7 item 10)")]
    IssuedAt(String),
    #[error("the nonce is not the one this sign-in sent: {0} (Core §3.1.3.7 item 11)")]
    Nonce(String),
    #[error("at_hash does not match the access token (Core §3.1.3.8)")]
    AccessTokenHash,
    #[error("the ID token cannot be read: {0}")]
    Unreadable(String),
}

/// Validates `id_token` against the provider's `keys`.
pub fn validate(
    id_token: &CoreIdToken,
    keys: CoreJsonWebKeySet,
    expected: &Expected<'_>,
) -> Result<ValidatedIdToken, IdTokenError> {
    let issuer = IssuerUrl::new(expected.issuer.to_owned())
        .map_err(|_| IdTokenError::Issuer("the expected issuer is not a URL".to_owned()))?;
    let verifier = verifier(issuer, keys, expected);
    let nonce_checked = |nonce: Option<&Nonce>| match nonce {
        None => Err("the ID token carries no nonce".to_owned()),
        Some(nonce) if expected.nonce_hash.matches(nonce.secret()) => Ok(()),
        Some(_) => Err("another nonce".to_owned()),
    };
    let claims = id_token.claims(&verifier, nonce_checked).map_err(refusal)?;

    let audiences: Vec<&str> = claims.audiences().iter().map(|aud| aud.as_str()).collect();
    let azp = claims.authorized_party().map(|azp| azp.as_str());
    check_authorized_party(&audiences, azp, expected.client_id)?;
    let at_hash = check_at_hash(id_token, &verifier, claims.access_token_hash(), expected)?;

    let compact = id_token.to_string();
    let header = jsonwebtoken::decode_header(&compact)
        .ok()
        .and_then(|header| serde_json::to_value(header).ok())
        .unwrap_or_default();
    let alg = header["alg"].as_str().unwrap_or_default().to_owned();
    let kid = header["kid"].as_str().unwrap_or("(none)").to_owned();
    let checks = vec![
        check(
            "Core §3.1.3.7 item 2",
            format!(
                "iss = {}: the provider's issuer, exactly",
                claims.issuer().as_str()
            ),
        ),
        check(
            "Core §3.1.3.7 item 3",
            format!(
                "aud = {}: contains this client, {}",
                audiences.join(" "),
                expected.client_id
            ),
        ),
        check(
            "Core §3.1.3.7 items 4, 5",
            match azp {
                Some(azp) => format!("azp = {azp}: this client"),
                None => "azp absent: one audience, none needed".to_owned(),
            },
        ),
        check(
            "Core §3.1.3.7 item 6",
            format!("signature verified with the provider's key kid = {kid} from its JWK Set"),
        ),
        check(
            "Core §3.1.3.7 item 7",
            format!("alg = {alg}: on the allow-list (RS256, EdDSA)"),
        ),
        check(
            "Core §3.1.3.7 item 9",
            format!("exp = {}: in the future", claims.expiration().timestamp()),
        ),
        check(
            "Core §3.1.3.7 item 10",
            format!(
                "iat = {}: within the last {IAT_WINDOW_SECONDS} s",
                claims.issue_time().timestamp()
            ),
        ),
        check(
            "Core §3.1.3.7 item 11",
            "nonce: the one this session's request sent".to_owned(),
        ),
        check("Core §3.1.3.8", at_hash),
    ];
    Ok(ValidatedIdToken {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned()),
        claims: serde_json::to_value(claims).unwrap_or_default(),
        header,
        compact,
        checks,
    })
}

fn check(section: &'static str, outcome: String) -> Check {
    Check { section, outcome }
}

/// The crate's verifier, told our allow-list, our clock and our `iat`
/// range. No client secret is given to it: HMAC-signed ID tokens are
/// never accepted.
fn verifier<'a>(
    issuer: IssuerUrl,
    keys: CoreJsonWebKeySet,
    expected: &Expected<'_>,
) -> CoreIdTokenVerifier<'a> {
    let now = expected.now;
    CoreIdTokenVerifier::new_public_client(
        ClientId::new(expected.client_id.to_owned()),
        issuer,
        keys,
    )
    .set_allowed_algs(ALLOWED_ALGORITHMS)
    .set_time_fn(move || at(now))
    .set_issue_time_verifier_fn(move |iat: DateTime<Utc>| {
        let iat = iat.timestamp();
        if iat > now + CLOCK_SKEW_SECONDS {
            Err(format!("issued at {iat}, in the future (now {now})"))
        } else if iat < now - IAT_WINDOW_SECONDS {
            Err(format!(
                "issued at {iat}, more than {IAT_WINDOW_SECONDS} s ago (now {now})"
            ))
        } else {
            Ok(())
        }
    })
}

fn at(unix_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default()
}

/// Core §3.1.3.7 items 4 and 5.
fn check_authorized_party(
    audiences: &[&str],
    azp: Option<&str>,
    client_id: &str,
) -> Result<(), IdTokenError> {
    match azp {
        Some(azp) if azp != client_id => {
            Err(IdTokenError::AuthorizedParty(format!("azp is '{azp}'")))
        }
        None if audiences.len() > 1 => Err(IdTokenError::AuthorizedParty(
            "several audiences and no azp".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Core §3.1.3.8: `at_hash` is the left half of the hash of the access
/// token, with the hash of the ID token's `alg` (SHA-512 for EdDSA with
/// Ed25519); computed by the `openidconnect` crate with the verifying key.
fn check_at_hash(
    id_token: &CoreIdToken,
    verifier: &CoreIdTokenVerifier<'_>,
    claimed: Option<&AccessTokenHash>,
    expected: &Expected<'_>,
) -> Result<String, IdTokenError> {
    let Some(claimed) = claimed else {
        return Ok("at_hash absent: optional in the code flow".to_owned());
    };
    let alg = id_token
        .signing_alg()
        .map_err(|error| IdTokenError::Algorithm(error.to_string()))?;
    let key = id_token
        .signing_key(verifier)
        .map_err(|error| IdTokenError::Signature(error.to_string()))?;
    let access_token = openidconnect::AccessToken::new(expected.access_token.secret().to_owned());
    let computed = AccessTokenHash::from_token(&access_token, alg, key)
        .map_err(|_| IdTokenError::AccessTokenHash)?;
    if computed != *claimed {
        return Err(IdTokenError::AccessTokenHash);
    }
    Ok(format!(
        "at_hash = {}: the hash of the access token",
        claimed.as_str()
    ))
}

/// The crate's refusal, named after the check it failed.
fn refusal(error: ClaimsVerificationError) -> IdTokenError {
    match error {
        ClaimsVerificationError::InvalidIssuer(detail) => IdTokenError::Issuer(detail),
        ClaimsVerificationError::InvalidAudience(detail) => IdTokenError::Audience(detail),
        ClaimsVerificationError::Expired(detail) if detail.starts_with("issued at") => {
            IdTokenError::IssuedAt(detail)
        }
        ClaimsVerificationError::Expired(detail) => IdTokenError::Expired(detail),
        ClaimsVerificationError::InvalidNonce(detail) => IdTokenError::Nonce(detail),
        ClaimsVerificationError::SignatureVerification(
            error @ (SignatureVerificationError::DisallowedAlg(_)
            | SignatureVerificationError::UnsupportedAlg(_)),
        ) => IdTokenError::Algorithm(error.to_string()),
        // `alg: none`: an unsigned token, never on the allow-list.
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoSignature) => {
            IdTokenError::Algorithm("none: the ID token is not signed".to_owned())
        }
        ClaimsVerificationError::SignatureVerification(error) => {
            IdTokenError::Signature(error.to_string())
        }
        other => IdTokenError::Unreadable(other.to_string()),
    }
}
