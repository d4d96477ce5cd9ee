//! Asking the authorization server what a token is good for: RFC 7662.
//!
//! ```text
//!  resource                                  authorization server
//!     |  POST /introspect                          |
//!     |  Authorization: Basic (client_id:secret)   |   RFC 7662 §2.1
//!     |  token=…&token_type_hint=access_token      |
//!     |------------------------------------------->|
//!     |  200 {"active":true,"scope":…,"sub":…,     |   RFC 7662 §2.2
//!     |       "exp":…,"aud":…,"client_id":…}       |
//!     |<-------------------------------------------|
//! ```
//!
//! Only the members of RFC 7662 §2.2 are read, so this works against any
//! conforming authorization server. The resource never fails open: an
//! endpoint that cannot be reached, is slow, answers something other than
//! 200 or answers garbage makes the request fail with 503
//! ([`ValidationError::Unavailable`]), never succeed.

/// The cache of active answers, keyed by the token's hash.
pub mod cache;

/// The rules an introspection answer must pass to count as a grant.
pub mod grant;

use std::time::Duration;

use oauth_types::introspection::IntrospectionResponse;
use oauth_types::secret::{AccessToken, ClientSecret};

pub use cache::IntrospectionCache;
pub use grant::{Grant, InvalidToken, ResourceOwner};
// Shared with JWT validation; re-exported here where they were born.
pub use crate::validation::{Validated, ValidationError};

/// The largest introspection answer read; anything longer is garbage.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How the resource reaches its authorization server.
#[derive(Debug, Clone)]
pub struct IntrospectionSettings {
    /// The RFC 7662 endpoint.
    pub endpoint: url::Url,
    /// This resource's client credentials there (RFC 7662 §2.1).
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// The audience a token must name, when it names any (RFC 8707).
    pub resource_id: String,
    /// How long to wait for the whole answer.
    pub timeout: Duration,
    /// How long active answers are reused (zero: never).
    pub cache_ttl_seconds: u64,
}

/// The RFC 7662 client: one pooled HTTP client, a short timeout, a cache.
pub struct Introspector {
    http: reqwest::Client,
    settings: IntrospectionSettings,
    cache: IntrospectionCache,
}

impl Introspector {
    /// Builds the pooled client. Redirects are not followed: a redirect
    /// would carry our credentials somewhere else, and is a non-200 anyway.
    pub fn new(settings: IntrospectionSettings) -> Result<Self, reqwest::Error> {
        let http =
            service_kit::back_channel::builder(settings.timeout, settings.timeout).build()?;
        Ok(Self::with_client(settings, http))
    }

    /// With a client built elsewhere (e.g. [`back_channel_client`], which
    /// trusts `--ca-cert`); it must not follow redirects.
    pub fn with_client(settings: IntrospectionSettings, http: reqwest::Client) -> Self {
        let cache = IntrospectionCache::new(settings.cache_ttl_seconds, cache::DEFAULT_CAPACITY);
        Self {
            http,
            settings,
            cache,
        }
    }

    /// What `token` grants at time `now` (Unix seconds): from the cache when
    /// an active answer is still fresh there, otherwise from the
    /// authorization server.
    pub async fn validate(
        &self,
        token: &AccessToken,
        now: i64,
    ) -> Result<Validated, ValidationError> {
        let key = token.hash();
        if let Some(grant) = self.cache.get(&key, now) {
            return Ok(Validated {
                grant,
                fresh: false,
            });
        }
        let answer = self.introspect(token).await?;
        let grant = Grant::from_answer(answer, &self.settings.resource_id, now)?;
        // Only active answers that passed every rule are cached.
        self.cache.insert(key, grant.clone(), now);
        Ok(Validated { grant, fresh: true })
    }

    /// One RFC 7662 §2.1 request.
    async fn introspect(
        &self,
        token: &AccessToken,
    ) -> Result<IntrospectionResponse, ValidationError> {
        let unavailable = |what: &str| ValidationError::Unavailable(what.to_owned());
        let (id, secret) =
            basic_credentials(&self.settings.client_id, &self.settings.client_secret);
        let mut response = self
            .http
            .post(self.settings.endpoint.clone())
            .basic_auth(id, Some(secret))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("token", token.secret()),
                ("token_type_hint", "access_token"),
            ])
            .send()
            .await
            .map_err(|err| {
                // reqwest's error names the URL, never the form body.
                tracing::warn!(error = %err, "introspection request failed");
                unavailable("the introspection endpoint cannot be reached")
            })?;
        if response.status() != reqwest::StatusCode::OK {
            // It was reached: say what it answered, not that it is away.
            let status = response.status().as_u16();
            tracing::warn!(status, "the introspection endpoint answered non-200");
            return Err(ValidationError::Unavailable(format!(
                "the introspection endpoint answered status {status}"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| {
            tracing::warn!(error = %err, "introspection answer could not be read");
            unavailable("the introspection answer could not be read")
        })? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(unavailable("the introspection answer is too large"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|err| {
            tracing::warn!(error = %err, "introspection answer is not RFC 7662 JSON");
            unavailable("the introspection answer is not RFC 7662 JSON")
        })
    }
}

/// RFC 6749 §2.3.1: the client id and secret are form-urlencoded before
/// they are joined with ':' and base64-encoded into HTTP Basic.
fn basic_credentials(client_id: &str, secret: &ClientSecret) -> (String, String) {
    let encode = |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    (encode(client_id), encode(secret.secret()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_urlencoded_first() {
        let (id, secret) = basic_credentials("rs:1", &ClientSecret::new("a b+c/é"));
        assert_eq!(id, "rs%3A1");
        assert_eq!(secret, "a+b%2Bc%2F%C3%A9");
    }
}
