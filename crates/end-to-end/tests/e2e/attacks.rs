//! Attacks that cross roles (security.md; docs/security.md maps every rule
//! to its tests, most of which live in the role crates):
//!
//! - [`clickjacking`]: no HTML page of any of the three roles may be framed
//!   (rule 13);
//! - [`callbacks`]: a replayed callback URL: refused by the client before it reaches the
//!   authorization server, so the code is not redeemed twice and the
//!   connection survives (rules 3, 25);
//! - an attacker's authorization response fed to a victim's browser (CSRF
//!   on the client's callback): refused, and the attacker's code is not
//!   even spent (rule 25);
//! - [`database_leak`]: a copy of every database holds no usable token,
//!   code, secret or password (rules 3, 4);
//! - [`logs`]: secrets in logs: the three real binaries at `RUST_LOG=debug` through a
//!   whole flow, then every password, client secret, code, state, PKCE
//!   verifier, access and refresh token of that flow is searched for in
//!   their stderr (rules 23, 31; contract "Logs");
//! - [`stolen_dpop_token`]: the client's DPoP-bound access token, copied
//!   from its database, replayed as a Bearer token and with a proof by
//!   another key: refused (rule 38).
//!
//! The log test starts the binaries `target/debug/{authorization-server,
//! protected-resource,client}` next to this test executable. `cargo test
//! --workspace` builds them; `cargo test -p end-to-end` alone does not, so
//! run `cargo build --workspace --bins` first in that case (the test says
//! so when they are missing).

mod callbacks;
mod clickjacking;
mod database_leak;
mod logs;
mod stolen_dpop_token;
