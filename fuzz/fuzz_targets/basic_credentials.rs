//! HTTP Basic client authentication at the authorization server (RFC 7617
//! with RFC 6749 §2.3.1 form-urlencoding): `parse_basic` never panics, and
//! what it accepts has a non-empty client id without NUL.
#![no_main]

use authorization_server::client_auth::parse_basic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|header: &str| {
    if let Ok((client_id, secret)) = parse_basic(header) {
        assert!(!client_id.is_empty());
        assert!(!client_id.contains('\0') && !secret.contains('\0'));
    }
});
