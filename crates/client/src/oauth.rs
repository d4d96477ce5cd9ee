//! The OAuth 2.0 side of the client, through the `oauth2` crate.
//!
//! ```text
//!  browser          client (this)                  authorization server
//!     | GET /connect     |                                   |
//!     |----------------->| state + PKCE verifier stored      |
//!     |<-- 303 to authorization_endpoint (§4.1.1) ---------->|
//!     |          login + consent happen there                |
//!     |<-- 302 to redirect_uri?code&state&iss (§4.1.2) ------|
//!     | GET /callback -->| check state (§10.12), iss (9207)  |
//!     |                  |-- POST token_endpoint ----------->|
//!     |                  |   code + code_verifier (§4.1.3,   |
//!     |                  |   RFC 7636 §4.5)                  |
//!     |                  |<-- access + refresh token (§5.1) -|
//! ```
//!
//! [`authorization_request`] builds the first hop, [`exchange_code`] the
//! token request, [`refresh`] RFC 6749 §6 and [`revoke`] RFC 7009. The
//! first three name the resource (RFC 8707 `resource`, `--resource-url`),
//! so that the tokens are for Facebook's API and no other (RFC 9700 §2.3).
//!
//! Every back-channel call goes through a [`Recorder`]: a reqwest client
//! with redirects disabled (a token endpoint that redirects could make us
//! send credentials elsewhere: SSRF, as the `oauth2` crate's docs warn)
//! that also writes down each request and answer, credentials shortened,
//! for the "behind the scenes" page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use base64::prelude::{Engine, BASE64_STANDARD};
use oauth2::basic::BasicClient;
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    ErrorResponseType, HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, StandardErrorResponse, TokenResponse,
    TokenUrl,
};
use oauth_types::secret::{generate_credential, AccessToken, AuthorizationCode, RefreshToken};
use oauth_types::ScopeSet;
use url::Url;

use crate::config::Settings;
use crate::discovery::Endpoints;
use crate::dpop::proving_client::{ProvingClient, TokenProofs};
use crate::dpop::{self, JwkThumbprint, TokenType};
use crate::trace;

/// The `oauth2` client with an authorization and a token endpoint.
type OAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn oauth_client(settings: &Settings, endpoints: &Endpoints) -> OAuthClient {
    let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(endpoints.authorization_endpoint.clone()))
        .set_token_uri(TokenUrl::from_url(endpoints.token_endpoint.clone()))
        .set_redirect_uri(RedirectUrl::from_url(settings.redirect_uri.clone()));
    match settings.client_key {
        // RFC 7523 §2.2: no secret; `client_id` and the assertion go in
        // the body (see [`client_assertion`]).
        Some(_) => client.set_auth_type(AuthType::RequestBody),
        None => client.set_client_secret(oauth2::ClientSecret::new(
            settings.client_secret.secret().to_owned(),
        )),
    }
}

/// With `--client-key`, the `client_assertion_type` and a fresh
/// `client_assertion` of a token or revocation request (RFC 7523 §2.2);
/// none otherwise.
pub(crate) fn client_assertion(
    settings: &Settings,
    endpoints: &Endpoints,
) -> Result<Vec<(&'static str, String)>, TokenError> {
    let Some(signer) = &settings.client_key else {
        return Ok(Vec::new());
    };
    signer
        .params(&settings.client_id, &endpoints.issuer)
        .map(Vec::from)
        .ok_or(TokenError::Malformed)
}

/// The first hop of the flow, and what must be kept to finish it.
pub struct AuthorizationRequest {
    /// The authorization endpoint with every parameter of RFC 6749 §4.1.1
    /// and RFC 7636 §4.3.
    pub url: Url,
    /// RFC 6749 §10.12: 256 bits, bound to the session, single use.
    pub state: String,
    /// RFC 7636 §4.1: fresh per request, kept server-side only.
    pub code_verifier: String,
}

/// Builds the authorization request URL with `state` and an S256
/// challenge; with `dpop_jkt`, the code is bound to that key.
pub fn authorization_request(
    settings: &Settings,
    endpoints: &Endpoints,
    scope: &ScopeSet,
    dpop_jkt: Option<&JwkThumbprint>,
) -> AuthorizationRequest {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let client = oauth_client(settings, endpoints);
    let mut request = client
        .authorize_url(|| CsrfToken::new(generate_credential()))
        .add_scopes(
            scope
                .iter()
                .map(|scope| oauth2::Scope::new(scope.as_str().to_owned())),
        )
        .set_pkce_challenge(challenge)
        // RFC 8707 §2: the token is for this resource alone.
        .add_extra_param("resource", settings.resource_indicator.clone());
    if let Some(jkt) = dpop_jkt {
        // RFC 9449 §10: only a proof by this key can redeem the code.
        request = request.add_extra_param("dpop_jkt", jkt.as_str().to_owned());
    }
    let (url, state) = request.url();
    AuthorizationRequest {
        url,
        state: state.secret().to_owned(),
        code_verifier: verifier.secret().to_owned(),
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug)]
pub struct Tokens {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    /// Seconds.
    pub expires_in: Option<u64>,
    /// `None` when the server did not name it: then it is the requested
    /// scope (RFC 6749 §5.1).
    pub scope: Option<ScopeSet>,
    /// `DPoP` when the server bound the access token to our key.
    pub token_type: TokenType,
}

/// Why the token endpoint gave no tokens.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// RFC 6749 §5.2: an error answer, e.g. `invalid_grant`.
    #[error("the authorization server refused: {error}")]
    Refused {
        error: String,
        description: Option<String>,
    },
    #[error("the authorization server cannot be reached")]
    Unreachable,
    #[error("the authorization server's answer is not a valid token response")]
    Malformed,
    #[error("the authorization server publishes no revocation endpoint")]
    NoRevocationEndpoint,
}

/// RFC 6749 §4.1.3 with RFC 7636 §4.5: trades the code and the verifier for
/// tokens, authenticating with `client_secret_basic` (or, with
/// `--client-key`, `private_key_jwt`); with `prover`, each
/// request carries a DPoP proof (RFC 9449 §5).
pub async fn exchange_code(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    prover: Option<&dpop::Prover<'_>>,
    code: &AuthorizationCode,
    code_verifier: String,
) -> Result<Tokens, TokenError> {
    let http = proving(recorder, prover, endpoints);
    let client = oauth_client(settings, endpoints);
    let mut request = client
        .exchange_code(oauth2::AuthorizationCode::new(code.secret().to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(code_verifier))
        .add_extra_param("resource", settings.resource_indicator.clone());
    for (name, value) in client_assertion(settings, endpoints)? {
        request = request.add_extra_param(name, value);
    }
    request
        .request_async(&http)
        .await
        .map(|answer| tokens_of(&answer))
        .map_err(token_error)
}

/// RFC 6749 §6: a new access token (and, rotated, a new refresh token);
/// with `prover`, proving the connection's key (RFC 9449 §5).
pub async fn refresh(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    prover: Option<&dpop::Prover<'_>>,
    refresh_token: &RefreshToken,
) -> Result<Tokens, TokenError> {
    let refresh_token = oauth2::RefreshToken::new(refresh_token.secret().to_owned());
    let http = proving(recorder, prover, endpoints);
    let client = oauth_client(settings, endpoints);
    let mut request = client
        .exchange_refresh_token(&refresh_token)
        .add_extra_param("resource", settings.resource_indicator.clone());
    for (name, value) in client_assertion(settings, endpoints)? {
        request = request.add_extra_param(name, value);
    }
    request
        .request_async(&http)
        .await
        .map(|answer| tokens_of(&answer))
        .map_err(token_error)
}

/// The recorder, with a proof for the token endpoint on each request when
/// the connection uses DPoP.
fn proving<'a, 'h>(
    recorder: &'a Recorder<'h>,
    prover: Option<&'a dpop::Prover<'a>>,
    endpoints: &'a Endpoints,
) -> ProvingClient<'a, Recorder<'h>> {
    let proofs = prover.map(|prover| TokenProofs {
        prover,
        htu: &endpoints.published_token_endpoint,
    });
    ProvingClient::new(recorder, proofs)
}

/// RFC 7009 §2.1: asks the server to revoke a token, authenticating with
/// `client_secret_basic` (RFC 6749 §2.3.1), or `private_key_jwt` (RFC 7523
/// §2.2) with `--client-key`. Revoking the refresh token also
/// ends the access tokens issued from it (security rule 16).
///
/// The `oauth2` crate refuses revocation endpoints that are not `https`,
/// and the demo runs over plain HTTP on loopback; so this one request is
/// built here, with the same encoding rules, and sent through the same
/// recording, redirect-free client.
pub async fn revoke(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    token: RevocableToken<'_>,
) -> Result<(), TokenError> {
    let url = endpoints
        .revocation_endpoint
        .as_ref()
        .ok_or(TokenError::NoRevocationEndpoint)?;
    let (value, hint) = match token {
        RevocableToken::Refresh(token) => (token.secret(), "refresh_token"),
        RevocableToken::Access(token) => (token.secret(), "access_token"),
    };
    let params = [("token", value), ("token_type_hint", hint)];
    let response = post_authenticated(settings, endpoints, recorder, url, &params).await?;
    if response.status().is_success() {
        return Ok(());
    }
    Err(refusal(&response))
}

/// POSTs the form `params` to `url` as this client, authenticated with
/// `client_secret_basic` (RFC 6749 §2.3.1), or `private_key_jwt` (RFC 7523
/// §2.2) with `--client-key`, through the recording, redirect-free client:
/// for the requests the `oauth2` crate does not make (RFC 7009
/// revocation, RFC 9126 pushed authorization requests).
pub(crate) async fn post_authenticated<K: AsRef<str>, V: AsRef<str>>(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    url: &Url,
    params: &[(K, V)],
) -> Result<HttpResponse, TokenError> {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        body.append_pair(name.as_ref(), value.as_ref());
    }
    let assertion = client_assertion(settings, endpoints)?;
    let mut request = oauth2::http::Request::builder()
        .method(oauth2::http::Method::POST)
        .uri(url.as_str());
    if assertion.is_empty() {
        request = request.header(
            oauth2::http::header::AUTHORIZATION,
            client_secret_basic(settings),
        );
    } else {
        // RFC 7521 §4.2: `client_id` may accompany the assertion, once.
        if !params.iter().any(|(name, _)| name.as_ref() == "client_id") {
            body.append_pair("client_id", &settings.client_id);
        }
        body.extend_pairs(assertion);
    }
    let body = body.finish();
    let request = request
        .header(
            oauth2::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(oauth2::http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .map_err(|_| TokenError::Malformed)?;
    recorder
        .call(request)
        .await
        .map_err(|_| TokenError::Unreachable)
}

/// What an error answer says: its RFC 6749 §5.2 `error`, or that it is
/// not one.
pub(crate) fn refusal(response: &HttpResponse) -> TokenError {
    match serde_json::from_slice::<oauth_types::ErrorResponse>(response.body()) {
        Ok(refusal) => TokenError::Refused {
            error: refusal.error,
            description: refusal.error_description,
        },
        Err(_) => TokenError::Malformed,
    }
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn client_secret_basic(settings: &Settings) -> String {
    let encode =
        |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    let credentials = format!(
        "{}:{}",
        encode(&settings.client_id),
        encode(settings.client_secret.secret())
    );
    format!("Basic {}", BASE64_STANDARD.encode(credentials))
}

/// Which token to revoke.
pub enum RevocableToken<'a> {
    Refresh(&'a RefreshToken),
    Access(&'a AccessToken),
}

fn tokens_of(answer: &oauth2::basic::BasicTokenResponse) -> Tokens {
    Tokens {
        access_token: AccessToken::new(answer.access_token().secret().to_owned()),
        refresh_token: answer
            .refresh_token()
            .map(|token| RefreshToken::new(token.secret().to_owned())),
        expires_in: answer.expires_in().map(|lifetime| lifetime.as_secs()),
        scope: answer.scopes().map(|scopes| {
            scopes
                .iter()
                .filter_map(|scope| oauth_types::Scope::parse(scope).ok())
                .collect()
        }),
        token_type: TokenType::parse(answer.token_type().as_ref()),
    }
}

type HttpError = HttpClientError<reqwest::Error>;

/// What a failed token request means, whichever error codes the answer
/// may carry (the `oauth2` and the `openidconnect` crates type them apart).
pub(crate) fn token_error<T: ErrorResponseType + std::fmt::Display>(
    error: RequestTokenError<HttpError, StandardErrorResponse<T>>,
) -> TokenError {
    match error {
        RequestTokenError::ServerResponse(answer) => TokenError::Refused {
            error: answer.error().to_string(),
            description: answer.error_description().cloned(),
        },
        RequestTokenError::Request(_) => TokenError::Unreachable,
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => TokenError::Malformed,
    }
}

/// One back-channel request and its answer, credentials shortened.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: String,
    pub response: String,
}

/// The HTTP client the `oauth2` crate calls through: the shared reqwest
/// client (redirects disabled) plus a record of what went over the wire.
pub struct Recorder<'h> {
    http: &'h reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
}

impl<'h> Recorder<'h> {
    pub fn new(http: &'h reqwest::Client) -> Self {
        Self {
            http,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    /// What was exchanged so far, in order; the record is emptied.
    pub fn take(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .map(|mut exchanges| std::mem::take(&mut *exchanges))
            .unwrap_or_default()
    }
}

impl<'c, 'h: 'c> AsyncHttpClient<'c> for Recorder<'h> {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let described = describe_request(&request);
            let result = AsyncHttpClient::call(self.http, request).await;
            let answer = match &result {
                Ok(response) => describe_response(response),
                Err(_) => "no answer: the server could not be reached".to_owned(),
            };
            if let Ok(mut exchanges) = self.exchanges.lock() {
                exchanges.push(Exchange {
                    request: described,
                    response: answer,
                });
            }
            result
        })
    }
}

fn describe_request(request: &HttpRequest) -> String {
    let mut lines = vec![format!("{} {}", request.method(), request.uri())];
    if let Some(value) = request
        .headers()
        .get(oauth2::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    {
        lines.push(format!(
            "Authorization: {}",
            trace::describe_authorization(value)
        ));
    }
    if let Some(value) = request
        .headers()
        .get(oauth2::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    {
        lines.push(format!("Content-Type: {value}"));
    }
    if let Some(proof) = request
        .headers()
        .get(dpop::PROOF_HEADER)
        .and_then(|value| value.to_str().ok())
    {
        lines.push(dpop::shown::describe_proof(proof));
    }
    if !request.body().is_empty() {
        lines.push(String::new());
        lines.push(trace::describe_form(request.body()));
        lines.extend(crate::client_assertion::describe(request.body()));
    }
    lines.join("\n")
}

fn describe_response(response: &HttpResponse) -> String {
    let mut lines = vec![format!("HTTP {}", response.status())];
    for name in [
        oauth2::http::header::CACHE_CONTROL,
        oauth2::http::header::WWW_AUTHENTICATE,
        oauth2::http::HeaderName::from_static("dpop-nonce"),
    ] {
        if let Some(value) = response
            .headers()
            .get(&name)
            .and_then(|value| value.to_str().ok())
        {
            lines.push(format!("{name}: {value}"));
        }
    }
    if !response.body().is_empty() {
        lines.push(String::new());
        lines.push(trace::describe_body(response.body()));
    }
    lines.join("\n")
}
