//! The client configuration endpoint (RFC 7592 §2) at each
//! `registration_client_uri`, `/register/{client_id}`: `GET` reads,
//! `PUT` replaces, `DELETE` deletes a registration, each with
//! `Authorization: Bearer <registration access token>`.
//!
//! A wrong token, another client's token, an unknown client and a client
//! added by `client add` (it has no registration access token) all get the
//! same `401 invalid_token` (RFC 7592 §2.1–2.3 for a client that does not
//! exist, RFC 6750 §3.1 for a bad token): nothing tells whether the client
//! exists. Those sections also say a token presented for a client that
//! does not exist SHOULD be revoked; that is not done here (the token
//! keeps working at its own client's URI). Replacements and deletions
//! name the token's hash in their `WHERE` clause: of concurrent ones, one
//! wins (rule 32); the others hear `invalid_token`.

use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use oauth_types::secret::{generate_credential, CredentialHash};

use super::{
    bearer_token, information, new_secret, no_store, read_document, registration_of, stored,
};
use crate::config::RegistrationMode;
use crate::registration::RegistrationError;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::registrations;
use service_kit::database::text::holds_nul;

/// `GET /register/{client_id}` (RFC 7592 §2.1): the registration as
/// stored. The secret is not shown again (only its hash is kept); the
/// registration access token is the one presented (not rotated).
pub async fn read(
    request: HttpRequest,
    client_id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, RegistrationError> {
    let (client, token) = authorize(&request, &client_id, &state).await?;
    Ok(no_store(HttpResponse::Ok()).json(information(&state, &client, None, token)))
}

/// `PUT /register/{client_id}` (RFC 7592 §2.2): replaces every field.
/// The body repeats `client_id`; a `client_secret` in it must be the
/// current one. The registration access token is rotated (our policy).
pub async fn replace(
    request: HttpRequest,
    client_id: Path<String>,
    body: Bytes,
    state: Data<AppState>,
) -> Result<HttpResponse, RegistrationError> {
    let (client, presented) = authorize(&request, &client_id, &state).await?;
    let document = read_document(&request, &body, &state).await?;
    if document.client_id.as_deref() != Some(client.client_id.as_str()) {
        return Err(RegistrationError::InvalidClientMetadata(
            "client_id must be repeated and match this registration (RFC 7592 §2.2)".to_owned(),
        ));
    }
    let current_secret = client.secret_hash.as_ref();
    if let Some(sent) = &document.client_secret {
        if !current_secret.is_some_and(|hash| hash.matches(sent)) {
            return Err(RegistrationError::InvalidClientMetadata(
                "client_secret does not match this client's secret (RFC 7592 §2.2)".to_owned(),
            ));
        }
    }
    let metadata = document.metadata;
    // A secret is kept when the method still uses one, issued when it
    // starts to, and dropped when it stops.
    let new_secret =
        (metadata.auth_method.uses_secret() && current_secret.is_none()).then(new_secret);
    let secret_hash = match (&new_secret, metadata.auth_method.uses_secret()) {
        (Some(secret), _) => Some(secret.hash()),
        (None, true) => current_secret.cloned(),
        (None, false) => None,
    };
    let token = generate_credential();
    let token_hash = CredentialHash::of(&token);
    let registration = registration_of(
        &client.client_id,
        &metadata,
        secret_hash.as_ref(),
        &token_hash,
    );
    if !registrations::replace(&state.pool, &registration, &CredentialHash::of(&presented)).await? {
        return Err(invalid_token());
    }
    state.client_cache.forget(&client.client_id);
    let client = stored(&state, &client.client_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(information(&state, &client, new_secret, token)))
}

/// `DELETE /register/{client_id}` (RFC 7592 §2.3): `204`; the client,
/// its tokens, codes, pending requests and consents are gone.
pub async fn delete(
    request: HttpRequest,
    client_id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, RegistrationError> {
    let (client, presented) = authorize(&request, &client_id, &state).await?;
    if !registrations::delete(
        &state.pool,
        &client.client_id,
        &CredentialHash::of(&presented),
    )
    .await?
    {
        return Err(invalid_token());
    }
    state.client_cache.forget(&client.client_id);
    Ok(no_store(HttpResponse::NoContent()).finish())
}

/// The registered client `client_id` and the registration access token
/// presented for it, if that token is the client's.
async fn authorize(
    request: &HttpRequest,
    client_id: &str,
    state: &AppState,
) -> Result<(Client, String), RegistrationError> {
    if state.registration == RegistrationMode::Off {
        return Err(RegistrationError::Off);
    }
    let token = bearer_token(request)?;
    // Postgres text cannot hold a NUL: such an id names no client (rule 31).
    if holds_nul(client_id) {
        return Err(invalid_token());
    }
    let client = clients::find(&state.pool, client_id).await?;
    let owns = |client: &Client| {
        client
            .registration_token_hash
            .as_ref()
            .is_some_and(|hash| hash.matches(&token))
    };
    match client {
        Some(client) if owns(&client) => Ok((client, token)),
        _ => Err(invalid_token()),
    }
}

fn invalid_token() -> RegistrationError {
    RegistrationError::InvalidToken(
        "the registration access token is not valid for this registration".to_owned(),
    )
}
