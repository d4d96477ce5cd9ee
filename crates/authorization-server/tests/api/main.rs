//! The authorization server over HTTP, started in-process on port 0 with a
//! fresh database (SQLite, and Postgres when TEST_POSTGRES_URL is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod admin;
mod authorize;
mod consent;
mod database_outage;
mod device;
mod device_races;
mod dpop;
mod dpop_userinfo;
mod inputs;
mod instances;
mod introspect;
mod jwt;
mod key_encryption;
mod login;
mod metadata;
mod oidc_discovery;
mod oidc_flow;
mod oidc_logout;
mod oidc_prompt;
mod oidc_tokens;
mod oidc_userinfo;
mod par;
mod private_key_jwt;
mod private_key_jwt_flows;
mod races;
mod registration;
mod registration_inputs;
mod registration_management;
mod revoke;
mod signing_alg;
mod sweeper;
mod testing_api;
mod token;
