//! `GET /signin`: the first hop of an OpenID Connect sign-in (Core
//! §3.1.2.1): `scope=openid profile`, a fresh `state`, `nonce` and PKCE
//! S256 challenge, bound to this browser session. The endpoints come from
//! the provider's OpenID Connect Discovery document (RFC 8414 metadata when
//! it has none), read afresh; pushed first when the provider takes pushed
//! authorization requests (RFC 9126). `/callback` finishes it
//! ([`crate::routes::sign_in_callback`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use oauth_types::ScopeSet;

use crate::discovery::{DiscoveryError, Document};
use crate::oauth::TokenError;
use crate::openid::sign_in::{self, BadIssuer};
use crate::openid::SIGN_IN_SCOPE;
use crate::pages::{html, ProblemPage};
use crate::pushed_authorization;
use crate::routes::connect::{
    authorization_server_unavailable, pushed_request_refused, pushed_request_status,
    send_the_browser, Outgoing,
};
use crate::routes::errors::{store_failure, store_status, unexpected_problem};
use crate::state::AppState;
use crate::store::authorization_requests::Purpose;
use crate::trace::{self, Step};

/// Why the sign-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    BadIssuer(#[from] BadIssuer),
    /// RFC 9126 §2.3: the pushed authorization request was refused.
    #[error(transparent)]
    Pushed(#[from] TokenError),
    #[error("database error")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for SignInError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Discovery(DiscoveryError::UntrustedIssuer { .. }) | Self::BadIssuer(_) => {
                StatusCode::BAD_GATEWAY
            }
            Self::Discovery(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Pushed(error) => pushed_request_status(error),
            Self::Store(error) => store_status(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Store(error) = self {
            return store_failure(error, "starting a sign-in");
        }
        let page = match self {
            Self::Discovery(error) => authorization_server_unavailable(error, Purpose::SignIn),
            Self::BadIssuer(error) => ProblemPage::new(
                "Strava cannot sign you in",
                format!("The provider's metadata cannot be used: {error}."),
                "Nothing was changed. Tell whoever runs Strava.",
            ),
            Self::Pushed(error) => pushed_request_refused(error, Purpose::SignIn),
            // Answered by `store_failure` above.
            Self::Store(_) => unexpected_problem(),
        };
        html(self.status_code(), &page)
    }
}

pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, SignInError> {
    let endpoints = state
        .discovery
        .fresh_endpoints_preferring(Document::OpenIdConfiguration, &state.settings, &state.http)
        .await?;
    let authentication = sign_in::authentication_request(&state.settings, &endpoints)?;
    let scope = ScopeSet::parse(SIGN_IN_SCOPE).unwrap_or_default();
    let front_channel = pushed_authorization::front_channel(
        &state.settings,
        &endpoints,
        &state.http,
        &authentication.url,
        authentication_request_step(&authentication.url),
    )
    .await?;
    let outgoing = Outgoing {
        purpose: Purpose::SignIn,
        front_channel,
        state: &authentication.state,
        code_verifier: &authentication.code_verifier,
        scope: &scope,
        nonce: Some(&authentication.nonce),
        dpop_key: None,
    };
    Ok(send_the_browser(&request, &state, &endpoints, outgoing).await?)
}

fn authentication_request_step(url: &url::Url) -> Step {
    Step::new(
        "Send the browser to sign in at the OpenID Provider",
        "OpenID Connect Core §3.1.2.1, RFC 7636 §4.3",
        "An authentication request: scope openid makes it OpenID Connect, profile asks for your name; a fresh state and nonce (kept in Strava's database, bound to your session, single use) and the S256 code_challenge of a verifier that never leaves Strava's server. The ID token must carry the nonce back.",
    )
    .request(format!("303 See Other\nLocation: {}", trace::describe_url(url)))
}
