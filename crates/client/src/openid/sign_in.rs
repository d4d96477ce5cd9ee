//! The OpenID Connect authorization code flow (Core §3.1) through the
//! `openidconnect` crate: the authentication request with `nonce`, `state`
//! and a PKCE S256 challenge (§3.1.2.1, RFC 7636 §4.3), and the token
//! request that answers an ID token (§3.1.3.1, §3.1.3.3).

use oauth_types::secret::{generate_credential, AccessToken, AuthorizationCode};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthUrl, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse, TokenUrl,
};
use url::Url;

use super::SIGN_IN_SCOPE;
use crate::config::Settings;
use crate::discovery::Endpoints;
use crate::oauth::{client_assertion, token_error, Recorder, TokenError};

/// The `openidconnect` client with an authorization and a token endpoint.
type OpenIdClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// The relying party as the provider knows it. The keys are not needed to
/// build requests; [`super::id_token`] brings them to the verifier.
fn openid_client(
    settings: &Settings,
    endpoints: &Endpoints,
) -> Result<OpenIdClient, url::ParseError> {
    let client = CoreClient::new(
        ClientId::new(settings.client_id.clone()),
        IssuerUrl::new(endpoints.issuer.clone())?,
        CoreJsonWebKeySet::new(Vec::new()),
    )
    .set_auth_uri(AuthUrl::from_url(endpoints.authorization_endpoint.clone()))
    .set_token_uri(TokenUrl::from_url(endpoints.token_endpoint.clone()))
    .set_redirect_uri(RedirectUrl::from_url(settings.redirect_uri.clone()));
    Ok(match settings.client_key {
        // RFC 7523 §2.2: the assertion goes in the body, no secret.
        Some(_) => client.set_auth_type(AuthType::RequestBody),
        None => client.set_client_secret(ClientSecret::new(
            settings.client_secret.secret().to_owned(),
        )),
    })
}

/// The first hop of a sign-in, and what must be kept to finish it.
pub struct AuthenticationRequest {
    /// The authorization endpoint with `response_type=code`,
    /// `scope=openid profile`, `state`, `nonce` and the PKCE challenge.
    pub url: Url,
    /// RFC 6749 §10.12: 256 bits, bound to the session, single use.
    pub state: String,
    /// Core §3.1.2.1, §15.5.2: 256 bits, bound to the session; the ID
    /// token must carry it back.
    pub nonce: String,
    /// RFC 7636 §4.1: fresh per request, kept server-side only.
    pub code_verifier: String,
}

/// Why the authentication request could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the issuer '{0}' is not a URL")]
pub struct BadIssuer(pub String);

/// Builds the authentication request (Core §3.1.2.1).
pub fn authentication_request(
    settings: &Settings,
    endpoints: &Endpoints,
) -> Result<AuthenticationRequest, BadIssuer> {
    let client =
        openid_client(settings, endpoints).map_err(|_| BadIssuer(endpoints.issuer.clone()))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        || CsrfToken::new(generate_credential()),
        || Nonce::new(generate_credential()),
    );
    // `openid` is added by the crate itself (Core §3.1.2.1: REQUIRED).
    for scope in SIGN_IN_SCOPE.split(' ').filter(|scope| *scope != "openid") {
        request = request.add_scope(Scope::new(scope.to_owned()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Ok(AuthenticationRequest {
        url,
        state: state.secret().to_owned(),
        nonce: nonce.secret().to_owned(),
        code_verifier: verifier.secret().to_owned(),
    })
}

/// A successful token response of a sign-in: the ID token (not yet
/// validated) and the access token its `at_hash` must match.
pub struct SignInTokens {
    pub id_token: CoreIdToken,
    pub access_token: AccessToken,
}

/// Core §3.1.3.1 (RFC 6749 §4.1.3 with RFC 7636 §4.5): trades the code and
/// the verifier for tokens, authenticating with `client_secret_basic` (or
/// `private_key_jwt` with `--client-key`).
/// An answer without an ID token is malformed (Core §3.1.3.3).
pub async fn exchange_code(
    settings: &Settings,
    endpoints: &Endpoints,
    recorder: &Recorder<'_>,
    code: &AuthorizationCode,
    code_verifier: String,
) -> Result<SignInTokens, TokenError> {
    let client = openid_client(settings, endpoints).map_err(|_| TokenError::Malformed)?;
    let mut request = client
        .exchange_code(openidconnect::AuthorizationCode::new(
            code.secret().to_owned(),
        ))
        .set_pkce_verifier(PkceCodeVerifier::new(code_verifier));
    for (name, value) in client_assertion(settings, endpoints)? {
        request = request.add_extra_param(name, value);
    }
    let answer: CoreTokenResponse = request.request_async(recorder).await.map_err(token_error)?;
    let id_token = answer.id_token().cloned().ok_or(TokenError::Malformed)?;
    Ok(SignInTokens {
        id_token,
        access_token: AccessToken::new(answer.access_token().secret().to_owned()),
    })
}
