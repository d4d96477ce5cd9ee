//! Who this resource is: its identifier, its realm, and its RFC 9728
//! metadata document and that document's URL.
//!
//! RFC 9728 §3.1: the metadata URL is the resource identifier with
//! `/.well-known/oauth-protected-resource` inserted between its host and
//! its path: `http://localhost:9002` → `http://localhost:9002/.well-known/
//! oauth-protected-resource`, `https://api.example/v1` →
//! `https://api.example/.well-known/oauth-protected-resource/v1`. So
//! `--resource-id` must be the resource's public URL; every 401 and 403
//! points there (RFC 9728 §5.1).

use oauth_types::metadata::ProtectedResourceMetadata;
use service_kit::StartupError;

use crate::bearer::scope;

/// The RFC 9728 §3 well-known path.
pub const WELL_KNOWN_PATH: &str = "/.well-known/oauth-protected-resource";

/// The realm of every `WWW-Authenticate` challenge (RFC 6750 §3).
pub const REALM: &str = "facebook";

/// The name shown to people (RFC 9728 `resource_name`).
pub const RESOURCE_NAME: &str = "Facebook";

/// This resource as others see it.
#[derive(Debug, Clone)]
pub struct ResourceIdentity {
    /// The scheme, host and port clients reach this resource at.
    origin: url::Url,
    metadata_url: String,
    metadata_path: String,
    document: ProtectedResourceMetadata,
}

impl ResourceIdentity {
    /// Builds the identity from `--resource-id` and `--issuer`.
    pub fn new(resource_id: &str, issuer: &str) -> Result<Self, StartupError> {
        let invalid =
            |why: &str| StartupError::Config(format!("--resource-id '{resource_id}' {why}"));
        let url = url::Url::parse(resource_id).map_err(|_| invalid("is not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid("must be an http(s) URL with a host"));
        }
        // RFC 9728 §2: the identifier has no fragment (nor, here, a query).
        if url.fragment().is_some() || url.query().is_some() {
            return Err(invalid("must have no query or fragment"));
        }
        let suffix = url.path().trim_end_matches('/');
        let metadata_path = format!("{WELL_KNOWN_PATH}{suffix}");
        let metadata_url = format!("{}{metadata_path}", url.origin().ascii_serialization());
        let document = ProtectedResourceMetadata {
            resource: resource_id.to_owned(),
            authorization_servers: vec![issuer.to_owned()],
            scopes_supported: scope::SUPPORTED.iter().map(|s| (*s).to_owned()).collect(),
            bearer_methods_supported: ["header", "body", "query"].map(str::to_owned).to_vec(),
            resource_name: Some(RESOURCE_NAME.to_owned()),
            dpop_signing_alg_values_supported: oauth_types::dpop::algorithm_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        let mut origin = url.clone();
        origin.set_path("/");
        Ok(Self {
            origin,
            metadata_url,
            metadata_path,
            document,
        })
    }

    pub fn realm(&self) -> &str {
        REALM
    }

    /// The URL a client used for a request to `path`, as a DPoP proof's
    /// `htu` names it (RFC 9449 §4.3 item 9): this resource's origin, from
    /// `--resource-id` (so that a proxy in front changes nothing), and the
    /// path.
    pub fn request_url(&self, path: &str) -> url::Url {
        let mut url = self.origin.clone();
        url.set_path(path);
        url
    }

    /// The absolute URL of the metadata document.
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// The path this server serves the document at.
    pub fn metadata_path(&self) -> &str {
        &self.metadata_path
    }

    pub fn document(&self) -> &ProtectedResourceMetadata {
        &self.document
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_inserts_the_well_known_path_before_the_resource_path() {
        let root = ResourceIdentity::new("http://localhost:9002", "http://as").unwrap();
        assert_eq!(
            root.metadata_url(),
            "http://localhost:9002/.well-known/oauth-protected-resource"
        );
        let with_path = ResourceIdentity::new("https://api.example/v1/", "http://as").unwrap();
        assert_eq!(
            with_path.metadata_url(),
            "https://api.example/.well-known/oauth-protected-resource/v1"
        );
        assert_eq!(
            with_path.metadata_path(),
            "/.well-known/oauth-protected-resource/v1"
        );
    }

    #[test]
    fn identifiers_that_are_not_urls_are_refused() {
        assert!(ResourceIdentity::new("localhost:9002", "x").is_err());
        assert!(ResourceIdentity::new("http://localhost:9002/#f", "x").is_err());
        assert!(ResourceIdentity::new("ftp://localhost", "x").is_err());
    }
}
