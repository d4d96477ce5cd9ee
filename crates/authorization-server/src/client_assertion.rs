//! `private_key_jwt` (RFC 7523 §2.2, §3) at the authorization server: the
//! client authentication of [`crate::client_auth`] when a request carries
//! `client_assertion_type` and `client_assertion`.
//!
//! The checks of the assertion itself are
//! `oauth_types::client_assertion::verify_assertion`; what only the server
//! knows is here: the client's registered JWK Set, the audiences it must
//! name (our issuer, or our token endpoint's URL, §3 item 3), our clock,
//! and the replay check (§3 item 7), shared by every instance through the
//! database (`store::client_assertions`). Every refusal is `401
//! invalid_client` with a description.

use oauth_types::client_assertion::{self, AssertionCheck, ASSERTION_TYPE};
use oauth_types::params::UniqueParams;

use crate::errors::EndpointError;
use crate::state::AppState;
use crate::store::client_assertions;
use crate::store::clients::Client;

fn refused(reason: impl Into<String>) -> EndpointError {
    EndpointError::ClientAuthRefused {
        basic: false,
        reason: reason.into(),
    }
}

/// The assertion of a request, if it carries one: RFC 7521 §4.2 sends
/// `client_assertion_type` and `client_assertion` together, and we know
/// one type, RFC 7523 §2.2's.
pub fn presented(params: &UniqueParams) -> Result<Option<&str>, EndpointError> {
    match (
        params.get("client_assertion_type"),
        params.get("client_assertion"),
    ) {
        (None, None) => Ok(None),
        (Some(ASSERTION_TYPE), Some(assertion)) => Ok(Some(assertion)),
        (Some(_), Some(_)) => Err(refused(format!(
            "client_assertion_type must be {ASSERTION_TYPE}"
        ))),
        _ => Err(refused(
            "send client_assertion_type and client_assertion together",
        )),
    }
}

/// The client an assertion is from: its `sub` (§3 item 2), which must be
/// the `client_id` parameter when one is sent (RFC 7521 §4.2). Unchecked
/// until [`verify`] has run.
pub fn client_id(body_id: Option<&str>, assertion: &str) -> Result<String, EndpointError> {
    let claimed = client_assertion::claimed_client_id(assertion)
        .map_err(|error| refused(error.to_string()))?;
    match body_id {
        Some(id) if id != claimed => Err(refused(
            "the client_id parameter is not the client_assertion's sub",
        )),
        _ => Ok(claimed),
    }
}

/// Checks `assertion` as `client`'s (RFC 7523 §3), then remembers it: an
/// assertion is accepted once.
pub async fn verify(
    state: &AppState,
    client: &Client,
    assertion: &str,
) -> Result<(), EndpointError> {
    let keys = client
        .jwks
        .as_ref()
        .ok_or_else(|| refused("this client has no registered JWK Set"))?;
    let audiences = [state.issuer.clone(), state.endpoint("/token")];
    let check = AssertionCheck {
        client_id: &client.client_id,
        audiences: &audiences,
        now: state.now(),
    };
    let verified = client_assertion::verify_assertion(assertion, keys, &check)
        .map_err(|error| refused(error.to_string()))?;
    if !client_assertions::remember(&state.pool, &client.client_id, &verified).await? {
        return Err(refused("the client_assertion was used before (jti)"));
    }
    Ok(())
}
