//! The JWT story (`docs/walkthrough/jwt.{json,md}`): the connect-and-post
//! of the OAuth story with the authorization server issuing RFC 9068 JWT
//! access tokens (`--access-token-format jwt`) and the resource validating
//! them itself (`--validation jwt`). The token is shown decoded in the
//! token response; instead of introspecting, the resource reads the
//! issuer's metadata and its JWK Set once (RFC 8414 §3, RFC 7517 §5), then
//! checks every token's signature, `iss`, `aud`, `exp` and `typ` locally.

use authorization_server::AccessTokenFormat;
use protected_resource::ValidationMethod;

use super::story::{connect, post, IssuerSetting, Setup, Stage, TokenBinding};
use super::Exchange;
use crate::recording::RawExchange;
use crate::UserAgent;

/// Connects hamza and posts twice with JWT access tokens; returns the
/// exchanges, redacted.
pub async fn record_jwt() -> Vec<Exchange> {
    let mut setup = Setup::new(IssuerSetting::Configured, TokenBinding::Bearer);
    setup.access_token_format = AccessTokenFormat::Jwt;
    setup.validation = ValidationMethod::Jwt;
    let stage = Stage::start_with(setup).await;
    let client_front = &stage.client_front;
    let hamza = UserAgent::new("hamza", "hamza-password");

    let connected = connect(&hamza, client_front).await;
    // The first post: the resource fetches the issuer's keys, then checks.
    let posted = post(&hamza, client_front, &connected, "10 km along the river").await;
    // The second: the keys are cached, nothing is fetched.
    post(&hamza, client_front, &posted, "and back").await;

    let raw = stage.raw();
    assert_eq!(count(&raw, "/jwks.json"), 1, "the keys fetched once");
    assert_eq!(count(&raw, "/introspect"), 0, "no introspection");
    stage.recording()
}

/// How many requests went to `path`.
fn count(raw: &[RawExchange], path: &str) -> usize {
    raw.iter().filter(|exchange| exchange.path == path).count()
}
