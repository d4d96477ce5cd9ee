//! Tests of what every role stands on: the database layer on both backends
//! and the listener with TLS.

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod back_channel;
mod database;
mod doc_references;
mod migrations;
mod server;
mod sweeper;
mod unavailable;
mod workspace;
