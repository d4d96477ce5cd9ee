//! The successful token response, RFC 6749 §5.1.

use serde::{Deserialize, Serialize};

use crate::secret::{AccessToken, RefreshToken};
use crate::ScopeSet;

/// What `/token` answers on success. The tokens keep their redacting
/// types on the wire too: `Debug` of an answer shows no credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: AccessToken,
    /// Always `Bearer` here (RFC 6750).
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// RFC 6749 §5.1: required when it differs from the requested scope;
    /// this server always sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeSet>,
    /// OpenID Connect Core §3.1.3.3: the ID token, when the grant carried
    /// scope `openid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_is_plain_strings_and_debug_shows_no_token() {
        let json = r#"{"access_token":"at-123456789","token_type":"Bearer","expires_in":600,"refresh_token":"rt-987654321","scope":"profile"}"#;
        let answer: TokenResponse = serde_json::from_str(json).unwrap();

        assert_eq!(answer.access_token.secret(), "at-123456789");
        assert_eq!(serde_json::to_string(&answer).unwrap(), json);
        let shown = format!("{answer:?}");
        assert!(!shown.contains("at-123456789"), "{shown}");
        assert!(!shown.contains("rt-987654321"), "{shown}");
    }
}
