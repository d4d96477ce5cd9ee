//! The extractor [`Authorized<S>`]: the request's token, validated
//! (introspected, or checked as a JWT: [`crate::validation`]), holding scope
//! `S`, and the request body that came with it.
//!
//! It reads the body itself, because with RFC 6750 §2.2 the token may be a
//! field of the body, whose other fields then carry the request. Handlers
//! read that body with [`Authorized::body`], which accepts JSON, or a form
//! body (whatever way the token came).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::body::{to_bytes_limited, BodyStream};
use actix_web::http::Method;
use actix_web::web::{Bytes, Data};
use actix_web::{dev, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use service_kit::clock::Clock;
use service_kit::Database;

use oauth_types::dpop::{ProofCheck, VerifiedProof};
use oauth_types::secret::AccessToken;

use crate::dpop::{self, DpopRefusal, NonceRequirement, ProofReplay};
use crate::introspection::Grant;
use crate::metadata::ResourceIdentity;
use crate::store;
use crate::validation::TokenValidator;

use super::locate::{locate, TokenWay};
use super::{ApiError, RequiredScope};

/// The largest request body read (a 5000-character message, escaped, fits).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// A request whose bearer token is active, meant for this resource, and
/// holds the scope `S`.
pub struct Authorized<S: RequiredScope> {
    /// What the token grants; its `owner` is the only source of whose data
    /// the request touches.
    pub grant: Grant,
    /// How the token came.
    pub way: TokenWay,
    /// When it was validated, by the resource's clock: the time the handler
    /// acts at.
    pub now: i64,
    body: RequestBody,
    scope: PhantomData<S>,
}

/// The body as received, with its media type.
enum RequestBody {
    None,
    Json(Bytes),
    Form(Bytes),
    Other,
}

impl<S: RequiredScope> Authorized<S> {
    /// The request body as `T`: JSON, or form fields (a form body's
    /// `access_token` field is the token, not part of `T`).
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let invalid = |what: String| ApiError::InvalidRequest(what);
        match &self.body {
            RequestBody::Json(bytes) => serde_json::from_slice(bytes)
                .map_err(|err| invalid(format!("the JSON body does not fit this endpoint: {err}"))),
            RequestBody::Form(bytes) => {
                let pairs = form_pairs(bytes);
                oauth_types::params::UniqueParams::from_pairs(pairs)
                    .map_err(|err| invalid(err.to_string()))?;
                serde_urlencoded::from_bytes(bytes).map_err(|err| {
                    invalid(format!("the form body does not fit this endpoint: {err}"))
                })
            }
            RequestBody::None | RequestBody::Other => Err(invalid(format!(
                "send the body as {JSON} (or {FORM} with the access_token field)"
            ))),
        }
    }
}

impl<S: RequiredScope + 'static> FromRequest for Authorized<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let request = request.clone();
        let payload = payload.take();
        Box::pin(async move { authorize::<S>(&request, payload).await })
    }
}

/// Locate (RFC 6750 §2), validate (RFC 7662 or RFC 9068), check the scope
/// (RFC 6750 §3.1), in that order.
async fn authorize<S: RequiredScope>(
    request: &HttpRequest,
    payload: dev::Payload,
) -> Result<Authorized<S>, ApiError> {
    let (validator, database, clock) = app_state(request)?;
    let now = clock.now();
    let body = read_body(request, payload).await?;
    let form = match &body {
        RequestBody::Form(bytes) => Some(form_pairs(bytes)),
        _ => None,
    };
    let (token, way) = locate(request.headers(), request.query_string(), form.as_deref())?;
    let proof = proof_of(request, way, &token, now)?;
    let validated = validator.validate(&token, now).await?;
    sender_constraint(request, proof, &validated.grant, now)?;
    log_accepted(&validated.grant);
    if validated.fresh {
        remember_username(&database, &validated.grant, now).await?;
    }
    if !validated.grant.scope.contains_str(S::NAME) {
        return Err(ApiError::InsufficientScope(S::NAME));
    }
    Ok(Authorized {
        grant: validated.grant,
        way,
        now,
        body,
        scope: PhantomData,
    })
}

/// RFC 9449 §7.1: with the `DPoP` scheme, the request's proof, checked
/// (§4.3) for this request and this token.
fn proof_of(
    request: &HttpRequest,
    way: TokenWay,
    token: &AccessToken,
    now: i64,
) -> Result<Option<VerifiedProof>, ApiError> {
    if way != TokenWay::DpopHeader {
        return Ok(None);
    }
    let identity = request
        .app_data::<Data<ResourceIdentity>>()
        .ok_or_else(|| ApiError::unexpected("app state", &"the identity is not mounted"))?;
    let url = identity.request_url(request.path());
    let check = ProofCheck {
        method: request.method().as_str(),
        url: &url,
        now,
        access_token: Some(token),
        nonce: None,
    };
    let header = dpop::proof_header(request.headers())?;
    let proof = oauth_types::dpop::verify_proof(header, &check).map_err(DpopRefusal::from)?;
    // §9: under `--dpop-nonce`, only a proof made with a nonce of ours.
    if let Some(nonces) = request.app_data::<Data<NonceRequirement>>() {
        nonces.check(&proof, now).map_err(ApiError::UseDpopNonce)?;
    }
    Ok(Some(proof))
}

/// One line per accepted token, naming its kind (never the token): an
/// operator sees whether only DPoP-bound tokens get through.
fn log_accepted(grant: &Grant) {
    let token_type = match grant.binding {
        Some(_) => "DPoP",
        None => "Bearer",
    };
    let client_id = grant.client_id.as_deref().unwrap_or("-");
    tracing::info!(token_type, client_id, "access token accepted");
}

/// A token bound to a key (RFC 9449 §6) counts only with a proof by that
/// key, and a proof counts only once (§11.1); an unbound token is not sent
/// as DPoP (§7.1: the scheme promises a binding).
fn sender_constraint(
    request: &HttpRequest,
    proof: Option<VerifiedProof>,
    grant: &Grant,
    now: i64,
) -> Result<(), ApiError> {
    match (proof, &grant.binding) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ApiError::InvalidToken(
            "this token is bound to a key: send it as 'Authorization: DPoP' with a proof"
                .to_owned(),
        )),
        (Some(_), None) => Err(ApiError::InvalidToken(
            "this token is not bound to a key: send it as a Bearer token".to_owned(),
        )),
        (Some(proof), Some(binding)) if proof.jkt != *binding => Err(DpopRefusal::WrongKey.into()),
        (Some(proof), Some(_)) => {
            let replay = request
                .app_data::<Data<ProofReplay>>()
                .ok_or_else(|| ApiError::unexpected("app state", &"no DPoP replay cache"))?;
            Ok(replay.first_use(&proof, now)?)
        }
    }
}

type AppState = (Data<TokenValidator>, Data<Database>, Data<Clock>);

fn app_state(request: &HttpRequest) -> Result<AppState, ApiError> {
    let validator = request.app_data::<Data<TokenValidator>>().cloned();
    let database = request.app_data::<Data<Database>>().cloned();
    let clock = request.app_data::<Data<Clock>>().cloned();
    match (validator, database, clock) {
        (Some(validator), Some(database), Some(clock)) => Ok((validator, database, clock)),
        _ => Err(ApiError::unexpected(
            "app state",
            &"the token validator, database or clock is not mounted",
        )),
    }
}

/// Reads at most [`MAX_BODY_BYTES`]. `GET` and `HEAD` have no body (RFC
/// 6750 §2.2 forbids the form way for `GET`).
async fn read_body(request: &HttpRequest, payload: dev::Payload) -> Result<RequestBody, ApiError> {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return Ok(RequestBody::None);
    }
    let bytes = match to_bytes_limited(BodyStream::new(payload), MAX_BODY_BYTES).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err(ApiError::InvalidRequest(
                "the body could not be read".to_owned(),
            ))
        }
        Err(_) => {
            return Err(ApiError::InvalidRequest(format!(
                "the body is larger than {MAX_BODY_BYTES} bytes"
            )))
        }
    };
    let media_type = request.content_type();
    Ok(if media_type.eq_ignore_ascii_case(FORM) {
        RequestBody::Form(bytes)
    } else if media_type.eq_ignore_ascii_case(JSON) {
        RequestBody::Json(bytes)
    } else if bytes.is_empty() && media_type.is_empty() {
        RequestBody::None
    } else {
        RequestBody::Other
    })
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// Usernames become known to this resource when their owners' tokens are
/// introspected, or first seen as JWTs (so that messages can be addressed by
/// username).
async fn remember_username(database: &Database, grant: &Grant, now: i64) -> Result<(), ApiError> {
    let Some(username) = grant.owner.username() else {
        return Ok(());
    };
    store::users::remember(database.pool(), grant.owner.sub(), username, now)
        .await
        .map_err(|err| ApiError::database("remembering a username", &err))
}
