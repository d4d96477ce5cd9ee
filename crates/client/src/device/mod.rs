//! `client device`: "Strava on a watch", a device with no browser and no
//! keyboard, connected through the device authorization grant (RFC 8628).
//!
//! ```text
//!  watch (this)                 authorization server          person, phone
//!     |-- POST device_authorization ->|                             |
//!     |   client_id, scope (§3.1)     |                             |
//!     |<-- device_code, user_code, ---|                             |
//!     |    verification_uri (§3.2)    |                             |
//!     | shows the URI, the code, a QR code (§3.3)                   |
//!     |                               |<-- GET /device, login, -----|
//!     |-- POST token (device_code) -->|    the code, consent        |
//!     |<-- authorization_pending -----|                             |
//!     |   … every `interval` s, 5 s more after slow_down (§3.5) …   |
//!     |<-- access token (§3.5) -------|                             |
//!     |-- POST /api/posts (Bearer) --> protected resource           |
//! ```
//!
//! The HTTP exchanges go through the `oauth2` crate (`exchange_device_code`,
//! `exchange_device_access_token`, which also honours `interval` and
//! `slow_down`), on the back-channel client of the web app: no redirects
//! followed, bounded waits, `--ca-cert` trusted. The resource call is the
//! web app's (`crate::resource`).
//!
//! Our choices: the watch is a public client (RFC 6749 §2.1, it cannot keep
//! a secret); it keeps no tokens after the post (no refresh token is used,
//! though the demo client may get one); and it sends no DPoP proofs
//! (RFC 9449 is optional for this grant; the web app shows DPoP).

mod qr;

use std::cell::Cell;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, DeviceAuthorizationUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use oauth2::{DeviceCodeErrorResponseType, StandardDeviceAuthorizationResponse};
use oauth_types::secret::AccessToken;

use crate::config::{Config, DeviceArgs, Settings};
use crate::discovery::{Discovery, DiscoveryError, Endpoints};
use crate::resource::{self, Answer, Presentation, ResourceCall, Target};

/// Why the watch did not post its message: one line each.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("the authorization server does not offer the device authorization grant (its metadata names no device_authorization_endpoint)")]
    NotOffered,
    #[error("the authorization server refused: {0}")]
    Refused(String),
    /// RFC 8628 §3.5 `access_denied`.
    #[error("access denied: the request was declined at the verification page")]
    Denied,
    /// RFC 8628 §3.5 `expired_token`.
    #[error("the code expired before it was approved; run `client device` again")]
    Expired,
    #[error("the protected resource cannot be reached")]
    ResourceUnreachable,
    #[error("the protected resource refused the message: {0}")]
    ResourceRefused(String),
    #[error("cannot write to the terminal")]
    Output(#[from] std::io::Error),
}

/// The command: exit 0 once the message is posted, 1 with a one-line
/// reason otherwise (2 for a flag mistake).
pub async fn main(config: &Config, args: &DeviceArgs) -> ExitCode {
    let settings = match Settings::from_config(config) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match run(&settings, args, &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The whole story, printed to `out`; the progress of the polling goes to
/// stderr.
pub async fn run(
    settings: &Settings,
    args: &DeviceArgs,
    out: &mut impl Write,
) -> Result<(), DeviceError> {
    let http = service_kit::back_channel::client(
        settings.ca_cert.as_deref(),
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .map_err(|error| DeviceError::Setup(error.to_string()))?;
    let endpoints = Discovery::new().fresh_endpoints(settings, &http).await?;
    let details = request_codes(settings, args, &endpoints, &http).await?;
    show_codes(&details, out)?;
    let token = poll_for_token(settings, args, &endpoints, &details, &http).await?;
    writeln!(out, "\nConnected. Posting your message…")?;
    let answer = post(settings, &args.message, &token, &http).await?;
    writeln!(out, "The resource answered: {answer}")?;
    Ok(())
}

/// The `oauth2` client of the watch: a public client, `client_id` in the
/// body (RFC 8628 §3.1, RFC 6749 §2.3.1).
fn oauth_client(
    client_id: &str,
    endpoints: &Endpoints,
) -> Result<
    BasicClient<
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
    DeviceError,
> {
    let device_endpoint = endpoints
        .device_authorization_endpoint
        .clone()
        .ok_or(DeviceError::NotOffered)?;
    Ok(BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_auth_type(AuthType::RequestBody)
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(device_endpoint))
        .set_token_uri(TokenUrl::from_url(endpoints.token_endpoint.clone())))
}

/// RFC 8628 §3.1: the device and user codes, for `--scope` and the
/// resource (RFC 8707 `resource`).
async fn request_codes(
    settings: &Settings,
    args: &DeviceArgs,
    endpoints: &Endpoints,
    http: &reqwest::Client,
) -> Result<StandardDeviceAuthorizationResponse, DeviceError> {
    oauth_client(&args.client_id, endpoints)?
        .exchange_device_code()
        .add_scopes(
            settings
                .scope
                .iter()
                .map(|scope| Scope::new(scope.as_str().to_owned())),
        )
        .add_extra_param("resource", settings.resource_indicator.clone())
        .request_async(http)
        .await
        .map_err(|error| DeviceError::Refused(describe(&error)))
}

/// RFC 8628 §3.3: where to go, the code to type, and a QR code of the
/// URI with the code in it (§3.3.1).
fn show_codes(
    details: &StandardDeviceAuthorizationResponse,
    out: &mut impl Write,
) -> Result<(), DeviceError> {
    writeln!(
        out,
        "Strava on your watch wants to post to Facebook as you."
    )?;
    writeln!(
        out,
        "On your phone or computer, open\n\n    {}\n\nand enter the code\n\n    {}\n",
        details.verification_uri().as_str(),
        details.user_code().secret()
    )?;
    if let Some(complete) = details.verification_uri_complete() {
        if let Some(drawn) = qr::render(complete.secret()) {
            writeln!(
                out,
                "or scan this code, which opens the page with the code filled in:\n"
            )?;
            writeln!(out, "{drawn}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// RFC 8628 §3.4–3.5: polls until the person answers, every `interval`
/// seconds, 5 s more after each `slow_down`; the access token.
async fn poll_for_token(
    settings: &Settings,
    args: &DeviceArgs,
    endpoints: &Endpoints,
    details: &StandardDeviceAuthorizationResponse,
    http: &reqwest::Client,
) -> Result<AccessToken, DeviceError> {
    let client = oauth_client(&args.client_id, endpoints)?;
    let polls = Cell::new(0u32);
    let wait = |interval: Duration| {
        polls.set(polls.get() + 1);
        eprint!(
            "\rWaiting for approval… checked {} time(s), next check in {} s ",
            polls.get(),
            interval.as_secs()
        );
        actix_rt::time::sleep(interval)
    };
    let tokens = client
        .exchange_device_access_token(details)
        .add_extra_param("resource", settings.resource_indicator.clone())
        .request_async(http, wait, None)
        .await
        .map_err(|error| match &error {
            RequestTokenError::ServerResponse(refusal) => match refusal.error() {
                DeviceCodeErrorResponseType::AccessDenied => DeviceError::Denied,
                DeviceCodeErrorResponseType::ExpiredToken => DeviceError::Expired,
                _ => DeviceError::Refused(describe(&error)),
            },
            _ => DeviceError::Refused(describe(&error)),
        })?;
    Ok(AccessToken::new(tokens.access_token().secret().to_owned()))
}

/// What an `oauth2` error says, in one line.
fn describe<RE: std::error::Error, T: oauth2::ErrorResponse>(
    error: &RequestTokenError<RE, T>,
) -> String {
    match error {
        RequestTokenError::ServerResponse(refusal) => refusal.to_string(),
        RequestTokenError::Request(error) => format!("the request failed: {error}"),
        RequestTokenError::Parse(_, _) => "its answer is not valid JSON".to_owned(),
        RequestTokenError::Other(other) => other.clone(),
    }
    .replace('\n', " ")
}

/// `POST /api/posts` as the person, with the new token as `Bearer`; the
/// resource's answer.
async fn post(
    settings: &Settings,
    message: &str,
    token: &AccessToken,
    http: &reqwest::Client,
) -> Result<serde_json::Value, DeviceError> {
    let target = Target {
        base: &settings.resource_internal_url,
        public: &settings.resource_url,
    };
    let call = ResourceCall::post(message);
    let (answer, _) = resource::call(http, &target, &call, &Presentation::Bearer(token)).await;
    match answer.map_err(|_| DeviceError::ResourceUnreachable)? {
        Answer::Accepted { body } => Ok(body),
        refused => Err(DeviceError::ResourceRefused(format!("{refused:?}"))),
    }
}
