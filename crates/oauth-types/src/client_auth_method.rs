//! How a client authenticates at the token endpoint (and every endpoint
//! that authenticates clients): RFC 7591 §2 `token_endpoint_auth_method`,
//! and the values of `token_endpoint_auth_methods_supported` (RFC 8414 §2).

/// A client authentication method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEndpointAuthMethod {
    /// RFC 6749 §2.3.1: the secret in HTTP Basic.
    ClientSecretBasic,
    /// RFC 6749 §2.3.1: the secret in the form body.
    ClientSecretPost,
    /// RFC 7523 §2.2: a JWT signed with the client's private key.
    PrivateKeyJwt,
    /// A public client (RFC 6749 §2.1): no authentication, PKCE instead.
    None,
}

wire_names!(TokenEndpointAuthMethod {
    ClientSecretBasic => "client_secret_basic",
    ClientSecretPost => "client_secret_post",
    PrivateKeyJwt => "private_key_jwt",
    None => "none",
});

impl TokenEndpointAuthMethod {
    /// Whether the client proves itself with a shared secret.
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_and_print_as_their_rfc_7591_names() {
        for method in TokenEndpointAuthMethod::ALL {
            assert_eq!(
                TokenEndpointAuthMethod::parse(method.as_str()),
                Some(method)
            );
        }
        assert_eq!(TokenEndpointAuthMethod::parse("client_secret_jwt"), None);
        assert!(TokenEndpointAuthMethod::ClientSecretPost.uses_secret());
        assert!(!TokenEndpointAuthMethod::PrivateKeyJwt.uses_secret());
    }
}
