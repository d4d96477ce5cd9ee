//! `GET /authorize?client_id=…&request_uri=…` (RFC 9126 §4): the browser
//! brings the `request_uri` that `/par` gave the client, and the request
//! pushed then runs as if its parameters had been sent here.
//!
//! The `request_uri` must name a request that this very `client_id`
//! pushed, that has not expired, and that was not used before: it is
//! spent by one conditional UPDATE, so of simultaneous uses exactly one
//! goes on (rule 32; RFC 9126 §4 lets a server allow a reload to reuse it,
//! our policy is single use). Anything else is an error page, never a
//! redirect: without the pushed request there is no redirect URI to trust.

use crate::errors::PageError;
use crate::form;
use crate::state::AppState;
use crate::store::pushed_requests::{self, RequestUri};

/// Where the parameters of an authorization request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The query string of `/authorize`.
    FrontChannel,
    /// A request pushed to `/par`, named by `request_uri`.
    Pushed,
}

/// The parameters of the request: the pushed ones when the query names a
/// `request_uri` (spent here), else the query itself.
pub(super) async fn resolve(
    query: Vec<(String, String)>,
    state: &AppState,
) -> Result<(Vec<(String, String)>, Origin), PageError> {
    let bad = |message: &str| PageError::BadRequest(message.to_owned());
    let Some(request_uri) = form::single(&query, "request_uri")
        .map_err(|_| bad("request_uri was sent more than once."))?
    else {
        return Ok((query, Origin::FrontChannel));
    };
    let client_id = form::single(&query, "client_id")
        .map_err(|_| bad("client_id was sent more than once."))?
        .ok_or_else(|| bad("The request names no client (client_id is missing)."))?;
    // RFC 9126 §4: every other parameter of the query is ignored; only the
    // pushed ones count, so nothing tampered with in the browser does.
    let request_uri = RequestUri::presented(request_uri);
    let mut pairs = pushed_requests::spend(&state.pool, &request_uri, client_id, state.now())
        .await?
        .ok_or_else(|| {
            bad(
                "This authorization request is unknown, has expired or was already used \
                 (request_uri). Go back to the application and start again.",
            )
        })?;
    pairs.push(("client_id".to_owned(), client_id.to_owned()));
    Ok((pairs, Origin::Pushed))
}
