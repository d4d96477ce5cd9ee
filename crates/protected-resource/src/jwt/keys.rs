//! The issuer's public keys: RFC 8414 metadata → `jwks_uri` → RFC 7517 JWK
//! Set, fetched lazily and cached.
//!
//! ```text
//!  resource                                     authorization server
//!     | GET /.well-known/oauth-authorization-server   |  RFC 8414 §3
//!     |---------------------------------------------->|
//!     | {"issuer": …, "jwks_uri": …}                  |  issuer must be --issuer (§3.3)
//!     |<----------------------------------------------|
//!     | (on 404: GET /.well-known/openid-configuration, OpenID Connect
//!     |  Discovery 1.0 §4, the same check, §4.3)      |
//!     | GET <jwks_uri>                                |  RFC 7517 §5
//!     |---------------------------------------------->|
//!     | {"keys": [{"kid": …, "kty": "OKP", …}]}       |
//!     |<----------------------------------------------|
//! ```
//!
//! - An OpenID Provider may publish its metadata only as OpenID Connect
//!   Discovery (RFC 8414 §5 keeps the two documents compatible): when the
//!   RFC 8414 document is not there (404, and only then), that one is read.
//! - Nothing is fetched at start-up: the resource starts and stays healthy
//!   while the authorization server is down. The first token fetches.
//! - Keys are used for `cache_ttl` seconds, then fetched again; keys that
//!   cannot be fetched again are not used any longer (a token that cannot
//!   be checked is never accepted: 503).
//! - After a failed fetch, the issuer is not asked again for
//!   `refetch_interval`: requests meanwhile answer 503 at once.
//! - A token naming a `kid` the cached set lacks (the issuer may have just
//!   rotated its key) makes the resource fetch again, at most once per
//!   `refetch_interval`, so random `kid`s cannot make it hammer the issuer.
//! - Only keys this resource can use are kept: a `kid`, `use` absent or
//!   `sig`, `key_ops` absent or with `verify`, and an Ed25519 `OKP` key
//!   (EdDSA), a P-256 `EC` key (ES256) or an `RSA` key of at least 2048
//!   bits (RS256, RFC 7518 §3.3), whose `alg`, if given, agrees.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The RFC 8414 §3 well-known path.
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// The OpenID Connect Discovery 1.0 §4 well-known path, appended to the
/// issuer (§4.1).
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// The largest metadata document or JWK Set read.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// Where the keys are and how long to keep them.
#[derive(Debug, Clone)]
pub struct KeySettings {
    /// `--issuer`, verbatim: the metadata's `issuer` must equal it.
    pub issuer: String,
    /// `--issuer` parsed.
    pub issuer_url: url::Url,
    /// `--issuer-internal-url`: its origin replaces the issuer's origin in
    /// the URLs fetched.
    pub internal_url: Option<url::Url>,
    pub timeout: Duration,
    pub cache_ttl_seconds: u64,
    pub refetch_interval_seconds: u64,
}

/// Why no key is given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The issuer publishes no usable key with this `kid` for this `alg`.
    #[error("the issuer publishes no key with this kid for this alg")]
    Unknown,
    /// The metadata or the keys could not be fetched, or were garbage.
    #[error("{0}")]
    Unavailable(&'static str),
}

/// A key from the set, ready to verify with.
struct UsableKey {
    kid: String,
    alg: Algorithm,
    key: DecodingKey,
}

/// The keys as fetched at `fetched_at` (Unix seconds).
struct KeySet {
    keys: Vec<UsableKey>,
    fetched_at: i64,
}

impl KeySet {
    fn find(&self, kid: &str, alg: Algorithm) -> Option<DecodingKey> {
        self.keys
            .iter()
            .find(|usable| usable.kid == kid && usable.alg == alg)
            .map(|usable| usable.key.clone())
    }
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    /// When a fetch last started, whatever its outcome.
    last_fetch: Option<i64>,
    /// When the last fetch failed, if the last fetch failed.
    last_failure: Option<i64>,
    /// Counts the key sets fetched: which set a token was verified with.
    generation: u64,
}

/// The cache of the issuer's keys, and how to fill it.
pub struct KeySource {
    http: reqwest::Client,
    settings: KeySettings,
    ttl: i64,
    refetch_interval: i64,
    state: Mutex<State>,
}

/// The two members of the RFC 8414 document read here. (Not
/// `oauth_types::metadata::AuthorizationServerMetadata`, which requires
/// members a resource has no use for: any RFC 8414 server must do.)
#[derive(Deserialize)]
struct IssuerMetadata {
    issuer: String,
    jwks_uri: Option<String>,
}

/// RFC 7517 §5, each key kept as JSON until it is known to be usable: one
/// key of a kind we do not know must not make the whole set unreadable.
#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

impl KeySource {
    pub fn new(settings: KeySettings, http: reqwest::Client) -> Self {
        let seconds = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        Self {
            http,
            ttl: seconds(settings.cache_ttl_seconds),
            refetch_interval: seconds(settings.refetch_interval_seconds),
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// The key named `kid` for `alg`, at time `now` (Unix seconds).
    pub async fn key_for(
        &self,
        kid: &str,
        alg: Algorithm,
        now: i64,
    ) -> Result<DecodingKey, KeyError> {
        let cached = self.fresh_keys(now);
        let keys = match cached {
            Some(keys) => {
                if let Some(key) = keys.find(kid, alg) {
                    return Ok(key);
                }
                // An unknown kid: maybe a key the issuer just added.
                if !self.claim_refetch(now) {
                    return Err(KeyError::Unknown);
                }
                self.fetch(now).await?
            }
            None => {
                // No usable keys: fetch, unless that just failed.
                if self.failed_recently(now) {
                    return Err(KeyError::Unavailable(
                        "the issuer's keys could not be fetched a moment ago",
                    ));
                }
                self.fetch(now).await?
            }
        };
        keys.find(kid, alg).ok_or(KeyError::Unknown)
    }

    /// Which key set is in use at `now`: a number that changes with every
    /// fetch, `None` when there are no fresh keys. A signature verified with
    /// the keys of one generation verifies again while it is current, so a
    /// verification can be reused until then ([`super::JwtValidator`]).
    pub fn generation(&self, now: i64) -> Option<u64> {
        let state = self.lock();
        state
            .keys
            .as_ref()
            .filter(|keys| now < keys.fetched_at.saturating_add(self.ttl))
            .map(|_| state.generation)
    }

    /// The cached keys, if they are younger than the TTL.
    fn fresh_keys(&self, now: i64) -> Option<Arc<KeySet>> {
        let state = self.lock();
        state
            .keys
            .as_ref()
            .filter(|keys| now < keys.fetched_at.saturating_add(self.ttl))
            .cloned()
    }

    /// Whether an unknown `kid` may trigger a fetch now: not within
    /// `refetch_interval` of the last fetch. Checked and recorded under one
    /// lock, so that concurrent requests claim one fetch, not one each.
    fn claim_refetch(&self, now: i64) -> bool {
        let mut state = self.lock();
        let allowed = state
            .last_fetch
            .is_none_or(|last| now.saturating_sub(last) >= self.refetch_interval);
        if allowed {
            state.last_fetch = Some(now);
        }
        allowed
    }

    /// Whether a fetch failed less than `refetch_interval` ago: then the
    /// issuer is not asked again yet (a struggling issuer is not hammered
    /// by every request that arrives meanwhile; they answer 503).
    fn failed_recently(&self, now: i64) -> bool {
        self.lock()
            .last_failure
            .is_some_and(|failed| now.saturating_sub(failed) < self.refetch_interval)
    }

    /// Fetches the metadata, then the keys, and caches them; records the
    /// attempt and its outcome.
    async fn fetch(&self, now: i64) -> Result<Arc<KeySet>, KeyError> {
        self.lock().last_fetch = Some(now);
        let fetched = self.fetch_documents(now).await;
        let mut state = self.lock();
        match &fetched {
            Ok(keys) => {
                state.keys = Some(keys.clone());
                state.generation = state.generation.wrapping_add(1);
                state.last_failure = None;
            }
            Err(_) => state.last_failure = Some(now),
        }
        fetched
    }

    /// RFC 8414 metadata (or OpenID Connect Discovery), then its `jwks_uri`.
    async fn fetch_documents(&self, now: i64) -> Result<Arc<KeySet>, KeyError> {
        let metadata = self.fetch_metadata().await?;
        // RFC 8414 §3.3 (Discovery §4.3): the document must be the
        // configured issuer's.
        if metadata.issuer != self.settings.issuer {
            tracing::warn!(issuer = %metadata.issuer, "the metadata names another issuer");
            return Err(KeyError::Unavailable(
                "the issuer's metadata names another issuer",
            ));
        }
        let jwks_uri = metadata
            .jwks_uri
            .as_deref()
            .and_then(|uri| url::Url::parse(uri).ok())
            .ok_or(KeyError::Unavailable(
                "the issuer's metadata has no usable jwks_uri",
            ))?;
        let set: RawJwkSet = self
            .get_json(self.internal(jwks_uri), "the issuer's keys")
            .await?;
        Ok(Arc::new(KeySet {
            keys: set.keys.into_iter().filter_map(usable_key).collect(),
            fetched_at: now,
        }))
    }

    /// The RFC 8414 document; when the issuer has none (404), its OpenID
    /// Connect Discovery 1.0 document, which has the same two members.
    /// Any other failure is not a reason to look elsewhere.
    async fn fetch_metadata(&self) -> Result<IssuerMetadata, KeyError> {
        let rfc_8414 = self
            .get_json_if_published(self.metadata_url(), "the issuer's metadata")
            .await?;
        match rfc_8414 {
            Some(metadata) => Ok(metadata),
            None => {
                self.get_json(
                    self.openid_configuration_url(),
                    "the issuer's OpenID Connect Discovery document",
                )
                .await
            }
        }
    }

    /// OpenID Connect Discovery 1.0 §4.1: the well-known path is appended
    /// to the issuer, its path kept.
    fn openid_configuration_url(&self) -> url::Url {
        let issuer_path = self.settings.issuer_url.path().trim_end_matches('/');
        self.on_issuer_origin(&format!("{issuer_path}{OPENID_CONFIGURATION_PATH}"))
    }

    /// RFC 8414 §3.1: the well-known path goes between the issuer's host
    /// and its path (`https://as.example/tenant` →
    /// `https://as.example/.well-known/oauth-authorization-server/tenant`).
    fn metadata_url(&self) -> url::Url {
        let issuer_path = self.settings.issuer_url.path().trim_end_matches('/');
        self.on_issuer_origin(&format!("{METADATA_PATH}{issuer_path}"))
    }

    /// The issuer's URL with `path` in place of its own and no query,
    /// fetched where [`Self::internal`] says.
    fn on_issuer_origin(&self, path: &str) -> url::Url {
        let mut url = self.settings.issuer_url.clone();
        url.set_path(path);
        url.set_query(None);
        self.internal(url)
    }

    /// With `--issuer-internal-url`, a URL on the issuer's origin is fetched
    /// at the internal origin instead (same path and query).
    fn internal(&self, url: url::Url) -> url::Url {
        match &self.settings.internal_url {
            Some(internal) if url.origin() == self.settings.issuer_url.origin() => {
                let mut rewritten = internal.clone();
                rewritten.set_path(url.path());
                rewritten.set_query(url.query());
                rewritten
            }
            _ => url,
        }
    }

    /// GET `url`: 200, at most [`MAX_DOCUMENT_BYTES`], JSON of type `T`.
    async fn get_json<T: DeserializeOwned>(
        &self,
        url: url::Url,
        what: &'static str,
    ) -> Result<T, KeyError> {
        self.get_json_if_published(url.clone(), what)
            .await?
            .ok_or_else(|| unavailable(&url, what, "404"))
    }

    /// As [`Self::get_json`], but `None` for a 404 (nothing published there).
    async fn get_json_if_published<T: DeserializeOwned>(
        &self,
        url: url::Url,
        what: &'static str,
    ) -> Result<Option<T>, KeyError> {
        let unavailable = |reason: &str| unavailable(&url, what, reason);
        let mut response = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| unavailable(&err.to_string()))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if response.status() != reqwest::StatusCode::OK {
            return Err(unavailable(response.status().as_str()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| unavailable(&err.to_string()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(unavailable("too large"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|err| unavailable(&err.to_string()))
    }

    /// A poisoned lock only means another thread panicked mid-update; the
    /// state is still valid.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The smallest RSA modulus accepted (RFC 7518 §3.3).
pub const MIN_RSA_BITS: usize = 2048;

/// The size in bits of an RSA modulus given as base64url (RFC 7518 §6.3.1.1:
/// big-endian, no leading zero octets); 0 when it does not decode.
fn modulus_bits(n: &str) -> usize {
    use base64::Engine as _;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(n) else {
        return 0;
    };
    match bytes.iter().position(|byte| *byte != 0) {
        Some(first) => (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize,
        None => 0,
    }
}

/// The JWK as a key to verify with, if this resource can use it.
fn usable_key(value: serde_json::Value) -> Option<UsableKey> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    let common = &jwk.common;
    let kid = common.key_id.clone()?;
    // RFC 7517 §4.2, §4.3: a key meant for something else is not for us.
    if common
        .public_key_use
        .as_ref()
        .is_some_and(|usage| *usage != PublicKeyUse::Signature)
    {
        return None;
    }
    if common
        .key_operations
        .as_ref()
        .is_some_and(|operations| !operations.contains(&KeyOperations::Verify))
    {
        return None;
    }
    let alg = match &jwk.algorithm {
        // RFC 8037 §2: Ed25519 public keys are 32 bytes, 43 base64url
        // characters. (Checked here because jsonwebtoken's EdDSA verifier
        // slices the key to 32 bytes and would panic on a shorter one.)
        AlgorithmParameters::OctetKeyPair(okp)
            if okp.curve == EllipticCurve::Ed25519 && okp.x.len() == 43 =>
        {
            Algorithm::EdDSA
        }
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
        AlgorithmParameters::RSA(rsa) if modulus_bits(&rsa.n) >= MIN_RSA_BITS => Algorithm::RS256,
        _ => return None,
    };
    if common
        .key_algorithm
        .is_some_and(|declared| declared != KeyAlgorithm::from(alg))
    {
        return None;
    }
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(UsableKey { kid, alg, key })
}

/// Why `what` at `url` cannot be used, logged; the caller gets no detail.
fn unavailable(url: &url::Url, what: &str, reason: &str) -> KeyError {
    tracing::warn!(%url, reason, "{what} could not be fetched");
    KeyError::Unavailable("the issuer's metadata or keys could not be fetched")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn ed(extra: serde_json::Value) -> serde_json::Value {
        let mut key = json!({"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "k1"});
        key.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        key
    }

    /// An RSA JWK whose modulus has exactly `bits` bits (not a real key:
    /// only its size matters here).
    fn rsa_key(bits: usize, extra: serde_json::Value) -> serde_json::Value {
        use base64::Engine as _;
        let mut modulus = vec![0xff_u8; bits.div_ceil(8)];
        modulus[0] >>= (8 - bits % 8) % 8;
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(modulus);
        let mut key = json!({"kty": "RSA", "n": n, "e": "AQAB", "kid": "rsa"});
        key.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        key
    }

    #[test]
    fn rsa_keys_of_2048_bits_or_more_are_usable_for_rs256() {
        assert_eq!(
            modulus_bits(rsa_key(2048, json!({}))["n"].as_str().unwrap()),
            2048
        );
        assert_eq!(
            modulus_bits(rsa_key(2047, json!({}))["n"].as_str().unwrap()),
            2047
        );
        for key in [
            rsa_key(2048, json!({})),
            rsa_key(3072, json!({"alg": "RS256", "use": "sig"})),
        ] {
            assert_eq!(usable_key(key).unwrap().alg, Algorithm::RS256);
        }
    }

    #[test]
    fn ed25519_and_p256_keys_are_usable() {
        assert_eq!(usable_key(ed(json!({}))).unwrap().alg, Algorithm::EdDSA);
        let ec = json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y, "kid": "k2",
                        "alg": "ES256", "use": "sig"});
        assert_eq!(usable_key(ec).unwrap().alg, Algorithm::ES256);
    }

    #[test]
    fn keys_we_cannot_or_must_not_use_are_skipped() {
        let skipped = |key: serde_json::Value| usable_key(key).is_none();
        assert!(skipped(ed(json!({"kid": null}))), "no kid");
        assert!(skipped(ed(json!({"use": "enc"}))), "not for signatures");
        assert!(skipped(ed(json!({"key_ops": ["encrypt"]}))), "no verify");
        assert!(skipped(ed(json!({"alg": "ES256"}))), "alg disagrees");
        assert!(skipped(ed(json!({"x": "c2hvcnQ"}))), "short Ed25519 key");
        assert!(
            skipped(json!({"kty": "oct", "k": "c2VjcmV0", "kid": "k3"})),
            "symmetric"
        );
        assert!(
            skipped(json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "k4"})),
            "a 17-bit RSA key"
        );
        assert!(skipped(rsa_key(2047, json!({}))), "under 2048 bits");
        assert!(
            skipped(rsa_key(2048, json!({"alg": "RS384"}))),
            "RS384 is not on the list"
        );
        assert!(
            skipped(rsa_key(2048, json!({"alg": "PS256"}))),
            "PS256 is not on the list"
        );
        assert!(skipped(
            json!({"kty": "EC", "crv": "P-384", "x": EC_X, "y": EC_Y, "kid": "k5"})
        ));
        assert!(skipped(json!("not a key")));
    }

    fn source(issuer: &str, internal: Option<&str>) -> KeySource {
        KeySource::new(
            KeySettings {
                issuer: issuer.to_owned(),
                issuer_url: url::Url::parse(issuer).unwrap(),
                internal_url: internal.map(|url| url::Url::parse(url).unwrap()),
                timeout: Duration::from_secs(1),
                cache_ttl_seconds: 300,
                refetch_interval_seconds: 10,
            },
            reqwest::Client::new(),
        )
    }

    #[test]
    fn the_metadata_url_follows_rfc_8414_section_3_1() {
        let plain = source("http://localhost:9001", None);
        assert_eq!(
            plain.metadata_url().as_str(),
            "http://localhost:9001/.well-known/oauth-authorization-server"
        );
        let with_path = source("https://as.example/tenant/", None);
        assert_eq!(
            with_path.metadata_url().as_str(),
            "https://as.example/.well-known/oauth-authorization-server/tenant"
        );
    }

    #[test]
    fn the_internal_url_replaces_only_the_issuer_origin() {
        let source = source("http://localhost:9001", Some("http://as:9001"));
        assert_eq!(
            source.metadata_url().as_str(),
            "http://as:9001/.well-known/oauth-authorization-server"
        );
        let jwks = url::Url::parse("http://localhost:9001/jwks?v=2").unwrap();
        assert_eq!(source.internal(jwks).as_str(), "http://as:9001/jwks?v=2");
        let elsewhere = url::Url::parse("https://keys.example/jwks").unwrap();
        assert_eq!(
            source.internal(elsewhere).as_str(),
            "https://keys.example/jwks"
        );
    }

    #[test]
    fn an_unknown_kid_refetches_at_most_once_per_interval() {
        let source = source("http://localhost:9001", None);
        assert!(source.claim_refetch(1_000));
        assert!(!source.claim_refetch(1_000), "claimed once, not twice");
        assert!(!source.claim_refetch(1_009));
        assert!(source.claim_refetch(1_010));
        assert!(!source.claim_refetch(1_011));
    }
}
