//! Token introspection, RFC 7662.
//!
//! Only the fields of RFC 7662 §2.2 are read, so a protected resource built
//! on this type works against any conforming authorization server.

use serde::{Deserialize, Deserializer, Serialize};

use crate::dpop::Confirmation;
use crate::ScopeSet;

/// The introspection answer, RFC 7662 §2.2. `active` is the only required
/// member; an inactive answer carries nothing else (§2.2, §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectionResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Expiry, seconds since the epoch.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub exp: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub iat: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Audience::is_empty")]
    pub aud: Audience,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// RFC 9449 §6.2: the key a DPoP-bound token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

impl IntrospectionResponse {
    /// Exactly `{"active": false}`.
    pub fn inactive() -> Self {
        Self::default()
    }
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, which may carry a
/// fraction. Whole seconds are kept (rounded down).
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(i64),
        Fraction(f64),
    }
    Ok(match Option::<Seconds>::deserialize(deserializer)? {
        None => None,
        Some(Seconds::Whole(seconds)) => Some(seconds),
        // `as` saturates: an absurd value becomes i64::MIN or i64::MAX.
        Some(Seconds::Fraction(seconds)) => Some(seconds.floor() as i64),
    })
}

/// The `aud` claim: one string or an array of strings (RFC 7662 §2.2 refers
/// to RFC 7519 §4.1.3, which allows both). Written back as a string when
/// there is one audience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience(Vec<String>);

impl Audience {
    pub fn new(audiences: Vec<String>) -> Self {
        Self(audiences)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, audience: &str) -> bool {
        self.0.iter().any(|candidate| candidate == audience)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl Serialize for Audience {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_str(one),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(one) => Self(vec![one]),
            OneOrMany::Many(many) => Self(many),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inactive_answer_is_exactly_active_false() {
        let json = serde_json::to_string(&IntrospectionResponse::inactive()).unwrap_or_default();
        assert_eq!(json, r#"{"active":false}"#);
    }

    #[test]
    fn audience_reads_a_string_or_an_array() {
        let one: IntrospectionResponse =
            serde_json::from_str(r#"{"active":true,"aud":"http://localhost:9002"}"#)
                .unwrap_or_default();
        assert!(one.aud.contains("http://localhost:9002"));
        let many: IntrospectionResponse =
            serde_json::from_str(r#"{"active":true,"aud":["a","http://localhost:9002"]}"#)
                .unwrap_or_default();
        assert!(many.aud.contains("http://localhost:9002"));
        assert!(!many.aud.contains("b"));
    }

    #[test]
    fn times_may_carry_a_fraction_but_not_be_strings() {
        let answer: IntrospectionResponse =
            serde_json::from_str(r#"{"active":true,"exp":1700000000.75,"iat":1699999000}"#)
                .unwrap_or_default();
        assert_eq!(answer.exp, Some(1_700_000_000));
        assert_eq!(answer.iat, Some(1_699_999_000));
        let string_exp =
            serde_json::from_str::<IntrospectionResponse>(r#"{"active":true,"exp":"1700000000"}"#);
        assert!(string_exp.is_err());
    }

    #[test]
    fn unknown_members_are_ignored_and_scope_is_parsed() {
        let answer: IntrospectionResponse =
            serde_json::from_str(r#"{"active":true,"scope":"post profile","ext":1}"#)
                .unwrap_or_default();
        assert!(answer.active);
        assert!(answer.scope.is_some_and(|s| s.contains_str("post")));
    }
}
