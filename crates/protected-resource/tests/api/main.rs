//! The protected resource over HTTP, started in-process on port 0 with a
//! fresh database, in front of a fake RFC 7662 endpoint (a `wiremock` mock
//! server) that each test scripts (and, in `real_authorization_server`, in
//! front of the real one); in `jwt` and `jwt_keys`, in `--validation jwt` mode in front of a fake
//! RFC 9068 issuer (`fake_issuer`).

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_issuer;
mod helpers;

mod bodies;
mod cache;
mod database_outage;
mod dpop;
mod inputs;
mod introspection_failures;
mod jwt;
mod jwt_keys;
mod logs;
mod me;
mod messages;
mod metadata;
mod posts;
mod real_authorization_server;
mod refusals;
mod token_ways;
mod wall;
