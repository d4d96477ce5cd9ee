//! RFC 9126 §2.2: what the pushed authorization request endpoint answers
//! (`201 Created`), and what the client then sends the browser with.

use serde::{Deserialize, Serialize};

/// The success answer of RFC 9126 §2.2. The `request_uri` stands for the
/// request until it is used or expires: `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedAuthorizationResponse {
    /// Names the pushed request at the authorization endpoint (§4).
    pub request_uri: String,
    /// Seconds until the `request_uri` expires.
    pub expires_in: u64,
}

impl std::fmt::Debug for PushedAuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedAuthorizationResponse")
            .field("request_uri", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_example_of_rfc_9126_and_hides_the_request_uri() {
        let answer: PushedAuthorizationResponse = serde_json::from_str(
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
        )
        .unwrap();
        assert_eq!(answer.expires_in, 60);
        assert!(!format!("{answer:?}").contains("6esc"));
    }
}
