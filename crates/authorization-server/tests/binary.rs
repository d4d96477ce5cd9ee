//! The binary as an operator runs it (contract: "Every binary").

// A test that meets the unexpected fails loudly: that is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[actix_rt::test]
async fn the_binary_serves_on_port_zero_stops_on_sigterm_and_refuses_bad_flags() {
    // The server signs ID tokens whatever the access-token format, so it
    // needs its key-encryption key to serve: given here as an operator
    // would, through the environment (this file's only test sets it).
    let kek_file = authorization_server::testing::key_encryption_key_file("binary-test");
    std::env::set_var("AS_KEY_ENCRYPTION_KEY_FILE", &kek_file);
    service_kit::testing::binary::assert_every_binary_rules(
        env!("CARGO_BIN_EXE_authorization-server"),
        "AS_",
    )
    .await;
}
