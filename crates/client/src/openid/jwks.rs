//! The provider's JWK Set (RFC 7517 §5), read from the `jwks_uri` of its
//! metadata (Core §10.1: the keys that sign ID tokens). Fetched at each
//! sign-in, so a rotated key is picked up at once; through the bounded,
//! redirect-free fetch of the metadata documents. Keys of a kind the
//! `openidconnect` crate does not know are skipped, not fatal.

use openidconnect::core::CoreJsonWebKeySet;

use crate::discovery::fetch::{self, FetchError, Fetched};
use crate::discovery::Endpoints;

/// Why there are no keys to check an ID token with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    #[error("the provider's metadata names no jwks_uri (OpenID Connect Discovery 1.0 §3)")]
    NoJwksUri,
    #[error("the provider's JWK Set at {url} {problem}")]
    Unavailable { url: String, problem: FetchError },
}

/// The provider's current keys, and the bytes they came in.
pub async fn fetch(
    http: &reqwest::Client,
    endpoints: &Endpoints,
) -> Result<Fetched<CoreJsonWebKeySet>, KeysError> {
    let url = endpoints.jwks_uri.as_ref().ok_or(KeysError::NoJwksUri)?;
    fetch::get_json(http, url)
        .await
        .map_err(|problem| KeysError::Unavailable {
            url: url.to_string(),
            problem,
        })
}
