//! `--issuer auto`: from an API to the authorization server that guards
//! it, exactly as RFC 9728 §5 describes.
//!
//! ```text
//!  Strava                                   Facebook (resource)
//!    | 1. GET /api/me        (no token)           |
//!    |------------------------------------------->|
//!    |    401  WWW-Authenticate: Bearer realm=…,   |   RFC 9728 §5.1
//!    |         resource_metadata="…"              |
//!    |<-------------------------------------------|
//!    | 2. GET resource_metadata (or, if the 401   |   RFC 9728 §3, §3.1
//!    |    named none, the §3.1 well-known URL)    |
//!    |------------------------------------------->|
//!    |    {"resource": …, "authorization_servers": [issuer, …]}
//!    |<-------------------------------------------|
//!    | 3. resource == --resource-url, else stop   |   RFC 9728 §3.3
//!    | 4. issuer = the first of authorization_servers that is a
//!    |    --trusted-issuer, else stop; its RFC 8414 metadata follows
//!    |    (discovery/mod.rs), whose issuer must equal it
//! ```
//!
//! Our rule for where a resource may send us (RFC 9728 §3.3, §7): the
//! `resource_metadata` URL must be `http(s)` and on the resource's own
//! origin, the public one of `--resource-url` (then fetched at the
//! `--resource-internal-url` origin, like every back-channel call) or the
//! internal one. Anything else is refused before any request is made: an
//! API must not be able to make Strava fetch arbitrary URLs (SSRF) or
//! vouch for a document another host controls. The document's `resource`
//! is compared with `--resource-url` as parsed URLs, so
//! `http://localhost:9002` and `http://localhost:9002/` are one identifier
//! (RFC 3986 §6.2.3), while another scheme, host, port or path is refused
//! and nothing in the document is used.

use oauth_types::metadata::ProtectedResourceMetadata;
use url::Url;

use super::fetch::{self, Fetched};
use super::{back_channel, endpoint_url, DiscoveryError};
use crate::challenge;
use crate::config::Settings;
use crate::trace::{self, Step};

/// The API called without a token (contract: `GET /api/me`).
pub const PROBE_PATH: &str = "/api/me";

/// RFC 9728 §3: the well-known path segment.
pub const WELL_KNOWN_PATH: &str = "/.well-known/oauth-protected-resource";

/// Longest header value recorded on the behind-the-scenes page.
const SHOWN_HEADER_LIMIT: usize = 1000;

/// The authorization server the resource names, and how we learned it.
#[derive(Debug)]
pub struct FoundIssuer {
    /// The first trusted entry of `authorization_servers`, verbatim: the
    /// issuer to expect.
    pub issuer: String,
    pub issuer_url: Url,
    /// The unauthenticated call and the metadata request, for the trace.
    pub steps: Vec<Step>,
}

/// Steps 1 to 4 of the diagram above.
pub async fn discover_issuer(
    settings: &Settings,
    http: &reqwest::Client,
) -> Result<FoundIssuer, DiscoveryError> {
    let probe = probe_url(&settings.resource_internal_url);
    let (pointer, probe_step) = unauthenticated_call(http, &probe).await?;
    let metadata_url = match &pointer {
        Some(value) => metadata_url_from_challenge(value, settings)?,
        None => well_known_url(settings),
    };
    let Fetched { document, body } =
        fetch::get_json::<ProtectedResourceMetadata>(http, &metadata_url)
            .await
            .map_err(|problem| DiscoveryError::ResourceMetadata {
                url: metadata_url.to_string(),
                problem,
            })?;
    check_resource(&document, &settings.resource_url)?;
    let issuer = trusted_issuer(&document.authorization_servers, &settings.trusted_issuers)?;
    let issuer_url = endpoint_url("authorization_servers", &issuer)?;
    let metadata_step = resource_metadata_step(&metadata_url, pointer.is_some(), &body, &issuer);
    Ok(FoundIssuer {
        issuer,
        issuer_url,
        steps: vec![probe_step, metadata_step],
    })
}

/// The first authorization server the resource names that is also one we
/// trust. A resource is not an authority on whom we send users and our
/// client secret to: only `--trusted-issuer` is (contract: "Trust
/// boundaries"). Issuer identifiers compare as exact strings (RFC 8414 §3.3).
fn trusted_issuer(named: &[String], trusted: &[String]) -> Result<String, DiscoveryError> {
    if named.is_empty() {
        return Err(DiscoveryError::NoAuthorizationServer);
    }
    named
        .iter()
        .find(|issuer| trusted.contains(issuer))
        .cloned()
        .ok_or_else(|| DiscoveryError::UntrustedIssuer {
            named: named.to_vec(),
        })
}

/// `{resource}/api/me` on the back channel.
fn probe_url(resource_internal: &Url) -> Url {
    let mut url = resource_internal.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}{PROBE_PATH}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Step 1: the API without a token. Returns the `resource_metadata` of the
/// 401's Bearer challenge, if any (RFC 9728 §5.1). Any other answer, or a
/// 401 without it, leaves the well-known URL (RFC 9728 §3.1).
async fn unauthenticated_call(
    http: &reqwest::Client,
    probe: &Url,
) -> Result<(Option<String>, Step), DiscoveryError> {
    let response = http
        .get(probe.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| DiscoveryError::ResourceUnreachable {
            url: probe.to_string(),
        })?;
    let status = response.status();
    let fields = challenge::fields(response.headers());
    drop(response);
    let pointer = (status == reqwest::StatusCode::UNAUTHORIZED)
        .then(|| resource_metadata_param(&fields))
        .flatten();
    let mut answer = format!("HTTP {status}");
    for field in &fields {
        let shown: String = field.chars().take(SHOWN_HEADER_LIMIT).collect();
        answer.push_str(&format!("\nWWW-Authenticate: {shown}"));
    }
    if fields.is_empty() {
        answer.push_str("\n(no WWW-Authenticate header)");
    }
    let step = Step::new(
        "Call the API without a token",
        "RFC 9728 §5.1, RFC 6750 §3",
        "Knowing only the API, Strava calls it without a token; the 401's WWW-Authenticate challenge names, in resource_metadata, where the resource describes itself.",
    )
    .request(format!("GET {probe}\n(no Authorization header)"))
    .response(answer);
    Ok((pointer, step))
}

/// The `resource_metadata` parameter of the first Bearer challenge that
/// has one.
pub fn resource_metadata_param(fields: &[String]) -> Option<String> {
    challenge::parse_all(fields.iter().map(String::as_str))
        .into_iter()
        .filter(|challenge| challenge.is("Bearer"))
        .find_map(|challenge| challenge.param("resource_metadata").map(str::to_owned))
}

/// Our rule (module doc): only the resource's own origin; its public origin
/// is reached at the internal one.
pub fn metadata_url_from_challenge(
    value: &str,
    settings: &Settings,
) -> Result<Url, DiscoveryError> {
    let mut url = endpoint_url("resource_metadata", value)?;
    url.set_fragment(None);
    let public = &settings.resource_url;
    let internal = &settings.resource_internal_url;
    if url.origin() == public.origin() {
        Ok(back_channel(url, public, internal))
    } else if url.origin() == internal.origin() {
        Ok(url)
    } else {
        Err(DiscoveryError::ResourceMetadataElsewhere {
            url: value.to_owned(),
            resource: public.origin().ascii_serialization(),
        })
    }
}

/// RFC 9728 §3.1: the well-known segment goes between the host and the
/// resource's path, on the back-channel origin.
pub fn well_known_url(settings: &Settings) -> Url {
    let mut url = settings.resource_internal_url.clone();
    let resource_path = settings.resource_url.path().trim_end_matches('/');
    url.set_path(&format!("{WELL_KNOWN_PATH}{resource_path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// RFC 9728 §3.3: the document must describe the resource we called.
pub fn check_resource(
    document: &ProtectedResourceMetadata,
    resource_url: &Url,
) -> Result<(), DiscoveryError> {
    if Url::parse(&document.resource).ok().as_ref() == Some(resource_url) {
        Ok(())
    } else {
        Err(DiscoveryError::ResourceMismatch {
            expected: resource_url.to_string(),
            found: document.resource.clone(),
        })
    }
}

fn resource_metadata_step(url: &Url, from_challenge: bool, body: &[u8], issuer: &str) -> Step {
    let source = if from_challenge {
        "(the URL the 401 named in resource_metadata)"
    } else {
        "(the 401 named no resource_metadata: the RFC 9728 §3.1 well-known URL)"
    };
    Step::new(
        "Read the resource's metadata",
        "RFC 9728 §3, §3.3",
        "Strava checks that the document's resource is exactly the API it called (else nothing in it is trusted) and takes the first of its authorization_servers that it was configured to trust (--trusted-issuer) as the issuer.",
    )
    .request(format!("GET {url}\n{source}"))
    .response(format!(
        "{}\n\nauthorization server chosen: {issuer}",
        trace::describe_body(body)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(resource: &str, internal: Option<&str>) -> Settings {
        let mut args = vec![
            "client",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
            "--issuer",
            "auto",
            "--resource-url",
            resource,
        ];
        if let Some(internal) = internal {
            args.extend(["--resource-internal-url", internal]);
        }
        Settings::from_config(&crate::Config::parse_from(args)).unwrap()
    }

    fn document(resource: &str) -> ProtectedResourceMetadata {
        serde_json::from_value(serde_json::json!({ "resource": resource })).unwrap()
    }

    #[test]
    fn only_a_trusted_issuer_is_picked_the_first_one_named() {
        let named = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let trusted = named(&["https://as.example", "https://b.example"]);
        let picked = trusted_issuer(
            &named(&["https://evil.example", "https://b.example"]),
            &trusted,
        );
        assert_eq!(picked.unwrap(), "https://b.example");
        // Exact strings: a trailing slash is another issuer.
        let untrusted = trusted_issuer(&named(&["https://as.example/"]), &trusted);
        assert!(matches!(
            untrusted,
            Err(DiscoveryError::UntrustedIssuer { .. })
        ));
        let none = trusted_issuer(&[], &trusted);
        assert!(matches!(none, Err(DiscoveryError::NoAuthorizationServer)));
    }

    #[test]
    fn the_resource_must_be_the_configured_one_up_to_the_empty_path() {
        let configured = Url::parse("http://localhost:9002").unwrap();
        assert!(check_resource(&document("http://localhost:9002"), &configured).is_ok());
        assert!(check_resource(&document("http://localhost:9002/"), &configured).is_ok());
        for other in [
            "http://127.0.0.1:9002",
            "https://localhost:9002",
            "http://localhost:9003",
            "http://localhost:9002/v2",
            "not a url",
        ] {
            assert!(
                matches!(
                    check_resource(&document(other), &configured),
                    Err(DiscoveryError::ResourceMismatch { .. })
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn a_metadata_url_on_the_public_origin_is_fetched_at_the_internal_one() {
        let settings = settings(
            "http://localhost:9002",
            Some("http://protected-resource:9002"),
        );
        let url = metadata_url_from_challenge(
            "http://localhost:9002/.well-known/oauth-protected-resource",
            &settings,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "http://protected-resource:9002/.well-known/oauth-protected-resource"
        );
        let internal = metadata_url_from_challenge("http://protected-resource:9002/m", &settings);
        assert_eq!(
            internal.unwrap().as_str(),
            "http://protected-resource:9002/m"
        );
    }

    #[test]
    fn a_metadata_url_anywhere_else_is_refused() {
        let settings = settings("http://localhost:9002", None);
        for elsewhere in [
            "http://evil.example/.well-known/oauth-protected-resource",
            "http://localhost:9003/.well-known/oauth-protected-resource",
            "https://localhost:9002/.well-known/oauth-protected-resource",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(
                matches!(
                    metadata_url_from_challenge(elsewhere, &settings),
                    Err(DiscoveryError::ResourceMetadataElsewhere { .. })
                ),
                "{elsewhere}"
            );
        }
        for garbage in ["file:///etc/passwd", "/relative", ""] {
            assert!(
                matches!(
                    metadata_url_from_challenge(garbage, &settings),
                    Err(DiscoveryError::BadEndpoint { .. })
                ),
                "{garbage}"
            );
        }
    }

    #[test]
    fn the_well_known_segment_goes_before_the_resource_path() {
        let plain = settings("http://localhost:9002", Some("http://rs:9002"));
        assert_eq!(
            well_known_url(&plain).as_str(),
            "http://rs:9002/.well-known/oauth-protected-resource"
        );
        let with_path = settings("https://api.example/v1/", None);
        assert_eq!(
            well_known_url(&with_path).as_str(),
            "https://api.example/.well-known/oauth-protected-resource/v1"
        );
        assert_eq!(
            probe_url(&with_path.resource_internal_url).as_str(),
            "https://api.example/v1/api/me"
        );
    }

    #[test]
    fn only_a_bearer_challenge_names_the_metadata() {
        let fields = vec![
            r#"Basic realm="x", resource_metadata="http://wrong""#.to_owned(),
            r#"Bearer realm="facebook", resource_metadata="http://rs/m""#.to_owned(),
        ];
        assert_eq!(
            resource_metadata_param(&fields).as_deref(),
            Some("http://rs/m")
        );
        assert_eq!(
            resource_metadata_param(&[r#"Bearer realm="facebook""#.to_owned()]),
            None
        );
    }
}
