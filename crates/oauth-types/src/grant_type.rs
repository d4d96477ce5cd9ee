//! The grant types this ecosystem speaks (RFC 6749 §4, §6, RFC 8628 §3.4):
//! the values of
//! `grant_type` at the token endpoint, of a client's registration, and of
//! `grant_types_supported` in the metadata (RFC 8414 §2).

use serde::{Deserialize, Serialize};

/// A grant type. The implicit and password grants are not among them
/// (RFC 9700 §2.1.2, §2.4): at `/token` they are `unsupported_grant_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// RFC 6749 §4.1.3.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 8628 §3.4: a device polls for the tokens a person approves
    /// elsewhere.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

wire_names!(GrantType {
    AuthorizationCode => "authorization_code",
    RefreshToken => "refresh_token",
    ClientCredentials => "client_credentials",
    DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_types_parse_print_and_serialize_as_their_wire_names() {
        for grant in GrantType::ALL {
            assert_eq!(GrantType::parse(grant.as_str()), Some(grant));
            let json = serde_json::to_string(&grant).unwrap_or_default();
            assert_eq!(json, format!("\"{grant}\""));
        }
        for refused in ["password", "implicit", "token", "", "Refresh_Token"] {
            assert_eq!(GrantType::parse(refused), None, "{refused}");
        }
    }
}
