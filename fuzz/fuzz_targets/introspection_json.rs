//! RFC 7662 introspection answers as the protected resource reads them:
//! JSON into `IntrospectionResponse`, then the resource's rules
//! (`Grant::from_answer`). Never a panic; a grant only from an active,
//! unexpired answer naming a subject.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_types::introspection::IntrospectionResponse;
use protected_resource::introspection::grant::Grant;

const NOW: i64 = 1_700_000_000;

fuzz_target!(|body: &[u8]| {
    let Ok(answer) = serde_json::from_slice::<IntrospectionResponse>(body) else {
        return;
    };
    let active = answer.active;
    let exp = answer.exp;
    if let Ok(grant) = Grant::from_answer(answer, "http://localhost:9002", NOW) {
        assert!(active);
        assert!(exp.is_some_and(|exp| exp > NOW));
        assert!(grant.expires_at > NOW);
        assert!(!grant.owner.sub().is_empty());
    }
});
