//! `GET /callback`: the authorization response (RFC 6749 §4.1.2) and the
//! token request (§4.1.3).
//!
//! Checks, in order, and each failure gets its own page; nothing is stored
//! unless every check passes:
//! 0. a browser that started on another loopback name of this server is
//!    first sent back there, where its session cookie lives;
//! 1. the browser has a session (the request must be ours);
//! 2. `state` is present and redeems, once, an authorization request of
//!    *this* session (RFC 6749 §10.12, security rule 25);
//! 3. `iss`, when present, is the configured issuer, and is present when
//!    the server promised it (RFC 9207 §2.4, security rule 27);
//! 4. no `error` (RFC 6749 §4.1.2.1);
//! 5. the code and the stored PKCE verifier buy tokens (RFC 7636 §4.5).
//!
//! Steps 0 to 4 are the same whatever the request was for; then its
//! [`Purpose`] decides. Connecting Facebook: the tokens go to the database
//! only (security rule 28), owned by the browser or the signed-in person,
//! and the session gets a new id (no session fixation). Signing in: the ID
//! token is validated and the person signed in
//! ([`crate::routes::sign_in_callback`]).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use oauth_types::params::UniqueParams;
use oauth_types::secret::{AuthorizationCode, CredentialHash};
use oauth_types::{OAuthErrorCode, ScopeSet};

use crate::connection::expires_at;
use crate::discovery::{DiscoveryError, Document, Endpoints};
use crate::dpop::{self, DpopKey, TokenType};
use crate::notice::Notice;
use crate::oauth::{self, Exchange, Recorder, TokenError};
use crate::openid::id_token::IdTokenError;
use crate::openid::jwks::KeysError;
use crate::origin;
use crate::pages::{html, ProblemPage};
use crate::routes::connect::authorization_server_unavailable;
use crate::routes::errors::{store_failure, store_status, unexpected_problem};
use crate::routes::see_other;
use crate::routes::sign_in_callback;
use crate::session::{self, Session};
use crate::state::AppState;
use crate::store;
use crate::store::authorization_requests::{PendingRequest, Purpose};
use crate::store::connections::Connection;
use crate::trace::{self, Step};

/// Why the flow did not finish.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the query string cannot be read")]
    Unreadable,
    #[error("a parameter is repeated")]
    RepeatedParameter(String),
    #[error("no session")]
    NoSession,
    #[error("no state")]
    MissingState,
    #[error("state mismatch")]
    StateMismatch,
    #[error("iss mismatch")]
    IssuerMismatch { expected: String, found: String },
    #[error("iss missing")]
    IssuerMissing { expected: String },
    #[error("authorization error {error}")]
    Authorization {
        error: String,
        description: Option<String>,
    },
    #[error("no code")]
    MissingCode,
    #[error("the exchange failed: {0}")]
    Exchange(TokenError),
    #[error("the provider's keys cannot be read: {0}")]
    Keys(KeysError),
    #[error("the ID token was refused: {0}")]
    IdToken(IdTokenError),
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for CallbackError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Authorization { error, .. } => match OAuthErrorCode::parse(error) {
                Some(OAuthErrorCode::ServerError) => StatusCode::BAD_GATEWAY,
                Some(OAuthErrorCode::TemporarilyUnavailable) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            },
            Self::Exchange(TokenError::Refused { .. }) => StatusCode::BAD_REQUEST,
            Self::Exchange(_) | Self::Keys(_) => StatusCode::BAD_GATEWAY,
            Self::Discovery(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(error) => store_status(error),
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Store(error) = self {
            return store_failure(error, "finishing a connection");
        }
        html(self.status_code(), &self.page())
    }
}

const START_AGAIN: &str =
    "Nothing was stored. If you were connecting Facebook, start again from Strava.";

impl CallbackError {
    fn page(&self) -> ProblemPage {
        let connect_again = |page: ProblemPage| page.with_next("/connect", "Connect again");
        match self {
            Self::Unreadable | Self::RepeatedParameter(_) => ProblemPage::new(
                "The authorization server's answer cannot be read",
                "The answer's parameters are malformed or repeated (RFC 6749 §3.1 forbids repeats), so it was ignored.",
                START_AGAIN,
            ),
            Self::NoSession => ProblemPage::new(
                "This answer does not belong to a connection started here",
                "Your browser has no Strava session, so this authorization response cannot be matched to a request you made.",
                START_AGAIN,
            ),
            Self::MissingState => connect_again(ProblemPage::new(
                "The answer carries no state",
                "Without state Strava cannot tell whether you started this connection (RFC 6749 §10.12), so the answer was ignored.",
                START_AGAIN,
            )),
            Self::StateMismatch => connect_again(ProblemPage::new(
                "The state does not match",
                "The state in the answer does not belong to a connection you started from this browser: it is unknown, already used, or expired. This is what a cross-site request forgery looks like, so the answer was ignored.",
                START_AGAIN,
            )),
            Self::IssuerMismatch { expected, found } => connect_again(ProblemPage::new(
                "The answer comes from another authorization server",
                format!("The answer says it was issued by '{found}', but Strava sent you to '{expected}'. This is how a mix-up attack looks (RFC 9207), so the answer was ignored."),
                START_AGAIN,
            )),
            Self::IssuerMissing { expected } => connect_again(ProblemPage::new(
                "The answer does not name its issuer",
                format!("'{expected}' promises to name itself in every answer (RFC 9207), but this one does not, so it was ignored."),
                START_AGAIN,
            )),
            Self::Authorization { error, description } => authorization_error_page(error, description.as_deref()),
            Self::MissingCode => connect_again(ProblemPage::new(
                "The answer carries no code",
                "The authorization server sent you back without an authorization code or an error.",
                START_AGAIN,
            )),
            Self::Exchange(error) => connect_again(exchange_failure_page(error)),
            Self::Keys(error) => ProblemPage::new(
                "Strava cannot check who you are",
                format!("To check the ID token the OpenID Provider sent, Strava needs its public keys, but {error}."),
                "Nothing was stored and you are not signed in. Try again in a moment.",
            )
            .with_next("/signin", "Sign in again"),
            Self::IdToken(error) => ProblemPage::new(
                "The ID token was refused",
                format!("The OpenID Provider answered with an ID token that does not pass OpenID Connect Core §3.1.3.7: {error}. It may be forged, replayed or meant for another application, so it was not believed."),
                "Nothing was stored and you are not signed in. Try again; if it persists, tell whoever runs Strava.",
            )
            .with_next("/signin", "Sign in again"),
            Self::Discovery(error) => authorization_server_unavailable(error, Purpose::Connect),
            // Answered by `store_failure` above.
            Self::Store(_) => unexpected_problem(),
        }
    }
}

/// RFC 6749 §4.1.2.1: what each error code means for the user.
fn authorization_error_page(error: &str, description: Option<&str>) -> ProblemPage {
    use OAuthErrorCode as Code;
    let (title, happened, to_do) = match OAuthErrorCode::parse(error) {
        Some(Code::AccessDenied) => (
            "You did not connect Facebook",
            "Access was denied at the authorization server: the consent was declined, so Strava may not post for you.",
            "Nothing was shared and nothing was stored. You can connect whenever you like.",
        ),
        Some(Code::InvalidScope) => (
            "Strava asked for a scope it may not have",
            "The authorization server refused the scopes Strava asked for (invalid_scope).",
            "Nothing was stored. Connect again with the default scopes; if it persists, Strava's --scope setting does not match its registration.",
        ),
        Some(Code::ServerError) => (
            "The authorization server had a problem",
            "The authorization server met an unexpected error (server_error) and could not finish.",
            "Nothing was stored. Try again in a moment.",
        ),
        Some(Code::TemporarilyUnavailable) => (
            "The authorization server is busy",
            "The authorization server is temporarily unable to handle the request (temporarily_unavailable).",
            "Nothing was stored. Try again in a few minutes.",
        ),
        Some(
            Code::UnauthorizedClient
            | Code::UnsupportedResponseType
            | Code::InvalidRequest
            | Code::InvalidTarget,
        ) => (
            "The authorization server refused Strava's request",
            "The authorization server refused the request Strava sent you with, which points to a misconfiguration of Strava or of its registration.",
            "Nothing was stored. Try again; if it persists, tell Strava's operator.",
        ),
        _ => (
            "The authorization server refused",
            "The authorization server answered with an error instead of a code.",
            "Nothing was stored. Try again.",
        ),
    };
    let detail = match description {
        Some(description) => format!("{happened} It said: {error}: “{description}”."),
        None => format!("{happened} It said: {error}."),
    };
    ProblemPage::new(title, detail, to_do).with_next("/connect", "Connect again")
}

fn exchange_failure_page(error: &TokenError) -> ProblemPage {
    let happened = match error {
        TokenError::Refused { error, description } => format!(
            "The authorization server refused to exchange the authorization code for tokens ({error}{}). Codes are single use and expire within a minute.",
            description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
        ),
        TokenError::Unreachable => "The authorization server could not be reached to exchange the code for tokens.".to_owned(),
        TokenError::Malformed | TokenError::NoRevocationEndpoint => "The authorization server's answer to the token request was not a valid token response.".to_owned(),
    };
    ProblemPage::new("Connecting Facebook failed", happened, START_AGAIN)
}

pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CallbackError> {
    let now = state.clock.now();
    let pool = state.pool();
    let params = parse_params(request.query_string())?;
    if let Some(started_at) = started_on_a_loopback_alias(&request, &params, pool, now).await? {
        let back = format!("{started_at}/callback?{}", request.query_string());
        return Ok(see_other(&back));
    }
    // 1 and 2: our session, and a state it issued, spent now.
    let session = session::current(&request, pool, &state.settings, now)
        .await?
        .ok_or(CallbackError::NoSession)?;
    let state_param = params.get("state").ok_or(CallbackError::MissingState)?;
    let pending = store::authorization_requests::redeem(
        pool,
        &CredentialHash::of(state_param),
        &session.id_hash,
        now,
    )
    .await?
    .ok_or(CallbackError::StateMismatch)?;
    let record = |step: Step| store::trace::append(pool, &session.id_hash, step, now);
    record(callback_step(request.query_string())).await?;

    // 3: the answer comes from the server we sent the browser to.
    let document = match pending.purpose {
        Purpose::Connect => Document::OAuthAuthorizationServer,
        Purpose::SignIn => Document::OpenIdConfiguration,
    };
    let endpoints = state
        .discovery
        .endpoints_preferring(document, &state.settings, &state.http)
        .await?;
    check_issuer(params.get("iss"), &endpoints)?;
    record(checks_step(params.get("iss"), &endpoints.issuer)).await?;

    // 4: an error answer ends here.
    if let Some(error) = params.get("error") {
        return Err(CallbackError::Authorization {
            error: error.to_owned(),
            description: params.get("error_description").map(str::to_owned),
        });
    }
    let code = AuthorizationCode::new(params.get("code").ok_or(CallbackError::MissingCode)?);
    let answer = Answer {
        state: &state,
        session: &session,
        pending,
        endpoints: &endpoints,
        code: &code,
        now,
    };
    match answer.pending.purpose {
        Purpose::Connect => finish_connecting(answer).await,
        Purpose::SignIn => sign_in_callback::finish(answer).await,
    }
}

/// A checked authorization response (steps 0 to 4), ready to be finished.
pub struct Answer<'a> {
    pub state: &'a AppState,
    pub session: &'a Session,
    pub pending: PendingRequest,
    pub endpoints: &'a Endpoints,
    pub code: &'a AuthorizationCode,
    pub now: i64,
}

/// 5 for `/connect`: code + verifier → tokens, kept for the owner.
async fn finish_connecting(answer: Answer<'_>) -> Result<HttpResponse, CallbackError> {
    let Answer {
        state,
        session,
        pending,
        endpoints,
        code,
        now,
    } = answer;
    let pool = state.pool();
    let recorder = Recorder::new(&state.http);
    let dpop_key = pending.dpop_key.map(Arc::new);
    let prover = dpop_key.as_deref().map(|key| dpop::Prover {
        key,
        nonces: &state.dpop_nonces,
        now,
    });
    let result = oauth::exchange_code(
        &state.settings,
        endpoints,
        &recorder,
        prover.as_ref(),
        code,
        pending.code_verifier,
    )
    .await;
    for exchange in recorder.take() {
        let authentication = state.settings.client_authentication();
        let step = exchange_step(exchange, authentication, dpop_key.is_some());
        store::trace::append(pool, &session.id_hash, step, now).await?;
    }
    let tokens = result.map_err(CallbackError::Exchange)?;
    if let Some(key) = &dpop_key {
        let step = binding_step(key, tokens.token_type, &tokens.access_token);
        store::trace::append(pool, &session.id_hash, step, now).await?;
    }

    // RFC 6749 §5.1: no scope in the answer means the requested one.
    let granted = tokens
        .scope
        .clone()
        .unwrap_or_else(|| pending.scope.clone());
    let connection = Connection {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: expires_at(tokens.expires_in, now),
        scope: granted.clone(),
        dpop_key,
        token_type: tokens.token_type,
    };
    store::connections::upsert(pool, &session.owner(), &connection, now).await?;
    let (session, cookie) = session::renew(pool, session, &state.settings, now).await?;
    let notice = connected_notice(&pending.scope, &granted);
    store::sessions::set_notice(pool, &session.id_hash, &notice.to_json()).await?;
    Ok(session::with_cookie(see_other("/"), cookie))
}

/// RFC 9207 §2.4: `iss` must be the issuer; when the server promises `iss`
/// (its metadata says so), an answer without it is refused too.
fn check_issuer(iss: Option<&str>, endpoints: &Endpoints) -> Result<(), CallbackError> {
    match iss {
        Some(iss) if iss != endpoints.issuer => Err(CallbackError::IssuerMismatch {
            expected: endpoints.issuer.clone(),
            found: iss.to_owned(),
        }),
        None if endpoints.iss_parameter_supported => Err(CallbackError::IssuerMissing {
            expected: endpoints.issuer.clone(),
        }),
        _ => Ok(()),
    }
}

/// What the home page says once connected, naming the scopes the user did
/// not approve (RFC 6749 §3.3: the server may grant less than asked).
fn connected_notice(requested: &ScopeSet, granted: &ScopeSet) -> Notice {
    let mut text = format!("Strava may now act for you with the scopes: {granted}.");
    let refused: Vec<&str> = requested
        .iter()
        .filter(|wanted| !granted.contains(wanted))
        .map(|wanted| wanted.as_str())
        .collect();
    if !refused.is_empty() {
        text.push_str(&format!(
            " You did not allow: {}; what needs it will be refused.",
            refused.join(" ")
        ));
    }
    Notice::success("Facebook is connected", text)
}

fn exchange_step(exchange: Exchange, authentication: &str, dpop: bool) -> Step {
    let exchange_text = format!("Server to server, Strava authenticates with {authentication} and proves with the PKCE code_verifier that it is the one that started the flow; the answer carries the tokens, which stay in Strava's database.");
    let (rfc, explanation) = if dpop {
        (
            "RFC 6749 §4.1.3, §5.1; RFC 7636 §4.5; RFC 9449 §5",
            format!("{exchange_text} The DPoP header is a proof signed by the connection's key for this very request (POST to the token endpoint, a fresh jti), so the tokens are bound to that key; a server that asks for a nonce (use_dpop_nonce) gets the request once more with it."),
        )
    } else {
        ("RFC 6749 §4.1.3, §5.1; RFC 7636 §4.5", exchange_text)
    };
    Step::new("Exchange the code for tokens", rfc, &explanation)
        .request(exchange.request)
        .response(exchange.response)
}

/// RFC 9449 §6: what the token answer bound to the connection's key.
pub fn binding_step(
    key: &DpopKey,
    token_type: TokenType,
    access_token: &oauth_types::secret::AccessToken,
) -> Step {
    Step::new(
        "The tokens are bound to Strava's key",
        "RFC 9449 §5, §6",
        "The authorization server checked the proof and bound the access token to the proof's public key: its RFC 7638 thumbprint is the token's cnf.jkt. A copy of the token is now useless without Strava's private key, which never leaves Strava's database.",
    )
    .response(dpop::shown::describe_binding(key, token_type, access_token))
}

/// When the flow of this `state` started on another loopback name of this
/// server (`127.0.0.1` vs `localhost`), the origin to send the browser back
/// to, where its session cookie lives (see [`crate::origin`]). Nothing is
/// consumed here; the state is checked against the session over there.
async fn started_on_a_loopback_alias(
    request: &HttpRequest,
    params: &UniqueParams,
    pool: &sqlx::AnyPool,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let (Some(state), Some(here)) = (params.get("state"), origin::of_request(request)) else {
        return Ok(None);
    };
    let started =
        store::authorization_requests::browser_origin(pool, &CredentialHash::of(state), now)
            .await?
            .and_then(|text| url::Url::parse(&text).ok());
    Ok(started
        .filter(|started| origin::are_loopback_aliases(started, &here))
        .map(|started| origin::serialize(&started)))
}

/// The query as RFC 6749 §3.1 wants it: each parameter at most once.
fn parse_params(query: &str) -> Result<UniqueParams, CallbackError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| CallbackError::Unreadable)?;
    UniqueParams::from_pairs(pairs).map_err(|error| match error {
        oauth_types::params::ParamsError::Repeated(name) => CallbackError::RepeatedParameter(name),
    })
}

fn callback_step(query: &str) -> Step {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    Step::new(
        "The browser comes back with the authorization response",
        "RFC 6749 §4.1.2, RFC 9207 §2",
        "The authorization server redirected your browser to Strava's redirect_uri with a short-lived, single-use code (or an error), the state Strava sent, and iss naming the server.",
    )
    .request(format!(
        "GET /callback?\n{}",
        trace::describe_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    ))
}

fn checks_step(iss: Option<&str>, issuer: &str) -> Step {
    let iss = match iss {
        Some(iss) => format!("iss = {iss}: the configured issuer"),
        None => "iss absent: the server does not promise it".to_owned(),
    };
    Step::new(
        "Check state and iss",
        "RFC 6749 §10.12, RFC 9207 §2.4",
        "The state matched the one stored for this browser session and is now used up (no cross-site request forgery, no replay); iss shows the answer comes from the server Strava sent you to (no mix-up).",
    )
    .response(format!("state: matches this session's request, marked used\n{iss}\nexpected issuer: {issuer}"))
}
