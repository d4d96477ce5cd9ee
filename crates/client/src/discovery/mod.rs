//! Finding the authorization server's endpoints: RFC 8414 metadata or
//! OpenID Connect Discovery 1.0, and with `--issuer auto` first the
//! resource's RFC 9728 metadata ([`protected_resource`]).
//!
//! Two well-known documents describe an authorization server: RFC 8414's
//! `/.well-known/oauth-authorization-server` and OpenID Connect Discovery's
//! `/.well-known/openid-configuration` (Discovery §4). Some servers publish
//! only the second (Hydra, older Keycloak), some only the first. Connecting
//! Facebook prefers RFC 8414 and signing in prefers OpenID Connect
//! Discovery (it names the `end_session_endpoint`); each falls back to the
//! other document when its own is not there ([`Document`]), with the same
//! check: the document's `issuer` is exactly the configured issuer
//! (RFC 8414 §3.3, Discovery §4.3).
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
//! server named by the resource's RFC 9728 metadata that is also a
//! `--trusted-issuer`.

/// Bounded, redirect-free GETs of metadata documents.
pub mod fetch;

/// RFC 9728 §5: the unauthenticated call, its 401, the resource's metadata.
pub mod protected_resource;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use oauth_types::metadata::AuthorizationServerMetadata;
use serde::Deserialize;
use url::Url;

use crate::config::{IssuerSetting, Settings};
use crate::trace::Step;
use fetch::{FetchError, Fetched};

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
    /// The token endpoint as published: the URL the server knows itself
    /// by, which a DPoP proof names in `htu` (RFC 9449 §4.2) even when the
    /// request goes to the back-channel address.
    pub published_token_endpoint: Url,
    /// Back channel, when the server supports RFC 7009.
    pub revocation_endpoint: Option<Url>,
    /// Back channel: the provider's JWK Set (RFC 7517), which signs ID
    /// tokens (OpenID Connect Core §10.1).
    pub jwks_uri: Option<Url>,
    /// Front channel: RP-Initiated Logout 1.0 §2.1, when published.
    pub end_session_endpoint: Option<Url>,
    /// Back channel: the provider's UserInfo endpoint (Core §5.3), when
    /// published.
    pub userinfo_endpoint: Option<Url>,
    /// Which well-known document they came from.
    pub document: Document,
    /// RFC 9207 §3: the server promises `iss` in authorization responses.
    pub iss_parameter_supported: bool,
    /// RFC 9449 §5.1: the DPoP proof algorithms the server accepts; none
    /// means it does not offer DPoP.
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// Back channel: RFC 9126 §5, where authorization requests are pushed,
    /// when published.
    pub pushed_authorization_request_endpoint: Option<Url>,
    /// Back channel: RFC 8628 §4, when the server offers the device grant.
    pub device_authorization_endpoint: Option<Url>,
    /// How they were found, for the behind-the-scenes page: with
    /// `--issuer auto` the RFC 9728 steps, then the RFC 8414 request.
    pub steps: Vec<Step>,
}

/// Why the endpoints could not be found.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the authorization server's metadata at {url} {problem}")]
    AuthorizationServerMetadata { url: String, problem: FetchError },
    #[error(
        "the metadata names the issuer '{found}', not the expected '{expected}' (RFC 8414 §3.3)"
    )]
    IssuerMismatch { expected: String, found: String },
    #[error("the metadata's {name} '{value}' is not a usable URL")]
    BadEndpoint { name: &'static str, value: String },
    #[error("the protected resource cannot be reached at {url}")]
    ResourceUnreachable { url: String },
    #[error("the protected resource's metadata at {url} {problem}")]
    ResourceMetadata { url: String, problem: FetchError },
    #[error(
        "the protected resource points to its metadata at '{url}', which is not on the resource's origin {resource} (RFC 9728 §3.3, §7)"
    )]
    ResourceMetadataElsewhere { url: String, resource: String },
    #[error(
        "the protected resource's metadata describes the resource '{found}', not '{expected}' (RFC 9728 §3.3)"
    )]
    ResourceMismatch { expected: String, found: String },
    #[error("the resource's RFC 9728 metadata names no authorization server")]
    NoAuthorizationServer,
    /// Contract: `--issuer auto` uses only a `--trusted-issuer`.
    #[error(
        "the resource names the authorization server(s) {named:?}, none of which is a --trusted-issuer"
    )]
    UntrustedIssuer { named: Vec<String> },
}

impl DiscoveryError {
    /// Whether it failed at the RFC 9728 stage (the resource), not at the
    /// authorization server's metadata.
    pub fn is_about_the_resource(&self) -> bool {
        match self {
            Self::AuthorizationServerMetadata { .. } | Self::IssuerMismatch { .. } => false,
            Self::BadEndpoint { name, .. } => {
                matches!(*name, "resource_metadata" | "authorization_servers")
            }
            Self::ResourceUnreachable { .. }
            | Self::ResourceMetadata { .. }
            | Self::ResourceMetadataElsewhere { .. }
            | Self::ResourceMismatch { .. }
            | Self::NoAuthorizationServer
            | Self::UntrustedIssuer { .. } => true,
        }
    }
}

/// The two well-known documents that describe an authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// RFC 8414 §3: `/.well-known/oauth-authorization-server`, inserted
    /// between the host and the issuer's path.
    OAuthAuthorizationServer,
    /// OpenID Connect Discovery 1.0 §4: `/.well-known/openid-configuration`,
    /// appended to the issuer.
    OpenIdConfiguration,
}

impl Document {
    /// The other document: the fallback.
    fn other(self) -> Self {
        match self {
            Self::OAuthAuthorizationServer => Self::OpenIdConfiguration,
            Self::OpenIdConfiguration => Self::OAuthAuthorizationServer,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::OAuthAuthorizationServer => 0,
            Self::OpenIdConfiguration => 1,
        }
    }

    /// Where this document of `issuer` is, on the back-channel origin.
    pub fn url(self, issuer: &Url, internal: &Url) -> Url {
        match self {
            Self::OAuthAuthorizationServer => metadata_url(issuer, internal),
            Self::OpenIdConfiguration => openid_configuration_url(issuer, internal),
        }
    }

    /// The specification that defines it, for the behind-the-scenes page.
    pub fn specification(self) -> &'static str {
        match self {
            Self::OAuthAuthorizationServer => "RFC 8414 §3",
            Self::OpenIdConfiguration => "OpenID Connect Discovery 1.0 §4",
        }
    }
}

/// The members read from either document: RFC 8414's, plus the
/// `end_session_endpoint` (RP-Initiated Logout 1.0 §2.1) and the
/// `userinfo_endpoint` (Discovery §3) an OpenID Provider may add.
#[derive(Debug, Deserialize)]
struct ServerMetadata {
    #[serde(flatten)]
    oauth: AuthorizationServerMetadata,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// Fetches and caches the endpoints, one cache per preferred document.
pub struct Discovery {
    cache: Mutex<[Option<(Instant, Endpoints)>; 2]>,
}

impl Default for Discovery {
    fn default() -> Self {
        Self::new()
    }
}

impl Discovery {
    pub fn new() -> Self {
        Self {
            cache: Mutex::new([None, None]),
        }
    }

    /// The endpoints for connecting (RFC 8414 preferred), from the cache
    /// when fresh, else fetched now.
    pub async fn endpoints(
        &self,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        self.endpoints_preferring(Document::OAuthAuthorizationServer, settings, http)
            .await
    }

    /// The endpoints read from `preferred` (or its fallback), from the
    /// cache when fresh, else fetched now.
    pub async fn endpoints_preferring(
        &self,
        preferred: Document,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        if let Some(endpoints) = self.cached(preferred) {
            return Ok(endpoints);
        }
        self.fresh_endpoints_preferring(preferred, settings, http)
            .await
    }

    /// The endpoints for connecting, fetched now (and cached): `/connect`
    /// uses this, so a user is never sent to an authorization server that
    /// just went away.
    pub async fn fresh_endpoints(
        &self,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        self.fresh_endpoints_preferring(Document::OAuthAuthorizationServer, settings, http)
            .await
    }

    /// The endpoints read now from `preferred` (or its fallback), cached.
    pub async fn fresh_endpoints_preferring(
        &self,
        preferred: Document,
        settings: &Settings,
        http: &reqwest::Client,
    ) -> Result<Endpoints, DiscoveryError> {
        let fetched = fetch(settings, http, preferred).await;
        if let Ok(mut cache) = self.cache.lock() {
            cache[preferred.index()] = fetched
                .as_ref()
                .ok()
                .map(|endpoints| (Instant::now(), endpoints.clone()));
        }
        fetched
    }

    fn cached(&self, preferred: Document) -> Option<Endpoints> {
        let cache = self.cache.lock().ok()?;
        cache[preferred.index()]
            .as_ref()
            .filter(|(fetched, _)| fetched.elapsed() < METADATA_TTL)
            .map(|(_, endpoints)| endpoints.clone())
    }
}

/// `preferred`, or the other document when `preferred` is not there (an
/// HTTP error status, or not a metadata document); the error is the
/// preferred document's when neither can be read.
async fn read_metadata(
    http: &reqwest::Client,
    issuer_url: &Url,
    internal: &Url,
    preferred: Document,
) -> Result<(Document, Url, ServerMetadata), DiscoveryError> {
    let mut first_problem = None;
    for document in [preferred, preferred.other()] {
        let url = document.url(issuer_url, internal);
        match fetch::get_json::<ServerMetadata>(http, &url).await {
            Ok(Fetched {
                document: metadata, ..
            }) => return Ok((document, url, metadata)),
            // Not there, or not such a document: try the other one.
            Err(problem @ (FetchError::Status(_) | FetchError::Malformed)) => {
                first_problem.get_or_insert((url, problem));
            }
            // A server that cannot be reached or floods us is not asked again.
            Err(problem) => {
                let (url, problem) = first_problem.unwrap_or((url, problem));
                return Err(DiscoveryError::AuthorizationServerMetadata {
                    url: url.to_string(),
                    problem,
                });
            }
        }
    }
    let (url, problem) =
        first_problem.unwrap_or((preferred.url(issuer_url, internal), FetchError::Malformed));
    Err(DiscoveryError::AuthorizationServerMetadata {
        url: url.to_string(),
        problem,
    })
}

async fn fetch(
    settings: &Settings,
    http: &reqwest::Client,
    preferred: Document,
) -> Result<Endpoints, DiscoveryError> {
    let (issuer, issuer_url, mut steps) = match &settings.issuer {
        IssuerSetting::Fixed { identifier, url } => (identifier.clone(), url.clone(), Vec::new()),
        IssuerSetting::Auto => {
            let found = protected_resource::discover_issuer(settings, http).await?;
            (found.issuer, found.issuer_url, found.steps)
        }
    };
    let internal = settings
        .issuer_internal_url
        .clone()
        .unwrap_or_else(|| issuer_url.clone());
    let (document, metadata_url, metadata) =
        read_metadata(http, &issuer_url, &internal, preferred).await?;
    // An optional endpoint the client calls itself: parsed, then reached
    // through `--issuer-internal-url` when it is on the issuer's origin.
    let back_channel_endpoint = |name: &'static str, value: Option<&str>| {
        value
            .map(|value| endpoint_url(name, value))
            .transpose()
            .map(|url| url.map(|url| back_channel(url, &issuer_url, &internal)))
    };
    let end_session_endpoint = metadata
        .end_session_endpoint
        .as_deref()
        .map(|value| endpoint_url("end_session_endpoint", value))
        .transpose()?;
    let userinfo_endpoint =
        back_channel_endpoint("userinfo_endpoint", metadata.userinfo_endpoint.as_deref())?;
    let metadata = metadata.oauth;
    // RFC 8414 §3.3, Discovery §4.3: the issuer in the document must be
    // exactly the one we asked, whichever document it is.
    if metadata.issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            expected: issuer,
            found: metadata.issuer,
        });
    }
    let authorization_endpoint =
        endpoint_url("authorization_endpoint", &metadata.authorization_endpoint)?;
    let published_token_endpoint = endpoint_url("token_endpoint", &metadata.token_endpoint)?;
    let token_endpoint = back_channel(published_token_endpoint.clone(), &issuer_url, &internal);
    let revocation_endpoint = back_channel_endpoint(
        "revocation_endpoint",
        metadata.revocation_endpoint.as_deref(),
    )?;
    let jwks_uri = back_channel_endpoint("jwks_uri", metadata.jwks_uri.as_deref())?;
    let pushed_authorization_request_endpoint = back_channel_endpoint(
        "pushed_authorization_request_endpoint",
        metadata.pushed_authorization_request_endpoint.as_deref(),
    )?;
    let device_authorization_endpoint = back_channel_endpoint(
        "device_authorization_endpoint",
        metadata.device_authorization_endpoint.as_deref(),
    )?;
    let mut endpoints = Endpoints {
        issuer,
        metadata_url,
        authorization_endpoint,
        token_endpoint,
        published_token_endpoint,
        revocation_endpoint,
        jwks_uri,
        end_session_endpoint,
        userinfo_endpoint,
        document,
        iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
        dpop_signing_alg_values_supported: metadata.dpop_signing_alg_values_supported,
        pushed_authorization_request_endpoint,
        device_authorization_endpoint,
        steps: Vec::new(),
    };
    let discovered = !steps.is_empty();
    steps.push(authorization_server_metadata_step(
        &endpoints, discovered, preferred,
    ));
    endpoints.steps = steps;
    Ok(endpoints)
}

/// The metadata request, as the behind-the-scenes page shows it.
fn authorization_server_metadata_step(
    endpoints: &Endpoints,
    discovered: bool,
    preferred: Document,
) -> Step {
    let revocation = endpoints
        .revocation_endpoint
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), ToString::to_string);
    let (title, explanation) = if discovered {
        (
            "Read the authorization server's metadata",
            "The client reads the metadata of the authorization server the resource named, to learn its endpoints, and checks that the document's issuer is exactly that server.",
        )
    } else {
        (
            "Discover the authorization server",
            "The client reads the authorization server's metadata to learn its endpoints and checks that the document names the configured issuer.",
        )
    };
    let explanation = if endpoints.document == preferred {
        explanation.to_owned()
    } else {
        format!(
            "{explanation} The server does not publish the {} document, so the client read the {} one instead, with the same issuer check.",
            preferred.specification(),
            endpoints.document.specification()
        )
    };
    Step::new(title, endpoints.document.specification(), &explanation)
        .request(format!("GET {}", endpoints.metadata_url))
        .response(format!(
            "issuer: {}\nauthorization_endpoint (browser): {}\ntoken_endpoint (server to server): {}\nrevocation_endpoint: {revocation}\nauthorization_response_iss_parameter_supported: {}{}{}{}",
            endpoints.issuer,
            endpoints.authorization_endpoint,
            endpoints.token_endpoint,
            endpoints.iss_parameter_supported,
            openid_members(endpoints),
            dpop_member(endpoints),
            par_member(endpoints)
        ))
}

/// RFC 9449 §5.1, when the document names it.
fn dpop_member(endpoints: &Endpoints) -> String {
    let algorithms = &endpoints.dpop_signing_alg_values_supported;
    if algorithms.is_empty() {
        return String::new();
    }
    format!(
        "\ndpop_signing_alg_values_supported: {}",
        algorithms.join(" ")
    )
}

/// RFC 9126 §5, when the document names it.
fn par_member(endpoints: &Endpoints) -> String {
    endpoints
        .pushed_authorization_request_endpoint
        .as_ref()
        .map(|url| format!("\npushed_authorization_request_endpoint (server to server): {url}"))
        .unwrap_or_default()
}

/// The members a sign-in uses, when the document names them.
fn openid_members(endpoints: &Endpoints) -> String {
    [
        ("jwks_uri (server to server)", &endpoints.jwks_uri),
        (
            "userinfo_endpoint (server to server)",
            &endpoints.userinfo_endpoint,
        ),
        (
            "end_session_endpoint (browser)",
            &endpoints.end_session_endpoint,
        ),
    ]
    .into_iter()
    .filter_map(|(name, url)| url.as_ref().map(|url| format!("\n{name}: {url}")))
    .collect()
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

/// OpenID Connect Discovery 1.0 §4.1: `/.well-known/openid-configuration`
/// is appended to the issuer (its path kept), on the back-channel origin.
pub fn openid_configuration_url(issuer: &Url, internal: &Url) -> Url {
    let mut url = internal.clone();
    let issuer_path = issuer.path().trim_end_matches('/');
    url.set_path(&format!("{issuer_path}/.well-known/openid-configuration"));
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

pub(crate) fn endpoint_url(name: &'static str, value: &str) -> Result<Url, DiscoveryError> {
    Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| DiscoveryError::BadEndpoint {
            name,
            value: value.to_owned(),
        })
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
    fn the_openid_configuration_goes_after_the_issuer_path() {
        let plain = openid_configuration_url(&url("http://localhost:9001"), &url("http://as:9001"));
        assert_eq!(
            plain.as_str(),
            "http://as:9001/.well-known/openid-configuration"
        );
        let tenant = openid_configuration_url(
            &url("https://id.example/tenant/"),
            &url("https://id.example"),
        );
        assert_eq!(
            tenant.as_str(),
            "https://id.example/tenant/.well-known/openid-configuration"
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
