//! A fake authorization server and a fake protected resource, in-process,
//! sharing one [`World`]: enough of RFC 8414, 6749, 7009 and 6750 to drive
//! every branch of the client, and to see exactly what it sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse};
use service_kit::server::{serve, Listener};
use service_kit::ServeArgs;

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
        let mut answer = serde_json::json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh,
        });
        if let Some(granted) = &self.granted_scope {
            answer["scope"] = serde_json::Value::String(granted.clone());
        }
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

/// Starts the fake authorization server; returns its URL.
pub fn spawn_authorization_server(world: SharedWorld) -> String {
    let listener = Listener::bind(&ServeArgs::for_test("sqlite::memory:")).unwrap();
    let data = web::Data::new(world);
    let server = serve(listener, move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/.well-known/oauth-authorization-server",
                web::get().to(metadata),
            )
            .route("/token", web::post().to(token))
            .route("/revoke", web::post().to(revoke))
            .route(
                "/.well-known/oauth-protected-resource",
                web::get().to(decoy_resource_metadata),
            )
    })
    .unwrap();
    server.spawn().0
}

/// Starts the fake protected resource; returns its URL.
pub fn spawn_resource(world: SharedWorld) -> String {
    let listener = Listener::bind(&ServeArgs::for_test("sqlite::memory:")).unwrap();
    let data = web::Data::new(world);
    let server = serve(listener, move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/.well-known/oauth-protected-resource",
                web::get().to(resource_metadata),
            )
            .route("/metadata/facebook", web::get().to(resource_metadata))
            .route("/api/me", web::get().to(me))
            .route("/api/posts", web::post().to(posts))
            .route("/api/messages", web::post().to(messages))
    })
    .unwrap();
    server.spawn().0
}

async fn resource_metadata(request: HttpRequest, world: web::Data<SharedWorld>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world
        .resource_metadata_requests
        .push(request.path().to_owned());
    let mut document = serde_json::json!({
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
        ResourceDocument::Garbage => return HttpResponse::Ok().body("<html>not json</html>"),
        ResourceDocument::Huge => document["padding"] = "x".repeat(100 * 1024).into(),
        ResourceDocument::RedirectTo(url) => {
            return HttpResponse::Found()
                .insert_header(("Location", url))
                .finish()
        }
    }
    HttpResponse::Ok().json(document)
}

/// A well-formed document on the authorization server's origin, naming
/// another authorization server: what a resource pointing the client
/// elsewhere would want it to read.
async fn decoy_resource_metadata(world: web::Data<SharedWorld>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.decoy_requests += 1;
    HttpResponse::Ok().json(serde_json::json!({
        "resource": world.resource_url,
        "authorization_servers": ["http://127.0.0.1:9"],
    }))
}

/// `GET /api/me`: without a token, the RFC 6750 §3 / RFC 9728 §5.1 401.
/// The realm holds a comma and escaped quotes, as a quoted-string may.
async fn me(request: HttpRequest, world: web::Data<SharedWorld>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let body = serde_json::Value::Null;
    if request.headers().contains_key("authorization") {
        return match guarded(&request, &body, &mut world, "profile") {
            Ok(()) => {
                HttpResponse::Ok().json(serde_json::json!({"sub": "hamza", "username": "hamza"}))
            }
            Err(refusal) => *refusal,
        };
    }
    world.resource_calls.push(SeenResourceCall {
        path: request.path().to_owned(),
        query: request.query_string().to_owned(),
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
    HttpResponse::Unauthorized()
        .insert_header(("WWW-Authenticate", challenge))
        .json(serde_json::json!({"error": "invalid_request", "error_description": "no token"}))
}

async fn metadata(world: web::Data<SharedWorld>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.metadata_requests += 1;
    if world.metadata_down {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let issuer = &world.issuer;
    HttpResponse::Ok().json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": world.iss_supported,
    }))
}

fn oauth_error(status: u16, error: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(serde_json::json!({ "error": error, "error_description": "refused by the fake" }))
}

async fn token(
    request: HttpRequest,
    body: web::Form<Vec<(String, String)>>,
    world: web::Data<SharedWorld>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let pairs = body.into_inner();
    world.token_requests.push(pairs.clone());
    world.token_authorizations.push(
        request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    );
    let params: HashMap<String, String> = pairs.into_iter().collect();
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => match world.token_behaviour.clone() {
            TokenBehaviour::Refuse(error) => oauth_error(400, error),
            TokenBehaviour::Garbage => HttpResponse::Ok().body("<html>not json</html>"),
            TokenBehaviour::Issue => {
                let scope = world.granted("profile post");
                HttpResponse::Ok().json(world.issue(&scope))
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
                    HttpResponse::Ok().json(answer)
                }
                None => oauth_error(400, "invalid_grant"),
            }
        }
        _ => oauth_error(400, "unsupported_grant_type"),
    }
}

async fn revoke(
    body: web::Form<Vec<(String, String)>>,
    world: web::Data<SharedWorld>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Some((_, token)) = body.iter().find(|(name, _)| name == "token") {
        world.revoked.push(token.clone());
        world.access_tokens.remove(token);
        world.refresh_tokens.remove(token);
    }
    HttpResponse::Ok().finish()
}

fn bearer_refusal(status: u16, error: &str, scope: Option<&str>) -> HttpResponse {
    let mut challenge = format!("Bearer realm=\"fake\", error=\"{error}\"");
    if let Some(scope) = scope {
        challenge.push_str(&format!(", scope=\"{scope}\""));
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .insert_header(("WWW-Authenticate", challenge))
        .json(serde_json::json!({ "error": error, "error_description": format!("the fake says {error}") }))
}

fn guarded(
    request: &HttpRequest,
    body: &serde_json::Value,
    world: &mut World,
    needed: &str,
) -> Result<(), Box<HttpResponse>> {
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    world.resource_calls.push(SeenResourceCall {
        path: request.path().to_owned(),
        query: request.query_string().to_owned(),
        authorization: authorization.clone(),
        body: body.clone(),
    });
    let token = authorization
        .as_deref()
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| Box::new(bearer_refusal(401, "invalid_token", None)))?;
    let scope = world
        .access_tokens
        .get(token)
        .ok_or_else(|| Box::new(bearer_refusal(401, "invalid_token", None)))?;
    if !scope.split(' ').any(|s| s == needed) {
        return Err(Box::new(bearer_refusal(
            403,
            "insufficient_scope",
            Some(needed),
        )));
    }
    Ok(())
}

async fn posts(
    request: HttpRequest,
    body: web::Json<serde_json::Value>,
    world: web::Data<SharedWorld>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refusal) = guarded(&request, &body, &mut world, "post") {
        return *refusal;
    }
    let message = body
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    if message.is_empty() || message.chars().count() > 5000 {
        return bearer_refusal(400, "invalid_request", None);
    }
    HttpResponse::Created().json(serde_json::json!({
        "id": format!("post-{}", world.resource_calls.len()),
        "author": "hamza",
        "message": message,
        "client_id": "strava",
        "created_at": 0,
    }))
}

async fn messages(
    request: HttpRequest,
    body: web::Json<serde_json::Value>,
    world: web::Data<SharedWorld>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refusal) = guarded(&request, &body, &mut world, "personal-message") {
        return *refusal;
    }
    HttpResponse::Created().json(serde_json::json!({ "id": "message-1" }))
}
