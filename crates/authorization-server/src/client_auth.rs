//! Client authentication at `/token`, `/introspect` and `/revoke`
//! (RFC 6749 §2.3).
//!
//! - `client_secret_basic`: `Authorization: Basic base64(id ":" secret)`,
//!   where id and secret are each form-urlencoded first (§2.3.1).
//! - `client_secret_post`: `client_id` and `client_secret` in the body.
//! - `private_key_jwt` (RFC 7523 §2.2): `client_assertion_type` and a
//!   `client_assertion` JWT signed with the client's key
//!   ([`crate::client_assertion`]).
//! - public clients (§2.1): `client_id` only; they prove themselves with PKCE.
//!
//! Each client uses the method it registered (RFC 7591 §2
//! `token_endpoint_auth_method`).
//!
//! Using two methods in one request is `invalid_request` (§2.3: "MUST NOT
//! use more than one authentication method in each request"). Secrets are
//! compared as SHA-256 digests in constant time (rule 7).
//!
//! The three endpoints take a [`ClientAuthentication`] as their first
//! argument: it reads the form body once and authenticates its caller
//! before the handler runs.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use oauth_types::params::UniqueParams;

use oauth_types::TokenEndpointAuthMethod;

use crate::client_assertion;
use crate::errors::EndpointError;
use crate::form;
use crate::state::AppState;
use crate::store::clients::{Client, ClientKind};
use service_kit::database::text::holds_nul;

/// An authenticated caller of a back-channel endpoint and the parameters of
/// its form body (each present once, RFC 6749 §3.1).
///
/// A refusal is `invalid_client`, 401, with `WWW-Authenticate: Basic` when
/// Basic was tried (RFC 6749 §5.2). Every client authentication method is
/// recognised in `authenticate` and `presented` below, `private_key_jwt`
/// (RFC 7523 §2.2) included, and every endpoint taking this extractor
/// accepts them all.
#[derive(Debug)]
pub struct ClientAuthentication<F = StrictForm> {
    pub client: Client,
    /// Whether HTTP Basic was used (failures then carry `WWW-Authenticate`).
    pub used_basic: bool,
    pub params: UniqueParams,
    form: PhantomData<F>,
}

/// How an endpoint reads its form body.
pub trait FormRule {
    /// The parameter whose value may hold a NUL, if any.
    const NUL_ALLOWED_IN: Option<&'static str>;
}

/// No NUL in any parameter (`/token`).
#[derive(Debug)]
pub struct StrictForm;

impl FormRule for StrictForm {
    const NUL_ALLOWED_IN: Option<&'static str> = None;
}

/// A `token` that is only ever hashed may hold a NUL (`/introspect`,
/// `/revoke`; see [`form::unique_body_with_nul_in`]).
#[derive(Debug)]
pub struct TokenForm;

impl FormRule for TokenForm {
    const NUL_ALLOWED_IN: Option<&'static str> = Some("token");
}

impl<F: FormRule + 'static> FromRequest for ClientAuthentication<F> {
    type Error = EndpointError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, EndpointError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let body = Bytes::from_request(&request, payload);
        Box::pin(async move {
            let params = form::unique_body_with_nul_in(&request, body.await, F::NUL_ALLOWED_IN)?;
            let state = request
                .app_data::<Data<AppState>>()
                .ok_or(EndpointError::NoState)?;
            let (client, used_basic) = authenticate(&request, &params, state).await?;
            Ok(Self {
                client,
                used_basic,
                params,
                form: PhantomData,
            })
        })
    }
}

/// What the request presented to prove who it is.
enum Credential {
    /// Nothing: a public client (§2.1), which proves itself with PKCE.
    Nothing,
    /// A secret, in HTTP Basic or in the body (§2.3.1).
    Secret(String),
    /// A `private_key_jwt` assertion (RFC 7523 §2.2).
    Assertion(String),
}

/// What the request presented.
struct Presented {
    client_id: String,
    credential: Credential,
    used_basic: bool,
}

/// Authenticates the caller of a back-channel endpoint: the client, and
/// whether it used HTTP Basic.
async fn authenticate(
    request: &HttpRequest,
    params: &UniqueParams,
    state: &AppState,
) -> Result<(Client, bool), EndpointError> {
    let presented = presented(request, params)?;
    let used_basic = presented.used_basic;
    let refused = EndpointError::InvalidClient { basic: used_basic };
    let found = state
        .client_cache
        .find(&state.pool, &presented.client_id, state.now())
        .await?;
    let Some(client) = found else {
        return Err(refused);
    };
    check_registered_method(&client, &presented)?;
    match &presented.credential {
        Credential::Assertion(assertion) => {
            client_assertion::verify(state, &client, assertion).await?;
        }
        Credential::Secret(secret) => {
            let proven = (client.kind != ClientKind::Public)
                && client
                    .secret_hash
                    .as_ref()
                    .is_some_and(|stored| stored.matches(secret));
            if !proven {
                return Err(refused);
            }
        }
        Credential::Nothing => {}
    }
    Ok((client, used_basic))
}

/// A client authenticates the way it registered (RFC 7591 §2
/// `token_endpoint_auth_method`): a `private_key_jwt` client never with a
/// secret, a client with a secret never with an assertion, a public client
/// with neither. Basic and the body carry the same secret, so a client of
/// `client_secret_basic` may use `client_secret_post` and the reverse
/// (our policy: both prove the one secret it was given).
fn check_registered_method(client: &Client, presented: &Presented) -> Result<(), EndpointError> {
    let method = client.auth_method;
    let fits = match &presented.credential {
        Credential::Assertion(_) => method == TokenEndpointAuthMethod::PrivateKeyJwt,
        Credential::Secret(_) => method.uses_secret(),
        Credential::Nothing => method == TokenEndpointAuthMethod::None,
    };
    if fits {
        return Ok(());
    }
    Err(EndpointError::ClientAuthRefused {
        basic: presented.used_basic,
        reason: format!("this client is registered to authenticate with {method}"),
    })
}

fn presented(request: &HttpRequest, params: &UniqueParams) -> Result<Presented, EndpointError> {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or_default());
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    let assertion = client_assertion::presented(params)?;
    let one_method_only = || {
        EndpointError::InvalidRequest("use one client authentication method per request".to_owned())
    };
    match (header, assertion) {
        (Some(_), Some(_)) => Err(one_method_only()),
        (None, Some(_)) if body_secret.is_some() => Err(one_method_only()),
        (None, Some(assertion)) => Ok(Presented {
            client_id: client_assertion::client_id(body_id, assertion)?,
            credential: Credential::Assertion(assertion.to_owned()),
            used_basic: false,
        }),
        (Some(header), None) => {
            let (id, secret) = parse_basic(header)?;
            if body_secret.is_some() || body_id.is_some_and(|body_id| body_id != id) {
                return Err(one_method_only());
            }
            Ok(Presented {
                client_id: id,
                credential: Credential::Secret(secret),
                used_basic: true,
            })
        }
        (None, None) => match body_id {
            Some(id) => Ok(Presented {
                client_id: id.to_owned(),
                credential: body_secret.map_or(Credential::Nothing, |secret| {
                    Credential::Secret(secret.to_owned())
                }),
                used_basic: false,
            }),
            None => Err(EndpointError::InvalidClient { basic: false }),
        },
    }
}

/// RFC 7617 Basic credentials holding RFC 6749 §2.3.1 form-urlencoded parts:
/// the value of an `Authorization` header in, the decoded client id and
/// secret out. Public so that the fuzz targets (`fuzz/`) can reach it.
///
/// A header of another scheme is `invalid_request`; anything malformed
/// (bad base64, not UTF-8, no `:`, an empty id, a NUL) is `invalid_client`.
pub fn parse_basic(header: &str) -> Result<(String, String), EndpointError> {
    let refused = || EndpointError::InvalidClient { basic: true };
    let (scheme, encoded) = header.trim().split_once(' ').ok_or_else(refused)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(EndpointError::InvalidRequest(
            "only HTTP Basic client authentication is accepted in the Authorization header"
                .to_owned(),
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| refused())?;
    let decoded = String::from_utf8(decoded).map_err(|_| refused())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(refused)?;
    let id = form_urldecode(id).ok_or_else(refused)?;
    let secret = form_urldecode(secret).ok_or_else(refused)?;
    if id.is_empty() || holds_nul(&id) || holds_nul(&secret) {
        return Err(refused());
    }
    Ok((id, secret))
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn form_urldecode(component: &str) -> Option<String> {
    if component.contains('&') {
        return None;
    }
    let wrapped = format!("v={component}");
    url::form_urlencoded::parse(wrapped.as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_urldecoded_after_base64() {
        let header = format!("Basic {}", STANDARD.encode("my%20client:s%3Acret+x"));
        let (id, secret) = parse_basic(&header).unwrap_or_default();
        assert_eq!(id, "my client");
        assert_eq!(secret, "s:cret x");
    }

    #[test]
    fn malformed_basic_credentials_are_refused() {
        assert!(parse_basic("Basic !!!").is_err());
        assert!(parse_basic(&format!("Basic {}", STANDARD.encode("no-colon"))).is_err());
        assert!(parse_basic("Bearer abc").is_err());
    }
}
