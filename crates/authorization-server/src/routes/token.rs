//! `POST /token`: steps (D) and (E) of RFC 6749 §4.1, and the other grants.
//!
//! The body is read and the client authenticated by `client_auth`'s
//! extractor (wrong content type, oversized body or a repeated parameter is
//! `invalid_request`), the form is parsed once into a `grants::Grant`, and
//! each grant type lives in `grants/`. No implicit and no
//! password grant (rule 17): they are `unsupported_grant_type`. Every answer
//! carries `Cache-Control: no-store` and `Pragma: no-cache` (rule 8).
//!
//! A `DPoP` header (RFC 9449 §5) is checked for every grant once the
//! client is authenticated and the grant parsed; its key then binds the
//! tokens (`dpop::access_token_binding`).

use actix_web::web::Data;
use actix_web::HttpResponse;

use crate::client_auth::ClientAuthentication;
use crate::dpop::{self, DpopHeader};
use crate::errors::EndpointError;
use crate::grants::issue::DpopBinding;
use crate::grants::{authorization_code, client_credentials, device_code, refresh_token, Grant};
use crate::state::AppState;

pub async fn token(
    caller: ClientAuthentication,
    proof: DpopHeader,
    state: Data<AppState>,
) -> Result<HttpResponse, EndpointError> {
    let grant = Grant::parse(&caller.params, &caller.client)?;
    let (state, client, now) = (&state, &caller.client, state.now());
    let proof = dpop::accept(state, proof, "POST", "/token", None).await?;
    let dpop_key = dpop::access_token_binding(client, proof.as_ref())?;
    let dpop_key = dpop_key.as_ref();
    let response = match grant {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            resource,
        } => {
            let binding = authorization_code::Binding {
                redirect_uri: redirect_uri.as_deref(),
                code_verifier: code_verifier.as_deref(),
                dpop_key,
            };
            authorization_code::exchange(state, client, &code, binding, resource.as_deref(), now)
                .await?
        }
        Grant::RefreshToken {
            refresh_token: token,
            scope,
            resource,
        } => {
            refresh_token::refresh(
                state,
                client,
                &token,
                scope.as_deref(),
                resource.as_deref(),
                dpop_key,
                now,
            )
            .await?
        }
        Grant::ClientCredentials { scope, resource } => {
            let binding = DpopBinding::new(client, dpop_key);
            client_credentials::grant(
                state,
                client,
                scope.as_deref(),
                resource.as_deref(),
                binding,
                now,
            )
            .await?
        }
        Grant::DeviceCode {
            device_code: code,
            resource,
        } => device_code::poll(state, client, &code, resource.as_deref(), dpop_key, now).await?,
    };
    Ok(no_store(HttpResponse::Ok()).json(response))
}

/// RFC 6749 §5.1: token answers are never cached.
pub(crate) fn no_store(
    mut builder: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"));
    builder
}
