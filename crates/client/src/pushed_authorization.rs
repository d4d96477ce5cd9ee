//! Pushed authorization requests (RFC 9126), from the client's side.
//!
//! ```text
//!  browser          client (this)                  authorization server
//!     | GET /connect     |                                   |
//!     |                  |-- POST par endpoint (§2.1) ------>|
//!     |                  |   every authorization parameter,  |
//!     |                  |   client_secret_basic             |
//!     |                  |<-- 201 request_uri, expires_in ---|
//!     |<-- 303 to authorization_endpoint?client_id&request_uri (§4)
//! ```
//!
//! When the authorization server names a
//! `pushed_authorization_request_endpoint` (and `--no-par` was not given),
//! the request no longer travels through the browser, where it could be
//! changed, or leak through history, logs and `Referer`. The `oauth2`
//! crate builds authorization URLs but does not push them, so [`push`]
//! takes the URL it built, moves its query parameters into the form, and
//! posts it authenticated as the token requests are, through the same
//! recording client.

use oauth_types::pushed_authorization::PushedAuthorizationResponse;
use url::Url;

use crate::config::Settings;
use crate::discovery::Endpoints;
use crate::oauth::{self, Recorder, TokenError};
use crate::trace::{self, Step};

/// Where the browser goes for an authorization request, and how the
/// behind-the-scenes page tells it.
pub struct FrontChannel {
    pub url: Url,
    pub steps: Vec<Step>,
}

/// The pushed authorization request endpoint, if requests are pushed.
pub fn endpoint<'e>(settings: &Settings, endpoints: &'e Endpoints) -> Option<&'e Url> {
    endpoints
        .pushed_authorization_request_endpoint
        .as_ref()
        .filter(|_| settings.par)
}

/// The front channel of the request `authorization_url` (built by the
/// `oauth2` crate): pushed first when the server offers it, the browser
/// then carrying only `client_id` and `request_uri`; else the URL itself,
/// shown as `direct`.
pub async fn front_channel(
    settings: &Settings,
    endpoints: &Endpoints,
    http: &reqwest::Client,
    authorization_url: &Url,
    direct: Step,
) -> Result<FrontChannel, TokenError> {
    let Some(par_endpoint) = endpoint(settings, endpoints) else {
        return Ok(FrontChannel {
            url: authorization_url.clone(),
            steps: vec![direct],
        });
    };
    let recorder = Recorder::new(http);
    let pushed = push(
        settings,
        endpoints,
        &recorder,
        par_endpoint,
        authorization_url,
    )
    .await;
    let mut steps: Vec<Step> = recorder
        .take()
        .into_iter()
        .map(|exchange| push_step(exchange, &direct.rfc, settings.client_authentication()))
        .collect();
    let answer = pushed?;
    let url = browser_url(endpoints, &settings.client_id, &answer.request_uri);
    steps.push(browser_step(&url));
    Ok(FrontChannel { url, steps })
}

/// RFC 9126 §2.1: posts the parameters of `authorization_url` to
/// `par_endpoint`; the §2.2 answer.
pub async fn push(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    par_endpoint: &Url,
    authorization_url: &Url,
) -> Result<PushedAuthorizationResponse, TokenError> {
    let params: Vec<_> = authorization_url.query_pairs().collect();
    let response =
        oauth::post_authenticated(settings, endpoints, recorder, par_endpoint, &params).await?;
    if !response.status().is_success() {
        return Err(oauth::refusal(&response));
    }
    serde_json::from_slice(response.body()).map_err(|_| TokenError::Malformed)
}

/// RFC 9126 §4: the authorization endpoint with `client_id` and
/// `request_uri` only.
fn browser_url(endpoints: &Endpoints, client_id: &str, request_uri: &str) -> Url {
    let mut url = endpoints.authorization_endpoint.clone();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri);
    url
}

/// The push of a request whose parameters follow `request_rfc`.
fn push_step(exchange: oauth::Exchange, request_rfc: &str, authentication: &str) -> Step {
    Step::new(
        "Push the authorization request",
        &format!("RFC 9126 §2; the request: {request_rfc}"),
        &format!("Before the browser is involved, Strava posts the whole authorization request to the authorization server, authenticated with {authentication}. The server checks it now and answers a request_uri that stands for it, once, for a short while. Nothing in the request can be changed in the browser, and none of it shows in the browser's history or logs."),
    )
    .request(exchange.request)
    .response(exchange.response)
}

fn browser_step(url: &Url) -> Step {
    Step::new(
        "Send the browser to the authorization endpoint",
        "RFC 9126 §4",
        "The browser carries only client_id and the request_uri. The authorization server uses the parameters Strava pushed, and ignores any other parameter the browser might add.",
    )
    .request(format!("303 See Other\nLocation: {}", trace::describe_url(url)))
}
