//! Finding the authorization server's endpoints: RFC 8414 metadata.
//!
//! Nothing is fetched at start-up: the client starts and stays healthy while
//! the authorization server is down, and fetches the metadata when a
//! request needs it, keeping it for a minute (a cache that is safe to lose).
//! Starting a flow (`/connect`) always fetches afresh, which also checks
//! that the server is there before the browser is sent to it.
//!
//! Front and back channel: the browser is sent to the
//! `authorization_endpoint` exactly as published, while this server reaches
//! the token and revocation endpoints at `--issuer-internal-url` (the
//! published origin is rewritten to the internal one when it is the
//! issuer's). With `--issuer auto` the issuer is the first authorization
//! server named by the resource's RFC 9728 metadata.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use oauth_types::metadata::{AuthorizationServerMetadata, ProtectedResourceMetadata};
use url::Url;

use crate::config::{IssuerSetting, Settings};

/// How long fetched metadata is reused.
const METADATA_TTL: Duration = Duration::from_secs(60);

/// The endpoints this client uses, ready for the front and back channel.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The issuer identifier, verbatim (RFC 8414 §3.3, RFC 9207 §2.4).
    pub issuer: String,
    /// Where the metadata was read.
    pub metadata_url: Url,
    /// Front channel: where the browser goes, as published.
    pub authorization_endpoint: Url,
    /// Back channel.
    pub token_endpoint: Url,
    /// Back channel, when the server supports RFC 7009.
    pub revocation_endpoint: Option<Url>,
    /// RFC 9207 §3: the server promises `iss` in authorization responses.
    pub iss_parameter_supported: bool,
}

/// Why the endpoints could not be found.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the authorization server cannot be reached at {url}")]
    Unreachable { url: String },
    #[error("{url} answered HTTP {status} instead of the metadata")]
    Status { url: String, status: u16 },
    #[error("{url} did not answer valid metadata")]
    Malformed { url: String },
    #[error(
        "the metadata names the issuer '{found}', not the expected '{expected}' (RFC 8414 §3.3)"
    )]
    IssuerMismatch { expected: String, found: String },
    #[error("the metadata's {name} '{value}' is not a usable URL")]
    BadEndpoint { name: &'static str, value: String },
    #[error("the resource's RFC 9728 metadata names no authorization server")]
    NoAuthorizationServer,
}

/// Fetches and caches the endpoints.
pub struct Discovery {
    cache: Mutex<Option<(Instant, Endpoints)>>,
}

impl Default for Discovery {
    fn default() -> Self {
        Self::new()
    }
}

impl Discovery {
    pub fn new() -> Self {
        Self {
            cache: Mutex::new(None),
        }
    }

    /// The endpoints, from the cache when fresh, else fetched now.
    pub async fn endpoints(
        &self,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        if let Some(endpoints) = self.cached() {
            return Ok(endpoints);
        }
        let endpoints = fetch(settings, http).await?;
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((Instant::now(), endpoints.clone()));
        }
        Ok(endpoints)
    }

    /// The endpoints fetched now (and cached): `/connect` uses this, so a
    /// user is never sent to an authorization server that just went away.
    pub async fn fresh_endpoints(
        &self,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        let fetched = fetch(settings, http).await;
        if let Ok(mut cache) = self.cache.lock() {
            *cache = fetched
                .as_ref()
                .ok()
                .map(|endpoints| (Instant::now(), endpoints.clone()));
        }
        fetched
    }

    fn cached(&self) -> Option<Endpoints> {
        let cache = self.cache.lock().ok()?;
        cache
            .as_ref()
            .filter(|(fetched, _)| fetched.elapsed() < METADATA_TTL)
            .map(|(_, endpoints)| endpoints.clone())
    }
}

async fn fetch(settings: &Settings, http: &reqwest::Client) -> Result<Endpoints, DiscoveryError> {
    let (issuer, issuer_url) = match &settings.issuer {
        IssuerSetting::Fixed { identifier, url } => (identifier.clone(), url.clone()),
        IssuerSetting::Auto => discover_issuer(settings, http).await?,
    };
    let internal = settings
        .issuer_internal_url
        .clone()
        .unwrap_or_else(|| issuer_url.clone());
    let metadata_url = metadata_url(&issuer_url, &internal);
    let metadata: AuthorizationServerMetadata = get_json(http, &metadata_url).await?;
    // RFC 8414 §3.3: the issuer in the document must be the one we asked.
    if metadata.issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            expected: issuer,
            found: metadata.issuer,
        });
    }
    let authorization_endpoint =
        endpoint_url("authorization_endpoint", &metadata.authorization_endpoint)?;
    let token_endpoint = back_channel(
        endpoint_url("token_endpoint", &metadata.token_endpoint)?,
        &issuer_url,
        &internal,
    );
    let revocation_endpoint = metadata
        .revocation_endpoint
        .as_deref()
        .map(|value| endpoint_url("revocation_endpoint", value))
        .transpose()?
        .map(|url| back_channel(url, &issuer_url, &internal));
    Ok(Endpoints {
        issuer,
        metadata_url,
        authorization_endpoint,
        token_endpoint,
        revocation_endpoint,
        iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
    })
}

/// RFC 9728 §3: the resource names its authorization servers.
async fn discover_issuer(
    settings: &Settings,
    http: &reqwest::Client,
) -> Result<(String, Url), DiscoveryError> {
    // RFC 9728 §3.1: the well-known segment goes before the resource's path.
    let mut url = settings.resource_internal_url.clone();
    let resource_path = settings
        .resource_url
        .path()
        .trim_end_matches('/')
        .to_owned();
    url.set_path(&format!(
        "/.well-known/oauth-protected-resource{resource_path}"
    ));
    url.set_query(None);
    let metadata: ProtectedResourceMetadata = get_json(http, &url).await?;
    let issuer = metadata
        .authorization_servers
        .into_iter()
        .next()
        .ok_or(DiscoveryError::NoAuthorizationServer)?;
    let issuer_url = endpoint_url("authorization_servers", &issuer)?;
    Ok((issuer, issuer_url))
}

/// RFC 8414 §3.1: the well-known segment goes between the host and the
/// issuer's path, on the back-channel origin.
pub fn metadata_url(issuer: &Url, internal: &Url) -> Url {
    let mut url = internal.clone();
    let issuer_path = issuer.path().trim_end_matches('/');
    url.set_path(&format!(
        "/.well-known/oauth-authorization-server{issuer_path}"
    ));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Rewrites an endpoint on the issuer's origin to the internal origin.
pub fn back_channel(endpoint: Url, issuer: &Url, internal: &Url) -> Url {
    if endpoint.origin() != issuer.origin() {
        return endpoint;
    }
    let mut rewritten = endpoint.clone();
    let moved = rewritten.set_scheme(internal.scheme()).is_ok()
        && rewritten.set_host(internal.host_str()).is_ok()
        && rewritten.set_port(internal.port()).is_ok();
    if moved {
        rewritten
    } else {
        endpoint
    }
}

fn endpoint_url(name: &'static str, value: &str) -> Result<Url, DiscoveryError> {
    Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| DiscoveryError::BadEndpoint {
            name,
            value: value.to_owned(),
        })
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<T, DiscoveryError> {
    let shown = url.to_string();
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| DiscoveryError::Unreachable { url: shown.clone() })?;
    if !response.status().is_success() {
        return Err(DiscoveryError::Status {
            url: shown,
            status: response.status().as_u16(),
        });
    }
    response
        .json::<T>()
        .await
        .map_err(|_| DiscoveryError::Malformed { url: shown })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn the_well_known_segment_goes_before_the_issuer_path() {
        let plain = metadata_url(&url("http://localhost:9001"), &url("http://as:9001"));
        assert_eq!(
            plain.as_str(),
            "http://as:9001/.well-known/oauth-authorization-server"
        );
        let tenant = metadata_url(
            &url("https://id.example/tenant/"),
            &url("https://id.example"),
        );
        assert_eq!(
            tenant.as_str(),
            "https://id.example/.well-known/oauth-authorization-server/tenant"
        );
    }

    #[test]
    fn only_endpoints_on_the_issuer_origin_move_to_the_back_channel() {
        let issuer = url("http://localhost:9001");
        let internal = url("http://authorization-server:9001");
        let moved = back_channel(url("http://localhost:9001/token"), &issuer, &internal);
        assert_eq!(moved.as_str(), "http://authorization-server:9001/token");
        let elsewhere = back_channel(url("https://other.example/token"), &issuer, &internal);
        assert_eq!(elsewhere.as_str(), "https://other.example/token");
    }
}
