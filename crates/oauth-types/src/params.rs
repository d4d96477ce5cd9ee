//! Request parameters of `application/x-www-form-urlencoded` bodies and
//! query strings.
//!
//! RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be
//! included more than once." Parsing into this type is where that rule is
//! kept, so handlers never see an ambiguous request.

use std::collections::HashMap;

/// Why a parameter list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("the parameter '{0}' is included more than once")]
    Repeated(String),
}

/// Parameters with each name present at most once. Empty values count as
/// absent (RFC 6749 §3.1: "Parameters sent without a value MUST be treated
/// as if they were omitted").
#[derive(Debug, Clone, Default)]
pub struct UniqueParams(HashMap<String, String>);

impl UniqueParams {
    /// Builds the map from decoded pairs, refusing any name given twice.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, ParamsError> {
        let mut map = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            if map.contains_key(&name) {
                return Err(ParamsError::Repeated(name));
            }
            map.insert(name, value);
        }
        Ok(Self(map))
    }

    /// The value of `name`, if present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Every parameter with a value, as name/value pairs (in no order).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_repeated_parameter_is_refused_by_name() {
        let result =
            UniqueParams::from_pairs(pairs(&[("scope", "a"), ("state", "x"), ("scope", "b")]));
        assert_eq!(result.err(), Some(ParamsError::Repeated("scope".into())));
    }

    #[test]
    fn empty_values_count_as_absent() {
        let params =
            UniqueParams::from_pairs(pairs(&[("state", ""), ("code", "abc")])).unwrap_or_default();
        assert_eq!(params.get("state"), None);
        assert_eq!(params.get("code"), Some("abc"));
        assert_eq!(params.get("missing"), None);
    }
}
