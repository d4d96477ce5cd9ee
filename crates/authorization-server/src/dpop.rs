//! DPoP (RFC 9449) at the authorization server: the proof a client sends
//! with a token request (§5) or a UserInfo request (§7), checked as §4.3
//! says, and what a token request binds its tokens to.
//!
//! The checks of the proof itself are `oauth_types::dpop::verify_proof`;
//! what only a server can do is here: one `DPoP` header at most (§4.3
//! item 1), the URL the proof must name (our endpoint under the issuer),
//! and the replay check (§11.1), shared by every instance through the
//! database (`store::dpop_proofs`). Under `--dpop-nonce`, a proof must also
//! carry a nonce we handed out (§8; `oauth_types::dpop_nonce`).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use oauth_types::dpop::{self, JwkThumbprint, ProofCheck, VerifiedProof};
use oauth_types::dpop_nonce::{NonceSecret, SECRET_NAME};
use oauth_types::secret::AccessToken;
use service_kit::database::secrets::server_secret;
use service_kit::StartupError;

use crate::errors::EndpointError;
use crate::state::AppState;
use crate::store::clients::{Client, ClientKind};
use crate::store::dpop_proofs;

/// The response header that hands out a nonce (RFC 9449 §8.1).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// The `DPoP` request header, if the request carried one (unchecked).
#[derive(Debug, Clone, Default)]
pub struct DpopHeader(pub Option<String>);

/// §4.3 item 1: "not more than one DPoP HTTP request header field"; a
/// value that is not ASCII is no proof either.
impl FromRequest for DpopHeader {
    type Error = EndpointError;
    type Future = Ready<Result<Self, EndpointError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut values = request.headers().get_all("DPoP");
        let header = match (values.next(), values.next()) {
            (None, _) => Ok(Self(None)),
            (Some(value), None) => value
                .to_str()
                .map(|proof| Self(Some(proof.to_owned())))
                .map_err(|_| invalid_proof("the DPoP header is not ASCII")),
            (Some(_), Some(_)) => Err(invalid_proof("more than one DPoP header")),
        };
        ready(header)
    }
}

pub fn invalid_proof(description: &str) -> EndpointError {
    EndpointError::InvalidDpopProof(description.to_owned())
}

/// Checks the proof of a request to our endpoint at `path` (`/token`,
/// `/userinfo`) with `method`, for `access_token` where one is presented
/// (`ath`, §4.3 item 12), then remembers it: a proof is accepted once.
/// `Ok(None)` when no proof was sent.
pub async fn accept(
    state: &AppState,
    header: DpopHeader,
    method: &str,
    path: &str,
    access_token: Option<&AccessToken>,
) -> Result<Option<VerifiedProof>, EndpointError> {
    let Some(proof) = header.0 else {
        return Ok(None);
    };
    let url = url::Url::parse(&state.endpoint(path))
        .map_err(|_| invalid_proof("this server's own URL does not parse"))?;
    let check = ProofCheck {
        method,
        url: &url,
        now: state.now(),
        access_token,
        nonce: None,
    };
    let verified =
        dpop::verify_proof(&proof, &check).map_err(|error| invalid_proof(&error.to_string()))?;
    check_nonce(state, &verified)?;
    if !dpop_proofs::remember(&state.pool, &verified).await? {
        return Err(invalid_proof("the DPoP proof was used before (jti)"));
    }
    Ok(Some(verified))
}

/// §8: under `--dpop-nonce`, a proof without a nonce of ours for now (or
/// the window before) is answered `use_dpop_nonce` with a fresh one. Its
/// `jti` is not remembered: the client makes a new proof anyway.
fn check_nonce(state: &AppState, proof: &VerifiedProof) -> Result<(), EndpointError> {
    let Some(secret) = &state.dpop_nonce else {
        return Ok(());
    };
    secret
        .require(proof.nonce.as_deref(), state.now())
        .map_err(|nonce| EndpointError::UseDpopNonce { nonce })
}

/// The DPoP nonce secret of this server's database, made by the first
/// instance that needs it.
pub async fn nonce_secret(pool: &sqlx::AnyPool) -> Result<NonceSecret, StartupError> {
    let unusable = |why: String| StartupError::Config(format!("the DPoP nonce secret: {why}"));
    let encoded = server_secret(pool, SECRET_NAME, NonceSecret::generate_encoded)
        .await
        .map_err(|error| unusable(error.to_string()))?;
    NonceSecret::from_encoded(&encoded).ok_or_else(|| unusable("corrupt".to_owned()))
}

/// The key a token request binds its access token to: the proof's, if it
/// sent one. A client registered with `dpop_bound_access_tokens` must send
/// one (§5.2).
pub fn access_token_binding(
    client: &Client,
    proof: Option<&VerifiedProof>,
) -> Result<Option<JwkThumbprint>, EndpointError> {
    match proof {
        Some(proof) => Ok(Some(proof.jkt.clone())),
        None if client.dpop_bound_access_tokens => Err(invalid_proof(
            "this client's tokens must be DPoP-bound: send a DPoP proof",
        )),
        None => Ok(None),
    }
}

/// §5: a public client's refresh token is bound to the key of its access
/// token (it has no other proof of who presents it); a confidential
/// client's is not (it authenticates).
pub fn refresh_token_binding(
    client: &Client,
    access_token_jkt: Option<&JwkThumbprint>,
) -> Option<JwkThumbprint> {
    (client.kind == ClientKind::Public)
        .then(|| access_token_jkt.cloned())
        .flatten()
}

/// A grant bound to `bound` (a code's `dpop_jkt`, a public client's refresh
/// token) may only be used with a proof by that key.
pub fn check_grant_binding(
    bound: Option<&JwkThumbprint>,
    presented: Option<&JwkThumbprint>,
    what: &str,
) -> Result<(), EndpointError> {
    match (bound, presented) {
        (Some(bound), Some(presented)) if bound == presented => Ok(()),
        (Some(_), Some(_)) => Err(EndpointError::InvalidGrant(format!(
            "{what} is bound to another DPoP key"
        ))),
        (Some(_), None) => Err(EndpointError::InvalidGrant(format!(
            "{what} is bound to a DPoP key: send a DPoP proof by it"
        ))),
        (None, _) => Ok(()),
    }
}
