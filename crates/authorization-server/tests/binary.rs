//! The binary as an operator runs it (contract: "Every binary").

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[actix_rt::test]
async fn the_binary_serves_on_port_zero_stops_on_sigterm_and_refuses_bad_flags() {
    service_kit::testing::binary::assert_every_binary_rules(
        env!("CARGO_BIN_EXE_authorization-server"),
        "AS_",
    )
    .await;
}
