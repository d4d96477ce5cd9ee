//! Scopes, RFC 6749 §3.3.
//!
//! ```text
//! scope       = scope-token *( SP scope-token )
//! scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
//! ```
//!
//! The order of scope tokens does not matter and a set carries each at most
//! once, so a `ScopeSet` is an ordered set and prints in a stable order.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One scope token, e.g. `profile`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope(String);

/// Why a string is not a scope (or a list of scopes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("a scope token may not be empty")]
    Empty,
    #[error("a scope token may only contain printable ASCII other than space, '\"' and '\\'")]
    InvalidCharacter,
}

impl Scope {
    /// Parses one scope token (RFC 6749 §3.3 `scope-token`).
    pub fn parse(token: &str) -> Result<Self, ScopeError> {
        if token.is_empty() {
            return Err(ScopeError::Empty);
        }
        if !token.bytes().all(is_scope_token_char) {
            return Err(ScopeError::InvalidCharacter);
        }
        Ok(Self(token.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `%x21 / %x23-5B / %x5D-7E`: printable ASCII except space, `"` and `\`.
fn is_scope_token_char(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A set of scopes, as carried by the `scope` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses a space-delimited list. Runs of spaces are tolerated; any
    /// invalid token rejects the whole list.
    pub fn parse(list: &str) -> Result<Self, ScopeError> {
        list.split(' ')
            .filter(|token| !token.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.contains(scope)
    }

    /// Whether the set holds the scope named `name`, without building a `Scope`.
    pub fn contains_str(&self, name: &str) -> bool {
        self.0.iter().any(|scope| scope.as_str() == name)
    }

    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.intersection(&other.0).cloned().collect())
    }

    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.union(&other.0).cloned().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for ScopeSet {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = String::deserialize(deserializer)?;
        Self::parse(&list).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(list: &str) -> ScopeSet {
        ScopeSet::parse(list).unwrap_or_else(|err| unreachable!("{list}: {err}"))
    }

    #[test]
    fn a_list_is_parsed_into_a_set_whatever_the_order_and_repeats() {
        assert_eq!(set("post profile post"), set("profile  post"));
        assert_eq!(set("post profile").to_string(), "post profile");
        assert_eq!(set("post profile").len(), 2);
    }

    #[test]
    fn forbidden_characters_reject_the_whole_list() {
        assert_eq!(
            ScopeSet::parse("profile bad\"quote"),
            Err(ScopeError::InvalidCharacter)
        );
        assert_eq!(
            Scope::parse("back\\slash"),
            Err(ScopeError::InvalidCharacter)
        );
        assert_eq!(Scope::parse("tab\t"), Err(ScopeError::InvalidCharacter));
        assert_eq!(Scope::parse("é"), Err(ScopeError::InvalidCharacter));
        assert_eq!(Scope::parse(""), Err(ScopeError::Empty));
    }

    #[test]
    fn an_empty_list_is_an_empty_set() {
        assert!(set("").is_empty());
        assert!(set("   ").is_empty());
    }

    #[test]
    fn set_operations_follow_set_semantics() {
        let approved = set("profile post personal-message");
        let allowed = set("profile post");
        assert_eq!(approved.intersection(&allowed), set("post profile"));
        assert!(allowed.is_subset(&approved));
        assert!(!approved.is_subset(&allowed));
        assert!(approved.contains_str("personal-message"));
        assert_eq!(allowed.union(&set("openid")), set("openid post profile"));
    }

    #[test]
    fn a_set_round_trips_through_json_as_one_string() {
        let json = serde_json::to_string(&set("profile post")).unwrap_or_default();
        assert_eq!(json, "\"post profile\"");
        let back: ScopeSet = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, set("profile post"));
        assert!(serde_json::from_str::<ScopeSet>("\"a\\\\b\"").is_err());
    }
}
