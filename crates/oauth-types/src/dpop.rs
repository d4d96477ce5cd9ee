//! DPoP proofs, RFC 9449: a client proves, request by request, that it
//! holds the private key a token is bound to, so a copied token alone is
//! worthless.
//!
//! ```text
//!  DPoP: eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Li4ufX0 . eyJqdGkiOi4uLn0 . <signature>
//!        header {"typ":"dpop+jwt","alg":"ES256","jwk":{public key}}    claims {jti, htm, htu, iat, ath?, nonce?}
//! ```
//!
//! [`verify_proof`] makes the checks of §4.3 that need no memory; the
//! caller keeps the `jti`s it has seen (§11.1) and compares the proof's
//! key with the token's binding ([`Confirmation`], §6). [`DpopKey`] is the
//! client's side: a P-256 key pair that signs proofs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::AccessToken;

/// §4.2: the `typ` of every proof.
pub const PROOF_TYPE: &str = "dpop+jwt";

/// The proof algorithms accepted (§4.3 item 5: asymmetric, never `none`);
/// the `dpop_signing_alg_values_supported` of our metadata documents.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

/// The same list, as JOSE names.
pub fn algorithm_names() -> Vec<&'static str> {
    vec!["ES256", "EdDSA", "RS256"]
}

/// A client's DPoP key pair (ES256, P-256), made by aws-lc-rs; its
/// private half is PKCS#8 DER, to be stored like a secret.
pub struct DpopKey {
    pkcs8: Vec<u8>,
    encoding: jsonwebtoken::EncodingKey,
    jwk: Jwk,
}

/// Why a stored key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a P-256 private key")]
pub struct BadDpopKey;

impl DpopKey {
    /// A new key pair from the OS generator.
    pub fn generate() -> Result<Self, BadDpopKey> {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .map_err(|_| BadDpopKey)?;
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| BadDpopKey)?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// The key stored as PKCS#8 DER.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, BadDpopKey> {
        aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
        )
        .map_err(|_| BadDpopKey)?;
        let encoding = jsonwebtoken::EncodingKey::from_ec_der(pkcs8);
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).map_err(|_| BadDpopKey)?;
        Ok(Self {
            pkcs8: pkcs8.to_vec(),
            encoding,
            jwk,
        })
    }

    /// The private key, PKCS#8 DER: for the one place that stores it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key, as every proof carries it.
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// RFC 7638 thumbprint of the public key: what bound tokens name.
    pub fn thumbprint(&self) -> Result<JwkThumbprint, BadDpopKey> {
        self.jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map(JwkThumbprint)
            .map_err(|_| BadDpopKey)
    }

    /// A proof (§4.2) for `method` on `url` at `now` with a fresh `jti`;
    /// with `access_token` its `ath`, with `nonce` the server's nonce.
    pub fn proof(
        &self,
        method: &str,
        url: &url::Url,
        now: i64,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
    ) -> Result<String, BadDpopKey> {
        let mut target = url.clone();
        target.set_query(None);
        target.set_fragment(None);
        let mut claims = serde_json::json!({
            "jti": crate::secret::generate_credential(),
            "htm": method,
            "htu": target.as_str(),
            "iat": now,
        });
        if let Some(token) = access_token {
            claims["ath"] = serde_json::Value::from(access_token_hash(token));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = serde_json::Value::from(nonce);
        }
        self.sign(&claims)
    }

    /// Signs `claims` as a proof with this key in its header.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, BadDpopKey> {
        let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
        header.typ = Some(PROOF_TYPE.to_owned());
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|_| BadDpopKey)
    }
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey([redacted])")
    }
}

/// How far a proof's `iat` may lie from our clock, in seconds (§11.1 leaves
/// the window to the server; a minute is our policy).
pub const IAT_WINDOW_SECONDS: i64 = 60;

/// The longest proof read (our policy: a proof with an RSA key fits easily).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

/// RFC 7638 JWK SHA-256 thumbprint, base64url: what a bound token names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JwkThumbprint(String);

impl JwkThumbprint {
    /// Wraps a thumbprint received on the wire (`cnf.jkt`, `dpop_jkt`).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A thumbprint sent by a client (`dpop_jkt`, RFC 9449 §10): the
    /// base64url form of a SHA-256 digest, 43 characters, else `None`.
    pub fn parse(value: &str) -> Option<Self> {
        let digest = URL_SAFE_NO_PAD.decode(value).ok()?;
        (digest.len() == 32 && value.len() == 43).then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 7800 §3.1 `cnf`, with RFC 9449 §6.1's `jkt`: the key a token is
/// bound to, in a JWT access token and in an introspection answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: JwkThumbprint,
}

/// §4.2 `ath`: base64url of the SHA-256 of the access token's ASCII.
pub fn access_token_hash(token: &AccessToken) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.secret().as_bytes()))
}

/// What a proof is checked against.
#[derive(Debug, Clone)]
pub struct ProofCheck<'a> {
    /// The request's method (`htm`).
    pub method: &'a str,
    /// The request's URL as the client used it; its query and fragment
    /// are ignored (§4.3 item 9).
    pub url: &'a url::Url,
    /// Our clock, seconds since the epoch.
    pub now: i64,
    /// At a resource: the token the proof must name in `ath` (§4.3 item 12).
    pub access_token: Option<&'a AccessToken>,
    /// The `DPoP-Nonce` the server asked for, if it asks (§8, §9).
    pub nonce: Option<&'a str>,
}

/// A proof that passed: the key's thumbprint and what identifies the proof
/// for replay detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    pub jkt: JwkThumbprint,
    pub jti: String,
    pub iat: i64,
    /// The server-provided nonce the proof carries (§4.2), for a server
    /// that hands them out to check (`dpop_nonce::NonceSecret::accepts`).
    pub nonce: Option<String>,
}

/// Why a proof is refused: each is `invalid_dpop_proof` on the wire (or
/// `use_dpop_nonce` for [`ProofError::Nonce`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the DPoP proof is not a JWT")]
    NotAJwt,
    #[error("the DPoP proof's typ is not dpop+jwt")]
    Type,
    #[error("the DPoP proof is not signed with an accepted asymmetric algorithm")]
    Algorithm,
    #[error("the DPoP proof carries no public key (jwk), or a private one")]
    Key,
    #[error("the DPoP proof's signature does not verify with its jwk")]
    Signature,
    #[error("the DPoP proof lacks jti, htm, htu or iat")]
    Claims,
    #[error("the DPoP proof is for another method (htm)")]
    Method,
    #[error("the DPoP proof is for another URL (htu)")]
    Url,
    #[error("the DPoP proof's iat is not within a minute of now")]
    Time,
    #[error("the DPoP proof's ath is not the hash of the access token")]
    AccessTokenHash,
    #[error("the DPoP proof lacks the nonce the server asked for")]
    Nonce,
}

#[derive(Deserialize)]
struct ProofClaims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// The checks of RFC 9449 §4.3 items 2 to 12 but replay (the caller's).
pub fn verify_proof(proof: &str, check: &ProofCheck<'_>) -> Result<VerifiedProof, ProofError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::NotAJwt);
    }
    let header = jsonwebtoken::decode_header(proof).map_err(|_| ProofError::NotAJwt)?;
    if header.typ.as_deref() != Some(PROOF_TYPE) {
        return Err(ProofError::Type);
    }
    if !ALGORITHMS.contains(&header.alg) {
        return Err(ProofError::Algorithm);
    }
    let jwk = public_jwk(proof, header.jwk)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| ProofError::Key)?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
        .map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::Json(_) => ProofError::Claims,
            _ => ProofError::Signature,
        })?
        .claims;
    check_claims(&claims, check)?;
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| ProofError::Key)?;
    Ok(VerifiedProof {
        jkt: JwkThumbprint(jkt),
        jti: claims.jti,
        iat: claims.iat,
        nonce: claims.nonce,
    })
}

/// §4.3 item 7: the header's `jwk` must be a public key. A private member
/// (`d`, and RSA's `p`, `q`, …) means the key is not kept secret: refused.
fn public_jwk(proof: &str, jwk: Option<Jwk>) -> Result<Jwk, ProofError> {
    let jwk = jwk.ok_or(ProofError::Key)?;
    let raw_header = proof
        .split('.')
        .next()
        .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .ok_or(ProofError::NotAJwt)?;
    let private = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
        .iter()
        .any(|member| raw_header["jwk"].get(member).is_some());
    if private {
        return Err(ProofError::Key);
    }
    Ok(jwk)
}

fn check_claims(claims: &ProofClaims, check: &ProofCheck<'_>) -> Result<(), ProofError> {
    if claims.jti.is_empty() || claims.jti.len() > 256 {
        return Err(ProofError::Claims);
    }
    // §4.3 item 8: the method, exactly (RFC 9110 methods are case-sensitive).
    if claims.htm != check.method {
        return Err(ProofError::Method);
    }
    if !same_target(&claims.htu, check.url) {
        return Err(ProofError::Url);
    }
    if (claims.iat - check.now).abs() > IAT_WINDOW_SECONDS {
        return Err(ProofError::Time);
    }
    if let Some(token) = check.access_token {
        let expected = access_token_hash(token);
        let presented = claims.ath.as_deref().unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            presented.as_bytes(),
        )) {
            return Err(ProofError::AccessTokenHash);
        }
    }
    if let Some(nonce) = check.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(ProofError::Nonce);
        }
    }
    Ok(())
}

/// §4.3 item 9: `htu` names the request's URL, query and fragment aside;
/// both are parsed, so scheme and host compare in RFC 3986 §6.2.2 normal
/// form (case, default port).
fn same_target(htu: &str, url: &url::Url) -> bool {
    let Ok(mut claimed) = url::Url::parse(htu) else {
        return false;
    };
    let mut actual = url.clone();
    for target in [&mut claimed, &mut actual] {
        target.set_query(None);
        target.set_fragment(None);
    }
    claimed == actual
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{json, Value};

    fn key() -> DpopKey {
        DpopKey::generate().unwrap()
    }

    const NOW: i64 = 1_800_000_000;

    fn url() -> url::Url {
        url::Url::parse("https://api.example/api/me").unwrap()
    }

    fn claims() -> Value {
        json!({"jti": "j-1", "htm": "GET", "htu": "https://api.example/api/me", "iat": NOW})
    }

    fn sign_with(key: &DpopKey, header: Header, claims: &Value) -> String {
        jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
    }

    fn proof(key: &DpopKey, claims: &Value) -> String {
        key.sign(claims).unwrap()
    }

    fn check(url: &url::Url) -> ProofCheck<'_> {
        ProofCheck {
            method: "GET",
            url,
            now: NOW,
            access_token: None,
            nonce: None,
        }
    }

    #[test]
    fn a_fresh_proof_verifies_and_names_its_keys_rfc_7638_thumbprint() {
        let key = key();
        let url = url();
        let verified = verify_proof(&proof(&key, &claims()), &check(&url)).unwrap();
        assert_eq!(verified.jkt, key.thumbprint().unwrap());
        assert_eq!(verified.jti, "j-1");
        assert_eq!(verified.iat, NOW);
    }

    #[test]
    fn a_stored_key_signs_proofs_that_verify_with_ath_and_nonce() {
        let stored = key();
        let key = DpopKey::from_pkcs8(stored.pkcs8()).unwrap();
        assert_eq!(key.thumbprint(), stored.thumbprint());
        let url = url::Url::parse("https://api.example/api/me?page=2#top").unwrap();
        let token = AccessToken::new("the-token");
        let made = key
            .proof("GET", &url, NOW, Some(&token), Some("n"))
            .unwrap();
        let check = ProofCheck {
            method: "GET",
            url: &url,
            now: NOW,
            access_token: Some(&token),
            nonce: Some("n"),
        };
        let verified = verify_proof(&made, &check).unwrap();
        assert_eq!(verified.jkt, key.thumbprint().unwrap());
        let again = key
            .proof("GET", &url, NOW, Some(&token), Some("n"))
            .unwrap();
        assert_ne!(verify_proof(&again, &check).unwrap().jti, verified.jti);
        assert!(DpopKey::from_pkcs8(b"not a key").is_err());
        assert_eq!(format!("{key:?}"), "DpopKey([redacted])");
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s_own_example() {
        // RFC 7638 §3.1.
        let jwk: Jwk = serde_json::from_value(json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }))
        .unwrap();
        assert_eq!(
            jwk.thumbprint(ThumbprintHash::SHA256).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn headers_that_are_not_a_dpop_proof_are_refused() {
        let key = key();
        let url = url();
        let refused =
            |header: Header| verify_proof(&sign_with(&key, header, &claims()), &check(&url));

        let mut untyped = Header::new(Algorithm::ES256);
        untyped.jwk = Some(key.jwk.clone());
        assert_eq!(refused(untyped), Err(ProofError::Type));

        let mut keyless = Header::new(Algorithm::ES256);
        keyless.typ = Some(PROOF_TYPE.to_owned());
        assert_eq!(refused(keyless), Err(ProofError::Key));

        let hmac = EncodingKey::from_secret(b"shared");
        let mut symmetric = Header::new(Algorithm::HS256);
        symmetric.typ = Some(PROOF_TYPE.to_owned());
        symmetric.jwk = Some(key.jwk.clone());
        let token = jsonwebtoken::encode(&symmetric, &claims(), &hmac).unwrap();
        assert_eq!(
            verify_proof(&token, &check(&url)),
            Err(ProofError::Algorithm)
        );
        assert_eq!(
            verify_proof("not.a.jwt", &check(&url)),
            Err(ProofError::NotAJwt)
        );
    }

    #[test]
    fn a_proof_carrying_a_private_key_or_signed_by_another_key_is_refused() {
        let (key, other) = (key(), key());
        let url = url();
        let signed = proof(&key, &claims());
        // Re-sign with another key, keeping the first key's jwk.
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(PROOF_TYPE.to_owned());
        header.jwk = Some(key.jwk.clone());
        let forged = sign_with(&other, header, &claims());
        assert_eq!(
            verify_proof(&forged, &check(&url)),
            Err(ProofError::Signature)
        );

        // The same header with a private member `d` added.
        let parts: Vec<&str> = signed.split('.').collect();
        let mut raw: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        raw["jwk"]["d"] = json!("c2VjcmV0");
        let leaked = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(raw.to_string()),
            parts[1],
            parts[2]
        );
        assert_eq!(verify_proof(&leaked, &check(&url)), Err(ProofError::Key));
    }

    #[test]
    fn method_url_time_ath_and_nonce_must_match() {
        let key = key();
        let url = url();
        let with = |change: &dyn Fn(&mut Value)| {
            let mut claims = claims();
            change(&mut claims);
            proof(&key, &claims)
        };
        let cases: Vec<(String, ProofError)> = vec![
            (with(&|c| c["htm"] = json!("POST")), ProofError::Method),
            (with(&|c| c["htm"] = json!("get")), ProofError::Method),
            (
                with(&|c| c["htu"] = json!("https://api.example/api/posts")),
                ProofError::Url,
            ),
            (
                with(&|c| c["htu"] = json!("https://evil.example/api/me")),
                ProofError::Url,
            ),
            (with(&|c| c["iat"] = json!(NOW - 61)), ProofError::Time),
            (with(&|c| c["iat"] = json!(NOW + 61)), ProofError::Time),
            (
                with(&|c| c["iat"] = json!("1800000000")),
                ProofError::Claims,
            ),
            (
                with(&|c| drop(c.as_object_mut().unwrap().remove("jti"))),
                ProofError::Claims,
            ),
        ];
        for (proof, error) in cases {
            assert_eq!(
                verify_proof(&proof, &check(&url)),
                Err(error.clone()),
                "{error}"
            );
        }

        // Query and fragment aside, case and default port normalised.
        let same = with(&|c| c["htu"] = json!("HTTPS://API.example:443/api/me?x=1#f"));
        assert!(verify_proof(&same, &check(&url)).is_ok());

        let token = AccessToken::new("the-token");
        let at_resource = ProofCheck {
            access_token: Some(&token),
            ..check(&url)
        };
        assert_eq!(
            verify_proof(&proof(&key, &claims()), &at_resource),
            Err(ProofError::AccessTokenHash)
        );
        let bound = with(&|c| c["ath"] = json!(access_token_hash(&token)));
        assert!(verify_proof(&bound, &at_resource).is_ok());

        let asking = ProofCheck {
            nonce: Some("n-1"),
            ..check(&url)
        };
        assert_eq!(
            verify_proof(&proof(&key, &claims()), &asking),
            Err(ProofError::Nonce)
        );
        let answered = with(&|c| c["nonce"] = json!("n-1"));
        assert!(verify_proof(&answered, &asking).is_ok());
    }

    #[test]
    fn a_dpop_jkt_parses_only_as_a_base64url_sha256_digest() {
        let key = DpopKey::generate().unwrap();
        let jkt = key.thumbprint().unwrap();

        assert_eq!(JwkThumbprint::parse(jkt.as_str()), Some(jkt.clone()));
        assert_eq!(JwkThumbprint::parse(&jkt.as_str()[..42]), None);
        assert_eq!(JwkThumbprint::parse(&format!("{}=", jkt.as_str())), None);
        assert_eq!(JwkThumbprint::parse(&"+".repeat(43)), None);
        assert_eq!(JwkThumbprint::parse(""), None);
    }
}
