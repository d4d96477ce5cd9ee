//! `POST /register` (RFC 7591 §3): a client registers itself with a JSON
//! client metadata document and gets its `client_id`, its credentials and
//! a registration access token; and the client configuration endpoint of
//! RFC 7592 (`manage.rs`) at its `registration_client_uri`.
//!
//! Who may register is `--registration` ([`RegistrationMode`]); the
//! document rules are in [`crate::registration::document`], our policies in
//! [`crate::registration`].

use actix_web::http::header::{HeaderValue, AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use oauth_types::secret::{generate_credential, ClientSecret, CredentialHash};

use crate::config::RegistrationMode;
use crate::registration::document::{self, ClientMetadata};
use crate::registration::information::{ClientInformation, StoredMetadata};
use crate::registration::{RegistrationError, REGISTRATIONS_PER_ADDRESS};
use crate::routes::login::client_address;
use crate::routes::userinfo::{authorization, Way};
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::login_failures;
use crate::store::registrations::{self, Registration};

pub mod manage;

/// Our policy: the largest client metadata document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// The body limit of the registration endpoints (a larger body is 413).
pub fn body_limit() -> actix_web::web::PayloadConfig {
    actix_web::web::PayloadConfig::new(MAX_DOCUMENT_BYTES)
}

/// `POST /register`.
pub async fn register(
    request: HttpRequest,
    body: Bytes,
    state: Data<AppState>,
) -> Result<HttpResponse, RegistrationError> {
    match state.registration {
        RegistrationMode::Off => return Err(RegistrationError::Off),
        RegistrationMode::Token => check_initial_access_token(&request, &state).await?,
        RegistrationMode::Open => count_open_registration(&request, &state).await?,
    }
    let metadata = read_document(&request, &body, &state).await?.metadata;
    let client_id = uuid::Uuid::new_v4().to_string();
    let secret = metadata.auth_method.uses_secret().then(new_secret);
    let token = generate_credential();
    let secret_hash = secret.as_ref().map(ClientSecret::hash);
    let token_hash = CredentialHash::of(&token);
    let registration = registration_of(&client_id, &metadata, secret_hash.as_ref(), &token_hash);
    if !registrations::insert(&state.pool, &registration, state.now()).await? {
        return Err(sqlx::Error::RowNotFound.into());
    }
    let client = stored(&state, &client_id).await?;
    let information = information(&state, &client, secret, token);
    Ok(no_store(HttpResponse::Created()).json(information))
}

/// A new client secret, drawn as `client add` draws one (never starting
/// with `-`, so it can follow `--client-secret` on a command line).
pub(crate) fn new_secret() -> ClientSecret {
    ClientSecret::new(crate::admin::printable_secret(ClientSecret::generate))
}

/// RFC 7591 §3: `Authorization: Bearer` with a valid initial access token.
async fn check_initial_access_token(
    request: &HttpRequest,
    state: &AppState,
) -> Result<(), RegistrationError> {
    let token = bearer_token(request)?;
    match registrations::initial_token_is_valid(
        &state.pool,
        &CredentialHash::of(&token),
        state.now(),
    )
    .await?
    {
        true => Ok(()),
        false => Err(RegistrationError::InvalidToken(
            "the initial access token is unknown or expired".to_owned(),
        )),
    }
}

/// Our policy under `--registration open`: every attempt from an address
/// is counted before any work (rule 33), at most
/// [`REGISTRATIONS_PER_ADDRESS`] within the login window.
async fn count_open_registration(
    request: &HttpRequest,
    state: &AppState,
) -> Result<(), RegistrationError> {
    let subject = format!("register:{}", client_address(request));
    let now = state.now();
    let window = state.login_limits.window_seconds;
    let attempt = login_failures::reserve(&state.pool, &[&subject], now).await?;
    let attempts = login_failures::count_since(&state.pool, &subject, now - window).await?;
    if attempts > REGISTRATIONS_PER_ADDRESS {
        login_failures::release(&state.pool, &attempt).await?;
        return Err(RegistrationError::TooManyRequests {
            retry_after: window,
        });
    }
    Ok(())
}

/// RFC 6750 §2.1: the token of `Authorization: Bearer`.
pub(crate) fn bearer_token(request: &HttpRequest) -> Result<String, RegistrationError> {
    let missing =
        || RegistrationError::MissingToken("send Authorization: Bearer <token>".to_owned());
    let value: &HeaderValue = request.headers().get(AUTHORIZATION).ok_or_else(missing)?;
    match authorization(value) {
        Ok(Some((token, Way::Bearer))) => Ok(token),
        Ok(_) => Err(missing()),
        Err(description) => Err(RegistrationError::InvalidToken(description.to_owned())),
    }
}

/// RFC 7591 §3.1: a JSON document (`Content-Type: application/json`).
pub(crate) async fn read_document(
    request: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<document::ParsedDocument, RegistrationError> {
    if request.content_type() != "application/json" {
        return Err(RegistrationError::InvalidRequest(
            "send the client metadata as Content-Type: application/json (RFC 7591 §3.1)".to_owned(),
        ));
    }
    let scopes = clients::scopes_in_use(&state.pool).await?;
    document::parse(body, &scopes)
}

/// What the store keeps of checked metadata.
pub(crate) fn registration_of<'a>(
    client_id: &'a str,
    metadata: &'a ClientMetadata,
    secret_hash: Option<&'a CredentialHash>,
    token_hash: &'a CredentialHash,
) -> Registration<'a> {
    Registration {
        client_id,
        kind: metadata.kind(),
        secret_hash,
        redirect_uris: &metadata.redirect_uris,
        scopes: &metadata.scopes,
        grant_types: &metadata.grant_types,
        post_logout_redirect_uris: &metadata.post_logout_redirect_uris,
        id_token_alg: metadata.id_token_alg,
        dpop_bound: metadata.dpop_bound,
        require_par: metadata.require_par,
        auth_method: metadata.auth_method,
        jwks: metadata.jwks.as_ref(),
        client_name: metadata.client_name.as_deref(),
        registration_token_hash: token_hash,
    }
}

/// The client as stored, just written.
pub(crate) async fn stored(state: &AppState, client_id: &str) -> Result<Client, RegistrationError> {
    Ok(clients::find(&state.pool, client_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?)
}

/// RFC 7591 §3.2.1, RFC 7592 §3: the answer about `client`.
pub(crate) fn information(
    state: &AppState,
    client: &Client,
    secret: Option<ClientSecret>,
    registration_access_token: String,
) -> ClientInformation {
    ClientInformation {
        client_id: client.client_id.clone(),
        client_secret_expires_at: secret.as_ref().map(|_| 0),
        client_secret: secret.map(|secret| secret.secret().to_owned()),
        client_id_issued_at: client.created_at,
        registration_access_token,
        registration_client_uri: state.endpoint(&format!("/register/{}", client.client_id)),
        metadata: StoredMetadata::of(client),
    }
}

/// RFC 7591 §3.2.1: credentials are not cached.
pub(crate) fn no_store(
    mut response: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    response
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"));
    response
}
