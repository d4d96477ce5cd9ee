//! `GET /connect`: the first hop of the authorization code flow
//! (RFC 6749 §4.1.1).
//!
//! A fresh `state` (RFC 6749 §10.12) and PKCE verifier (RFC 7636 §4.1) are
//! stored server-side, bound to the browser session; the browser is sent to
//! the authorization endpoint with `response_type=code`, `client_id`,
//! `redirect_uri`, `scope`, `state`, `code_challenge` and
//! `code_challenge_method=S256`. `?scope=…` asks for more scopes on top of
//! the configured ones (incremental authorization). When the connection
//! will use DPoP (RFC 9449), its key pair is made here, kept with the
//! request, and its thumbprint sent as `dpop_jkt` (§10). When the server
//! takes pushed authorization requests (RFC 9126), the parameters are
//! pushed first and the browser carries only their `request_uri`
//! ([`crate::pushed_authorization`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use oauth_types::secret::CredentialHash;
use oauth_types::ScopeSet;
use serde::Deserialize;

use crate::discovery::{DiscoveryError, Endpoints};
use crate::dpop::{self, BadDpopKey, DpopKey};
use crate::oauth::{self, TokenError};
use crate::origin;
use crate::pages::{html, ProblemPage};
use crate::pushed_authorization::{self, FrontChannel};
use crate::routes::errors::{store_failure, store_status, unexpected_problem};
use crate::routes::see_other;
use crate::session;
use crate::state::AppState;
use crate::store;
use crate::store::authorization_requests::{NewRequest, Purpose};
use crate::trace::{self, Step};

/// How long the user has to come back through `/callback`.
const AUTHORIZATION_REQUEST_LIFETIME: i64 = 600;

#[derive(Debug, Deserialize)]
pub struct ConnectQuery {
    /// Extra scopes, space-separated.
    scope: Option<String>,
}

/// Why the flow could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the scope parameter is not a valid scope list")]
    BadScope,
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("no DPoP key pair could be made")]
    DpopKey(#[from] BadDpopKey),
    /// RFC 9126 §2.3: the pushed authorization request was refused.
    #[error(transparent)]
    Pushed(#[from] TokenError),
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for ConnectError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadScope => StatusCode::BAD_REQUEST,
            Self::DpopKey(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // Not a passing failure: the resource names a server we were
            // not told to trust.
            Self::Discovery(DiscoveryError::UntrustedIssuer { .. }) => StatusCode::BAD_GATEWAY,
            Self::Discovery(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Pushed(error) => pushed_request_status(error),
            Self::Store(error) => store_status(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Store(error) = self {
            return store_failure(error, "starting a connection");
        }
        let page = match self {
            Self::BadScope => ProblemPage::new(
                "That scope is not valid",
                "The scope asked for is not a list of RFC 6749 §3.3 scope tokens.",
                "Connect with the button on the home page.",
            ),
            Self::Discovery(error) => authorization_server_unavailable(error, Purpose::Connect),
            Self::Pushed(error) => pushed_request_refused(error, Purpose::Connect),
            Self::DpopKey(error) => {
                tracing::error!(%error, "cannot make a DPoP key pair");
                unexpected_problem()
            }
            // Answered by `store_failure` above.
            Self::Store(_) => unexpected_problem(),
        };
        html(self.status_code(), &page)
    }
}

/// The page for "we cannot find or reach the authorization server": what
/// failed, at the resource's RFC 9728 metadata or at the authorization
/// server's RFC 8414 metadata (or OpenID Connect Discovery document).
pub fn authorization_server_unavailable(error: &DiscoveryError, purpose: Purpose) -> ProblemPage {
    let (goal, retry) = match purpose {
        Purpose::Connect => ("connect Facebook", "/connect"),
        Purpose::SignIn => ("sign you in", "/signin"),
    };
    tracing::warn!(%error, "the authorization server's metadata is not available");
    let page = match error {
        DiscoveryError::ResourceMismatch { expected, found } => ProblemPage::new(
            "Facebook's metadata describes another resource",
            format!(
                "Strava asked the API at {expected} which authorization server guards it (RFC 9728), but the metadata it got describes another resource, '{found}'. RFC 9728 §3.3 forbids using such a document, so nothing in it was trusted and you were not sent anywhere."
            ),
            "Nothing was changed. The resource or Strava's --resource-url is misconfigured; tell whoever runs them.",
        ),
        DiscoveryError::ResourceMetadataElsewhere { .. } => ProblemPage::new(
            "Facebook pointed Strava to another site",
            format!(
                "To find its authorization server, Strava asked Facebook's API, but {error}. Strava only reads a resource's metadata on the resource's own origin, so nothing was fetched there and nothing was trusted."
            ),
            "Nothing was changed. The resource is misconfigured (or not the one it claims to be); tell whoever runs it.",
        ),
        DiscoveryError::UntrustedIssuer { named } => {
            return ProblemPage::new(
                "Facebook names an authorization server Strava does not trust",
                format!(
                    "With --issuer auto, Strava asks Facebook's API which authorization server guards it (RFC 9728). It named {}, and none of them is one Strava was configured to trust (--trusted-issuer). Strava did not send you there, and sends its credentials to no server it does not trust.",
                    named.join(", ")
                ),
                "Nothing was changed. If that server is genuine, whoever runs Strava can add it with --trusted-issuer.",
            )
            .with_next("/", "Back to Strava");
        }
        other if other.is_about_the_resource() => ProblemPage::new(
            "Strava cannot find Facebook's authorization server",
            format!(
                "With --issuer auto, Strava learns which authorization server guards Facebook from the resource's own metadata (RFC 9728), but {error}."
            ),
            "Nothing was changed. Try again in a moment; if it persists, the resource is down or misconfigured.",
        ),
        _ => ProblemPage::new(
            "The authorization server cannot be reached",
            format!(
                "Strava needs the authorization server's metadata (RFC 8414 or OpenID Connect Discovery) to {goal}, but {error}."
            ),
            "Nothing was changed. Try again in a moment; if it persists, the authorization server is down or misconfigured.",
        ),
    };
    page.with_next(retry, "Try again")
}

pub async fn get(
    request: HttpRequest,
    query: web::Query<ConnectQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ConnectError> {
    let extra = ScopeSet::parse(query.scope.as_deref().unwrap_or_default())
        .map_err(|_| ConnectError::BadScope)?;
    let scope = state.settings.scope.union(&extra);
    let endpoints = state
        .discovery
        .fresh_endpoints(&state.settings, &state.http)
        .await?;
    // RFC 9449: one key pair per connection, made now.
    let dpop_key = dpop::offered(&state.settings, &endpoints)
        .then(DpopKey::generate)
        .transpose()?;
    let dpop_jkt = dpop_key.as_ref().map(DpopKey::thumbprint).transpose()?;
    let authorization =
        oauth::authorization_request(&state.settings, &endpoints, &scope, dpop_jkt.as_ref());
    let front_channel = pushed_authorization::front_channel(
        &state.settings,
        &endpoints,
        &state.http,
        &authorization.url,
        authorization_request_step(&authorization.url, dpop_key.is_some()),
    )
    .await?;
    let outgoing = Outgoing {
        purpose: Purpose::Connect,
        front_channel,
        state: &authorization.state,
        code_verifier: &authorization.code_verifier,
        scope: &scope,
        nonce: None,
        dpop_key: dpop_key.as_ref(),
    };
    Ok(send_the_browser(&request, &state, &endpoints, outgoing).await?)
}

/// An authorization request about to leave, connecting or signing in.
pub struct Outgoing<'a> {
    pub purpose: Purpose,
    /// Where the browser goes (the authorization endpoint with every
    /// parameter, or only a pushed request's `request_uri`), and the steps
    /// the behind-the-scenes page shows for it.
    pub front_channel: FrontChannel,
    pub state: &'a str,
    pub code_verifier: &'a str,
    pub scope: &'a ScopeSet,
    /// A sign-in's `nonce` (OpenID Connect Core §3.1.2.1).
    pub nonce: Option<&'a str>,
    /// A connection's DPoP key pair (RFC 9449), kept with the request.
    pub dpop_key: Option<&'a DpopKey>,
}

/// What `/connect` and `/signin` share: the request is stored, bound to
/// the browser session (`state` and `nonce` hashed, the verifier kept
/// here), the trace starts afresh with how the server was found, and the
/// browser is sent to the authorization endpoint.
pub async fn send_the_browser(
    request: &HttpRequest,
    state: &AppState,
    endpoints: &Endpoints,
    outgoing: Outgoing<'_>,
) -> Result<HttpResponse, sqlx::Error> {
    let now = state.clock.now();
    let pool = state.pool();
    let (session, cookie) = session::current_or_new(request, pool, &state.settings, now).await?;
    store::authorization_requests::delete_stale(pool, now).await?;
    let browser_origin = origin::of_request(request)
        .map(|used| origin::serialize(&used))
        .unwrap_or_default();
    let nonce_hash = outgoing.nonce.map(CredentialHash::of);
    store::authorization_requests::insert(
        pool,
        &NewRequest {
            purpose: outgoing.purpose,
            state_hash: &CredentialHash::of(outgoing.state),
            session: &session.id_hash,
            code_verifier: outgoing.code_verifier,
            scope: outgoing.scope,
            browser_origin: &browser_origin,
            nonce_hash: nonce_hash.as_ref(),
            dpop_key: outgoing.dpop_key,
            expires_at: now + AUTHORIZATION_REQUEST_LIFETIME,
        },
        now,
    )
    .await?;

    store::trace::clear(pool, &session.id_hash).await?;
    // How the authorization server was found (RFC 9728 with --issuer auto,
    // then its metadata), then the authorization request itself.
    let FrontChannel { url, steps } = outgoing.front_channel;
    for step in endpoints.steps.iter().cloned().chain(steps) {
        store::trace::append(pool, &session.id_hash, step, now).await?;
    }
    Ok(session::with_cookie(see_other(url.as_str()), cookie))
}

/// RFC 9126 §2.3: a refused push is the server's answer to this client,
/// not to the person; a server that cannot be reached may come back.
pub fn pushed_request_status(error: &TokenError) -> StatusCode {
    match error {
        TokenError::Unreachable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// The page for a pushed authorization request the server did not take.
pub fn pushed_request_refused(error: &TokenError, purpose: Purpose) -> ProblemPage {
    let (goal, retry) = match purpose {
        Purpose::Connect => ("connect Facebook", "/connect"),
        Purpose::SignIn => ("sign you in", "/signin"),
    };
    tracing::warn!(%error, "the pushed authorization request failed");
    let detail = match error {
        TokenError::Refused { error, description } => format!(
            "it answered {error}{}",
            description
                .as_deref()
                .map(|text| format!(" ({text})"))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    };
    ProblemPage::new(
        "The authorization server did not accept Strava's request",
        format!(
            "To {goal}, Strava first sends its authorization request to the authorization server directly (a pushed authorization request, RFC 9126), but {detail}. You were not sent anywhere."
        ),
        "Nothing was changed. Try again in a moment; if it persists, Strava or the authorization server is misconfigured.",
    )
    .with_next(retry, "Try again")
}

fn authorization_request_step(url: &url::Url, dpop: bool) -> Step {
    let (rfc, explanation) = if dpop {
        (
            "RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 9449 §10",
            "The browser carries the request: a fresh random state (kept in Strava's database, bound to your session, single use), the S256 code_challenge of a verifier that never leaves Strava's server, and dpop_jkt: the thumbprint of a key pair Strava just made for this connection, so that only a proof signed by that key can redeem the code. The private key stays in Strava's database.",
        )
    } else {
        (
            "RFC 6749 §4.1.1, RFC 7636 §4.3",
            "The browser carries the request: a fresh random state (kept in Strava's database, bound to your session, single use) and the S256 code_challenge of a verifier that never leaves Strava's server.",
        )
    };
    Step::new(
        "Send the browser to the authorization endpoint",
        rfc,
        explanation,
    )
    .request(format!(
        "303 See Other\nLocation: {}",
        trace::describe_url(url)
    ))
}
