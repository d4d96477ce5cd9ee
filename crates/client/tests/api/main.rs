//! The client's HTTP behaviour, against `wiremock` fakes of the other roles
//! (`fakes`) and, in `real_roles`, against the real ones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
mod database_outage;
mod device_command;
mod discovery;
mod dpop;
mod dpop_nonces;
mod fake_dpop;
mod fake_par;
mod fake_provider;
mod fakes;
mod helpers;
mod inputs;
mod private_key_jwt;
mod pushed_authorization;
mod real_roles;
mod resource_calls;
mod sessions;
mod sign_in;
mod sign_in_attacks;
mod sweeper;
