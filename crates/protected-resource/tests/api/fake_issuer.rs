//! A fake RFC 9068 issuer, a `wiremock` mock server: its RFC 8414 metadata
//! names a `jwks_uri`, where it publishes the keys the test chooses (and
//! counts the fetches). Keys are made at test time; tokens are crafted by the tests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use oauth_types::secret::AccessToken;
use protected_resource::ValidationMethod;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{spawn_app_with, Options, TestApp};

/// A signing key of the issuer: the private half signs test tokens, the
/// public half is published as a JWK.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    public_key: Vec<u8>,
    pub jwk: Jwk,
}

impl SigningKey {
    /// A fresh Ed25519 key (EdDSA).
    pub fn ed25519(kid: &str) -> Self {
        Self::generate(
            kid,
            &rcgen::PKCS_ED25519,
            Algorithm::EdDSA,
            EncodingKey::from_ed_der,
            DecodingKey::from_ed_der,
        )
    }

    /// A fresh P-256 key (ES256).
    pub fn p256(kid: &str) -> Self {
        Self::generate(
            kid,
            &rcgen::PKCS_ECDSA_P256_SHA256,
            Algorithm::ES256,
            EncodingKey::from_ec_der,
            DecodingKey::from_ec_der,
        )
    }

    /// A fresh key pair of `curve`, its private half read by `encoding`
    /// (PKCS#8 DER) and its public half by `decoding` (raw bytes), for `alg`.
    fn generate(
        kid: &str,
        curve: &'static rcgen::SignatureAlgorithm,
        alg: Algorithm,
        encoding: fn(&[u8]) -> EncodingKey,
        decoding: fn(&[u8]) -> DecodingKey,
    ) -> Self {
        let pair = rcgen::KeyPair::generate_for(curve).unwrap();
        let public_key = pair.public_key_raw().to_vec();
        let mut jwk = Jwk::from_decoding_key(&decoding(&public_key), Some(alg)).unwrap();
        jwk.common.key_id = Some(kid.to_owned());
        Self {
            kid: kid.to_owned(),
            alg,
            encoding: encoding(&pair.serialize_der()),
            public_key,
            jwk,
        }
    }

    /// This key with another key's `kid` (to sign "with the wrong key").
    pub fn impersonating(mut self, kid: &str) -> Self {
        self.kid = kid.to_owned();
        self.jwk.common.key_id = Some(kid.to_owned());
        self
    }

    /// The raw public key bytes (what an attacker would use as an HMAC secret).
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The RFC 9068 header: `typ` `at+jwt`, this key's `alg` and `kid`.
    pub fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(self.kid.clone());
        header
    }

    /// `claims` signed with this key under its RFC 9068 header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&self.header(), claims)
    }

    pub fn sign_with_header(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }
}

struct IssuerState {
    /// The `issuer` the metadata names (and the origin of its `jwks_uri`).
    issuer: Mutex<String>,
    jwks: Mutex<Value>,
    jwks_fetches: AtomicUsize,
    /// Every request, metadata or keys, answered or not.
    requests: AtomicUsize,
    down: AtomicBool,
}

/// The fake issuer, serving `/.well-known/oauth-authorization-server` (or
/// only `/.well-known/openid-configuration`) and `/jwks`.
pub struct FakeIssuer {
    /// Where it listens.
    pub url: String,
    /// Its issuer identifier (its URL, unless started with another name).
    pub issuer: String,
    state: Arc<IssuerState>,
    _server: MockServer,
}

impl FakeIssuer {
    /// An issuer whose identifier is its own URL, publishing no key yet.
    pub async fn start() -> Self {
        Self::start_named(None).await
    }

    /// An issuer that calls itself `name` (its metadata and `jwks_uri` use
    /// that origin), as behind a container network.
    pub async fn start_named(name: Option<&str>) -> Self {
        Self::start_publishing_metadata_at(name, "/.well-known/oauth-authorization-server").await
    }

    /// An OpenID Provider that publishes its metadata only as OpenID
    /// Connect Discovery 1.0 §4 (`/.well-known/openid-configuration`), and
    /// nothing at the RFC 8414 path (404).
    pub async fn start_openid_provider() -> Self {
        Self::start_publishing_metadata_at(None, "/.well-known/openid-configuration").await
    }

    async fn start_publishing_metadata_at(name: Option<&str>, metadata_path: &str) -> Self {
        let server = MockServer::start().await;
        let url = server.uri();
        let issuer = name.map_or_else(|| url.clone(), str::to_owned);
        let state = Arc::new(IssuerState {
            issuer: Mutex::new(issuer.clone()),
            jwks: Mutex::new(json!({"keys": []})),
            jwks_fetches: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            down: AtomicBool::new(false),
        });
        for (route, answer) in [(metadata_path, metadata as Answer), ("/jwks", jwks)] {
            Mock::given(method("GET"))
                .and(path(route))
                .respond_with(Endpoint(state.clone(), answer))
                .mount(&server)
                .await;
        }
        Self {
            url,
            issuer,
            state,
            _server: server,
        }
    }

    /// Publishes exactly these keys at the `jwks_uri`.
    pub fn publish(&self, keys: &[&SigningKey]) {
        let keys: Vec<Value> = keys
            .iter()
            .map(|key| serde_json::to_value(&key.jwk).unwrap())
            .collect();
        self.publish_json(json!({ "keys": keys }));
    }

    /// Publishes this exact JWK Set document.
    pub fn publish_json(&self, jwks: Value) {
        *self.state.jwks.lock().unwrap() = jwks;
    }

    /// The metadata now names this issuer.
    pub fn set_metadata_issuer(&self, issuer: &str) {
        *self.state.issuer.lock().unwrap() = issuer.to_owned();
    }

    /// While down, every request is answered 500.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// How many requests arrived (metadata or keys, even while down).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// How many times the JWK Set was served.
    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }
}

/// One endpoint of the fake issuer; every request is counted, and answered
/// 500 while it is down.
type Answer = fn(&IssuerState) -> ResponseTemplate;

struct Endpoint(Arc<IssuerState>, Answer);

impl Respond for Endpoint {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.requests.fetch_add(1, Ordering::SeqCst);
        if self.0.down.load(Ordering::SeqCst) {
            return ResponseTemplate::new(500);
        }
        (self.1)(&self.0)
    }
}

fn metadata(state: &IssuerState) -> ResponseTemplate {
    let issuer = state.issuer.lock().unwrap().clone();
    ResponseTemplate::new(200).set_body_json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
    }))
}

fn jwks(state: &IssuerState) -> ResponseTemplate {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let jwks = state.jwks.lock().unwrap().clone();
    ResponseTemplate::new(200).set_body_json(jwks)
}

/// Valid RFC 9068 §2.2 claims, for an hour, issued to the client `strava`.
pub fn access_token_claims(issuer: &str, audience: &str, username: &str, scope: &str) -> Value {
    let now = service_kit::clock::now();
    json!({
        "iss": issuer,
        "exp": now + 3600,
        "aud": audience,
        "sub": format!("sub-{username}"),
        "client_id": "strava",
        "iat": now,
        "jti": AccessToken::generate().secret(),
        "scope": scope,
        "username": username,
    })
}

/// The resource in `jwt` mode in front of a [`FakeIssuer`] that publishes
/// one Ed25519 key, `key`.
pub struct JwtApp {
    pub app: TestApp,
    pub issuer: FakeIssuer,
    pub key: SigningKey,
}

pub async fn spawn_jwt_app() -> JwtApp {
    spawn_jwt_app_with(Options::default()).await
}

/// A JWT-validating resource, and valid claims of alice's for `profile`
/// to alter before signing.
pub async fn spawn_jwt_app_with_alices_claims() -> (JwtApp, Value) {
    let jwt = spawn_jwt_app().await;
    let claims = jwt.claims("alice", "profile");
    (jwt, claims)
}

/// `options` with `validation`, `issuer` set for the fake issuer.
pub async fn spawn_jwt_app_with(options: Options) -> JwtApp {
    let issuer = FakeIssuer::start().await;
    spawn_jwt_app_of(issuer, SigningKey::ed25519("key-1"), options).await
}

/// `options` with `validation`, `issuer` set for `issuer`, which publishes
/// `key`.
pub async fn spawn_jwt_app_of(issuer: FakeIssuer, key: SigningKey, options: Options) -> JwtApp {
    issuer.publish(&[&key]);
    let app = spawn_app_with(Options {
        validation: ValidationMethod::Jwt,
        issuer: issuer.issuer.clone(),
        ..options
    })
    .await;
    JwtApp { app, issuer, key }
}

impl JwtApp {
    /// Valid claims for this resource, owned by `username`.
    pub fn claims(&self, username: &str, scope: &str) -> Value {
        access_token_claims(&self.issuer.issuer, &self.app.resource_id, username, scope)
    }

    /// `GET /api/me` with a valid token of alice's for `profile`.
    pub async fn alices_me(&self) -> reqwest::Response {
        self.app
            .get("/api/me", &self.token_for("alice", "profile"))
            .await
    }

    /// A valid token for this resource, signed with `key`.
    pub fn token_for(&self, username: &str, scope: &str) -> String {
        self.key.sign(&self.claims(username, scope))
    }
}
