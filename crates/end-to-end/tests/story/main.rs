//! The story a user lives across the three roles, as tests.

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod over_http;
