//! Tests across the three roles: the story a user lives, in plain HTTP and
//! in a real browser.

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod attacks;
mod device;
mod dpop;
mod in_browser;
mod interop;
mod labs;
mod over_http;
mod private_key_jwt;
mod pushed_authorization;
mod resilience;
mod sign_in;
mod walkthrough;
