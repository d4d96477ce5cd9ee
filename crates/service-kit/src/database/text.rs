//! Text that can be stored. Postgres `TEXT` cannot hold U+0000 (NUL) and
//! refuses a query that binds one; SQLite would store it. So that both
//! backends behave alike, every role checks text from outside here before
//! binding it: a NUL is refused as bad input (or, for text only recorded
//! for display, replaced), never sent to the database.

/// Whether `text` holds a NUL, which no identifier, secret or message we
/// keep may contain.
pub fn holds_nul(text: &str) -> bool {
    text.contains('\0')
}

/// `text` with each NUL shown as U+FFFD (the replacement character): for
/// what is recorded to be displayed, such as raw HTTP traffic.
pub fn nul_replaced(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_anywhere_is_found_and_replaced() {
        for text in ["\0", "a\0", "\0b", "a\0b"] {
            assert!(holds_nul(text), "{text:?}");
            assert!(!holds_nul(&nul_replaced(text)), "{text:?}");
        }
        assert!(!holds_nul("plain"));
        assert_eq!(nul_replaced("a\0b"), "a\u{FFFD}b");
    }
}
