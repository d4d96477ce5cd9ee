//! The binary as an operator runs it (contract: "Every binary").

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[actix_rt::test]
async fn the_binary_serves_on_port_zero_stops_on_sigterm_and_refuses_bad_flags() {
    service_kit::testing::binary::assert_every_binary_rules(
        env!("CARGO_BIN_EXE_protected-resource"),
        "RS_",
    )
    .await;
}

#[test]
fn a_ca_certificate_file_that_cannot_be_read_is_a_one_line_exit_2() {
    service_kit::testing::binary::assert_unreadable_ca_cert_is_refused(
        env!("CARGO_BIN_EXE_protected-resource"),
        "RS_",
    );
}
