//! The harness of the end-to-end tests: the three roles started in-process
//! on free ports, each with its own fresh database, wired to each other as
//! in the demo; a user agent that walks their pages hop by hop; and a real
//! headless browser.
//!
//! It is test code (it panics on anything unexpected), kept in a library
//! so that every test binary of this crate shares it.

// A harness that meets the unexpected fails the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The three roles, started and wired together.
pub mod ecosystem;

/// A client key pair for `private_key_jwt` (RFC 7523), as files.
pub mod client_key;

/// A cookie-keeping HTTP user agent that follows redirects by hand.
pub mod user_agent;

/// A real headless Chromium over WebDriver.
pub mod browser;

/// A reverse proxy that records every exchange passing through it.
pub mod recording;

/// Third-party libraries (Authlib, openid-client) run against our roles.
pub mod third_party;

/// The recorded story of docs/walkthrough.md (`scripts/trace`).
pub mod walkthrough;

pub use ecosystem::{Ecosystem, Options, Tls, Validation};

/// Reports that a test needs a tool this machine lacks. Where `variable`
/// is `required` (as in CI) that is a failure, with `missing` saying what
/// is not there; anywhere else the test is skipped with a `SKIPPED:` line
/// saying `needs`, straight to stderr (`eprintln!` is captured for passing
/// tests).
pub fn skip_unless_required(variable: &str, missing: &str, needs: &str) {
    assert!(
        std::env::var(variable).as_deref() != Ok("required"),
        "{variable}=required but {missing}"
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {needs}");
}
pub use user_agent::{AtConsent, UserAgent};
