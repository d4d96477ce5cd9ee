//! `application/x-www-form-urlencoded` bodies and queries as the
//! authorization server reads them: decoded pairs, then
//! `UniqueParams::from_pairs` (RFC 6749 §3.1: no parameter twice). Never a
//! panic; accepted only when every name is distinct, and then each value
//! is found under its name (an empty one as absent).
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use oauth_types::params::UniqueParams;

fuzz_target!(|input: &[u8]| {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(input).into_owned().collect();
    let distinct = pairs
        .iter()
        .map(|(name, _)| name)
        .collect::<HashSet<_>>()
        .len();
    match UniqueParams::from_pairs(pairs.clone()) {
        Ok(params) => {
            assert_eq!(distinct, pairs.len(), "a repeated name was accepted");
            for (name, value) in &pairs {
                // RFC 6749 §3.1: a parameter without a value counts as omitted.
                let expected = Some(value.as_str()).filter(|value| !value.is_empty());
                assert_eq!(params.get(name), expected);
            }
        }
        Err(_) => assert!(distinct < pairs.len(), "distinct names were refused"),
    }
});
