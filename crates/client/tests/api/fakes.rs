//! A fake authorization server and a fake protected resource, two
//! `wiremock` mock servers sharing one [`World`]: enough of RFC 8414, 6749,
//! 7009 and 6750 to drive every branch of the client, including the ones no
//! real role would take (a refused or garbled token answer, metadata down,
//! hostile RFC 9728 documents), and to see exactly what it sent. The fake
//! authorization server is also an OpenID Provider whose ID tokens a test
//! can break one way at a time ([`crate::fake_provider`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::fake_dpop::{self, DpopWorld};
use crate::fake_par::{self, ParWorld};
use crate::fake_provider::{self, IdTokenPlan, NameReleased, ProviderKey};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How the fake token endpoint answers the authorization_code grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TokenBehaviour {
    #[default]
    Issue,
    Refuse(&'static str),
    Garbage,
}

/// How the fake resource's 401 (no token) points to its RFC 9728 metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ChallengeBehaviour {
    /// `resource_metadata="{resource_url}/metadata/facebook"`: not the
    /// well-known path, so a test sees the header was followed.
    #[default]
    PointsToOwnMetadata,
    /// A 401 whose challenge has no `resource_metadata`.
    NoResourceMetadata,
    /// `resource_metadata` set to this URL.
    PointsTo(String),
}

/// What the fake resource's RFC 9728 document says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ResourceDocument {
    /// `resource` = its own URL, `authorization_servers` = [the issuer].
    #[default]
    Honest,
    /// Another `resource`.
    NamesResource(String),
    /// These `authorization_servers` instead.
    AuthorizationServers(Vec<String>),
    /// Not JSON.
    Garbage,
    /// A valid document padded past the client's size limit.
    Huge,
    /// `302 Found` to this URL instead of the document.
    RedirectTo(String),
}

/// Which well-known documents the fake authorization server publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Published {
    #[default]
    Both,
    /// RFC 8414 only.
    OAuthOnly,
    /// OpenID Connect Discovery only (Hydra, older Keycloak).
    OpenIdOnly,
}

/// One call the fake resource received.
#[derive(Debug, Clone)]
pub struct SeenResourceCall {
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub body: serde_json::Value,
}

/// Everything the fakes know and saw.
#[derive(Debug, Default)]
pub struct World {
    pub issuer: String,
    pub iss_supported: bool,
    pub token_behaviour: TokenBehaviour,
    /// The scope the token answer names; `None` leaves it out.
    pub granted_scope: Option<String>,
    pub expires_in: u64,
    pub refresh_refused: bool,
    /// The metadata endpoint answers 503.
    pub metadata_down: bool,
    /// Form pairs of every `/token` request.
    pub token_requests: Vec<Vec<(String, String)>>,
    pub token_authorizations: Vec<Option<String>>,
    /// Live access tokens and their scope.
    pub access_tokens: HashMap<String, String>,
    pub refresh_tokens: HashMap<String, String>,
    pub revoked: Vec<String>,
    /// Form pairs and `Authorization` header of every `/revoke` request.
    pub revocation_requests: Vec<SeenRevocation>,
    pub resource_calls: Vec<SeenResourceCall>,
    pub issued: u64,
    /// The fake resource's own URL: its resource identifier.
    pub resource_url: String,
    pub challenge: ChallengeBehaviour,
    pub resource_document: ResourceDocument,
    /// Paths of the RFC 9728 metadata requests the fake resource received.
    pub resource_metadata_requests: Vec<String>,
    /// How many RFC 8414 metadata requests the fake server received.
    pub metadata_requests: u64,
    /// Requests for the decoy document the fake authorization server
    /// serves at its own `/.well-known/oauth-protected-resource`.
    pub decoy_requests: u64,
    /// The fake OpenID Provider's signing key.
    pub provider_key: Option<Arc<ProviderKey>>,
    /// When set, authorization_code answers carry an ID token of this plan.
    pub id_token: Option<IdTokenPlan>,
    pub published: Published,
    /// The `issuer` the OpenID Connect Discovery document names, when it
    /// should lie.
    pub openid_document_issuer: Option<String>,
    /// How many OpenID Connect Discovery requests the fake received.
    pub openid_configuration_requests: u64,
    /// Whether the metadata names an `end_session_endpoint`.
    pub no_end_session_endpoint: bool,
    /// The `Authorization` header of each UserInfo request.
    pub userinfo_requests: Vec<Option<String>>,
    /// DPoP: offered or not, nonces, the proofs seen ([`crate::fake_dpop`]).
    pub dpop: DpopWorld,
    /// Pushed authorization requests: offered or not, the pushes seen
    /// ([`crate::fake_par`]).
    pub par: ParWorld,
}

impl World {
    fn issue(&mut self, scope: &str) -> serde_json::Value {
        self.issued += 1;
        let access = format!(
            "access-token-{}-{}",
            self.issued,
            uuid::Uuid::new_v4().simple()
        );
        let refresh = format!(
            "refresh-token-{}-{}",
            self.issued,
            uuid::Uuid::new_v4().simple()
        );
        self.access_tokens.insert(access.clone(), scope.to_owned());
        self.refresh_tokens
            .insert(refresh.clone(), scope.to_owned());
        let mut answer = json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh,
        });
        if let Some(granted) = &self.granted_scope {
            answer["scope"] = serde_json::Value::String(granted.clone());
        }
        fake_dpop::bind(self, &mut answer, &access);
        answer
    }

    /// The scope of an issued token: what the answer named, else what was asked.
    fn granted(&self, requested: &str) -> String {
        self.granted_scope
            .clone()
            .unwrap_or_else(|| requested.to_owned())
    }

    pub fn last_token_request(&self) -> HashMap<String, String> {
        self.token_requests
            .last()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect()
    }
}

pub type SharedWorld = Arc<Mutex<World>>;

/// A `/revoke` request: its form pairs and its `Authorization` header.
pub type SeenRevocation = (Vec<(String, String)>, Option<String>);

/// One endpoint of a fake: answers each request from the shared world.
type Answer = fn(&Request, &mut World) -> ResponseTemplate;

struct Endpoint(SharedWorld, Answer);

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        (self.1)(request, &mut self.0.lock().unwrap())
    }
}

/// A mock server answering `routes` (method, path, answer) from `world`.
async fn mock_server(world: &SharedWorld, routes: &[(&str, &str, Answer)]) -> MockServer {
    let server = MockServer::start().await;
    for (verb, route, answer) in routes {
        Mock::given(method(*verb))
            .and(path(*route))
            .respond_with(Endpoint(world.clone(), *answer))
            .mount(&server)
            .await;
    }
    server
}

/// Starts the fake authorization server (its URL is `server.uri()`).
pub async fn spawn_authorization_server(world: SharedWorld) -> MockServer {
    mock_server(
        &world,
        &[
            ("GET", "/.well-known/oauth-authorization-server", metadata),
            (
                "GET",
                "/.well-known/openid-configuration",
                openid_configuration,
            ),
            ("GET", "/jwks", jwks),
            ("GET", "/userinfo", userinfo),
            ("POST", "/token", token),
            ("POST", "/revoke", revoke),
            ("POST", "/par", fake_par::push),
            (
                "GET",
                "/.well-known/oauth-protected-resource",
                decoy_resource_metadata,
            ),
        ],
    )
    .await
}

/// Starts the fake protected resource (its URL is `server.uri()`).
pub async fn spawn_resource(world: SharedWorld) -> MockServer {
    mock_server(
        &world,
        &[
            (
                "GET",
                "/.well-known/oauth-protected-resource",
                resource_metadata,
            ),
            ("GET", "/metadata/facebook", resource_metadata),
            ("GET", "/api/me", me),
            ("POST", "/api/posts", posts),
            ("POST", "/api/messages", messages),
        ],
    )
    .await
}

pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

pub fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

fn json_answer(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn resource_metadata(request: &Request, world: &mut World) -> ResponseTemplate {
    world
        .resource_metadata_requests
        .push(request.url.path().to_owned());
    let mut document = json!({
        "resource": world.resource_url,
        "authorization_servers": [world.issuer],
        "scopes_supported": ["profile", "post", "personal-message"],
    });
    match world.resource_document.clone() {
        ResourceDocument::Honest => {}
        ResourceDocument::NamesResource(other) => document["resource"] = other.into(),
        ResourceDocument::AuthorizationServers(servers) => {
            document["authorization_servers"] = servers.into();
        }
        ResourceDocument::Garbage => {
            return ResponseTemplate::new(200).set_body_string("<html>not json</html>")
        }
        ResourceDocument::Huge => document["padding"] = "x".repeat(100 * 1024).into(),
        ResourceDocument::RedirectTo(url) => {
            return ResponseTemplate::new(302).insert_header("Location", url.as_str())
        }
    }
    json_answer(200, document)
}

/// A well-formed document on the authorization server's origin, naming
/// another authorization server: what a resource pointing the client
/// elsewhere would want it to read.
fn decoy_resource_metadata(_: &Request, world: &mut World) -> ResponseTemplate {
    world.decoy_requests += 1;
    json_answer(
        200,
        json!({
            "resource": world.resource_url,
            "authorization_servers": ["http://127.0.0.1:9"],
        }),
    )
}

/// `GET /api/me`: without a token, the RFC 6750 §3 / RFC 9728 §5.1 401.
/// The realm holds a comma and escaped quotes, as a quoted-string may.
fn me(request: &Request, world: &mut World) -> ResponseTemplate {
    let body = serde_json::Value::Null;
    if request.headers.contains_key("authorization") {
        return refusal(request, &body, world, "profile")
            .unwrap_or_else(|| json_answer(200, json!({"sub": "hamza", "username": "hamza"})));
    }
    world.resource_calls.push(SeenResourceCall {
        path: request.url.path().to_owned(),
        query: request.url.query().unwrap_or_default().to_owned(),
        authorization: None,
        body,
    });
    let mut challenge = r#"Bearer realm="Fake \"Facebook\", for tests""#.to_owned();
    let pointer = match &world.challenge {
        ChallengeBehaviour::PointsToOwnMetadata => {
            Some(format!("{}/metadata/facebook", world.resource_url))
        }
        ChallengeBehaviour::NoResourceMetadata => None,
        ChallengeBehaviour::PointsTo(url) => Some(url.clone()),
    };
    if let Some(url) = pointer {
        challenge.push_str(&format!(r#", resource_metadata="{url}""#));
    }
    json_answer(
        401,
        json!({"error": "invalid_request", "error_description": "no token"}),
    )
    .insert_header("WWW-Authenticate", challenge.as_str())
}

fn metadata(_: &Request, world: &mut World) -> ResponseTemplate {
    world.metadata_requests += 1;
    if world.metadata_down {
        return ResponseTemplate::new(503);
    }
    if world.published == Published::OpenIdOnly {
        return ResponseTemplate::new(404);
    }
    json_answer(200, metadata_document(world))
}

/// The RFC 8414 members both documents share.
fn metadata_document(world: &World) -> serde_json::Value {
    let issuer = &world.issuer;
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": world.iss_supported,
    });
    if !world.dpop.algorithms.is_empty() {
        document["dpop_signing_alg_values_supported"] = json!(world.dpop.algorithms);
    }
    if world.par.offered {
        document["pushed_authorization_request_endpoint"] = json!(format!("{issuer}/par"));
    }
    document
}

/// OpenID Connect Discovery 1.0 §3: RFC 8414's members and the OpenID
/// Provider's own.
fn openid_configuration(_: &Request, world: &mut World) -> ResponseTemplate {
    world.openid_configuration_requests += 1;
    if world.metadata_down {
        return ResponseTemplate::new(503);
    }
    if world.published == Published::OAuthOnly {
        return ResponseTemplate::new(404);
    }
    let mut document = metadata_document(world);
    let issuer = world.issuer.clone();
    document["userinfo_endpoint"] = format!("{issuer}/userinfo").into();
    if !world.no_end_session_endpoint {
        document["end_session_endpoint"] = format!("{issuer}/logout").into();
    }
    document["subject_types_supported"] = json!(["public"]);
    document["id_token_signing_alg_values_supported"] = json!(["RS256", "EdDSA"]);
    if let Some(lie) = &world.openid_document_issuer {
        document["issuer"] = lie.clone().into();
    }
    json_answer(200, document)
}

fn jwks(_: &Request, world: &mut World) -> ResponseTemplate {
    match &world.provider_key {
        Some(key) => json_answer(200, key.jwk_set()),
        None => ResponseTemplate::new(404),
    }
}

/// Core §5.3.2: the person's claims, when the plan releases them here.
fn userinfo(request: &Request, world: &mut World) -> ResponseTemplate {
    world
        .userinfo_requests
        .push(header(request, "authorization"));
    match &world.id_token {
        Some(IdTokenPlan {
            name_released: NameReleased::AtUserInfo { sub },
            name,
            ..
        }) => json_answer(200, json!({ "sub": sub, "name": name })),
        _ => bearer_refusal(401, "invalid_token", None),
    }
}

fn oauth_error(status: u16, error: &str) -> ResponseTemplate {
    json_answer(
        status,
        json!({ "error": error, "error_description": "refused by the fake" }),
    )
}

fn token(request: &Request, world: &mut World) -> ResponseTemplate {
    let pairs = form(request);
    world.token_requests.push(pairs.clone());
    world
        .token_authorizations
        .push(header(request, "authorization"));
    if let Err(refusal) = fake_dpop::check_token_request(request, world) {
        return *refusal;
    }
    let params: HashMap<String, String> = pairs.into_iter().collect();
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => match world.token_behaviour.clone() {
            TokenBehaviour::Refuse(error) => oauth_error(400, error),
            TokenBehaviour::Garbage => {
                ResponseTemplate::new(200).set_body_string("<html>not json</html>")
            }
            TokenBehaviour::Issue => {
                let scope = world.granted("profile post");
                let mut answer = world.issue(&scope);
                if let (Some(plan), Some(key)) = (&world.id_token, &world.provider_key) {
                    let access_token = answer["access_token"].as_str().unwrap_or_default();
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs() as i64;
                    answer["id_token"] =
                        fake_provider::mint(key, plan, &world.issuer, "strava", access_token, now)
                            .into();
                }
                json_answer(200, answer)
            }
        },
        Some("refresh_token") => {
            let presented = params.get("refresh_token").cloned().unwrap_or_default();
            if world.refresh_refused {
                return oauth_error(400, "invalid_grant");
            }
            match world.refresh_tokens.remove(&presented) {
                Some(scope) => {
                    let saved = world.granted_scope.replace(scope.clone());
                    let answer = world.issue(&scope);
                    world.granted_scope = saved;
                    json_answer(200, answer)
                }
                None => oauth_error(400, "invalid_grant"),
            }
        }
        _ => oauth_error(400, "unsupported_grant_type"),
    }
}

fn revoke(request: &Request, world: &mut World) -> ResponseTemplate {
    world
        .revocation_requests
        .push((form(request), header(request, "authorization")));
    if let Some((_, token)) = form(request).into_iter().find(|(name, _)| name == "token") {
        world.access_tokens.remove(&token);
        world.refresh_tokens.remove(&token);
        world.revoked.push(token);
    }
    ResponseTemplate::new(200)
}

fn bearer_refusal(status: u16, error: &str, scope: Option<&str>) -> ResponseTemplate {
    let mut challenge = format!("Bearer realm=\"fake\", error=\"{error}\"");
    if let Some(scope) = scope {
        challenge.push_str(&format!(", scope=\"{scope}\""));
    }
    json_answer(
        status,
        json!({ "error": error, "error_description": format!("the fake says {error}") }),
    )
    .insert_header("WWW-Authenticate", challenge.as_str())
}

/// Records the call; the refusal when its token may not do `needed`.
fn refusal(
    request: &Request,
    body: &serde_json::Value,
    world: &mut World,
    needed: &str,
) -> Option<ResponseTemplate> {
    world.resource_calls.push(SeenResourceCall {
        path: request.url.path().to_owned(),
        query: request.url.query().unwrap_or_default().to_owned(),
        authorization: header(request, "authorization"),
        body: body.clone(),
    });
    let token = match fake_dpop::presented_token(request, world) {
        Ok(token) => token,
        Err(refused) => return Some(*refused),
    };
    match world.access_tokens.get(&token) {
        None => Some(bearer_refusal(401, "invalid_token", None)),
        Some(scope) if !scope.split(' ').any(|s| s == needed) => {
            Some(bearer_refusal(403, "insufficient_scope", Some(needed)))
        }
        Some(_) => None,
    }
}

/// The JSON body of an API call (`Null` when it is not JSON; the client
/// always sends JSON).
fn json_body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null)
}

fn posts(request: &Request, world: &mut World) -> ResponseTemplate {
    let body = json_body(request);
    if let Some(refused) = refusal(request, &body, world, "post") {
        return refused;
    }
    let message = body
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    if message.is_empty() || message.chars().count() > 5000 {
        return bearer_refusal(400, "invalid_request", None);
    }
    json_answer(
        201,
        json!({
            "id": format!("post-{}", world.resource_calls.len()),
            "author": "hamza",
            "message": message,
            "client_id": "strava",
            "created_at": 0,
        }),
    )
}

fn messages(request: &Request, world: &mut World) -> ResponseTemplate {
    let body = json_body(request);
    if let Some(refused) = refusal(request, &body, world, "personal-message") {
        return refused;
    }
    json_answer(201, json!({ "id": "message-1" }))
}
