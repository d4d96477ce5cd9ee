//! RFC 6749 §3.3 scope strings: `ScopeSet::parse` never panics, and what it
//! accepts prints back to a string that parses to the same set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_types::ScopeSet;

fuzz_target!(|input: &str| {
    let Ok(set) = ScopeSet::parse(input) else {
        return;
    };
    let printed = set.to_string();
    let again = ScopeSet::parse(&printed).expect("a printed scope set parses");
    assert_eq!(again, set);
    assert!(set.intersection(&again).is_subset(&set));
    assert!(set.is_subset(&set.union(&ScopeSet::empty())));
    for scope in set.iter() {
        assert!(set.contains_str(scope.as_str()));
    }
});
