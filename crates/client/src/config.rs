//! Configuration: the contract's common flags plus this role's own, and
//! [`Settings`], the same values parsed once into the types the app uses.
//!
//! Each outside party has two addresses. The *front channel* is what the
//! browser is sent to; the *back channel* is where this server itself
//! connects. On one machine they are the same; under docker-compose the
//! browser uses `localhost` while the client reaches `authorization-server`
//! by its service name.

use std::path::PathBuf;

use oauth_types::secret::ClientSecret;
use oauth_types::ScopeSet;
use service_kit::clock::Clock;
use service_kit::{ServeArgs, StartupError};
use url::Url;

use crate::client_assertion::AssertionSigner;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The OAuth client (\"Strava\"): a web app for runners that posts runs to \"Facebook\" on the user's behalf."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The authorization server's issuer identifier, exactly as it publishes
    /// it (RFC 8414 metadata is read from there, `iss` is checked against
    /// it), or `auto` to find it through the resource's RFC 9728 metadata.
    /// The browser is sent to the authorization endpoint it publishes.
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,

    /// With `--issuer auto`: an authorization server this client may use
    /// when the resource names it (repeatable; issuer identifiers, compared
    /// exactly; in the environment, separated by spaces). A resource naming
    /// only others is refused.
    #[arg(
        long = "trusted-issuer",
        default_value = "http://localhost:9001",
        value_delimiter = ' '
    )]
    pub trusted_issuer: Vec<String>,

    /// Where this server itself reaches the authorization server (metadata,
    /// token, revocation); defaults to the issuer. The origin of the
    /// published back-channel endpoints is rewritten to this one.
    #[arg(long)]
    pub issuer_internal_url: Option<String>,

    /// This client's id at the authorization server.
    #[arg(long, default_value = "strava")]
    pub client_id: String,

    /// This client's secret at the authorization server (default: the demo
    /// client's, which `--help` does not print).
    #[arg(long, default_value = "strava-secret", hide_default_value = true)]
    pub client_secret: String,

    /// Where the authorization server sends the browser back.
    #[arg(long, default_value = "http://localhost:9000/callback")]
    pub redirect_uri: String,

    /// The protected resource's base URL, as the browser sees it; also its
    /// resource identifier, sent as RFC 8707 `resource`.
    #[arg(long, default_value = "http://localhost:9002")]
    pub resource_url: String,

    /// Where this server itself calls the protected resource's API; defaults
    /// to --resource-url.
    #[arg(long)]
    pub resource_internal_url: Option<String>,

    /// The scopes asked for when connecting.
    #[arg(long, default_value = "profile post")]
    pub scope: String,

    /// A PEM certificate authority trusted, in addition to the public
    /// roots, for this server's own calls over HTTPS (metadata, token,
    /// revocation, the resource's API and its RFC 9728 metadata), e.g. the
    /// local CA of `scripts/demo --tls`.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,

    /// Never use DPoP (RFC 9449), even when the authorization server offers
    /// it: tokens are then plain Bearer tokens.
    #[arg(long)]
    pub no_dpop: bool,

    /// A PKCS#8 PEM private key (EC P-256, Ed25519 or RSA): this client
    /// then authenticates with `private_key_jwt` (RFC 7523), a fresh
    /// assertion signed by it on each token and revocation request, and
    /// sends no secret. Register its public key with `client add
    /// --auth-method private_key_jwt --jwks FILE`.
    #[arg(long, value_name = "PEM")]
    pub client_key: Option<PathBuf>,
    /// Never push authorization requests (RFC 9126), even when the
    /// authorization server names a pushed authorization request endpoint:
    /// the browser then carries every parameter.
    #[arg(long)]
    pub no_par: bool,

    /// The clock every handler reads (tests move it forward).
    #[arg(skip)]
    pub clock: Clock,

    /// Instead of serving: play another app in the terminal.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does instead of serving.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// "Strava on a watch": connect through the device authorization grant
    /// (RFC 8628), approved by the person on another screen, then post a
    /// message to the resource. Uses --issuer, --resource-url and
    /// --ca-cert given before `device`.
    Device(DeviceArgs),
}

/// `client device`.
#[derive(clap::Args, Debug, Clone)]
pub struct DeviceArgs {
    /// The message to post once connected.
    #[arg(long, default_value = "Morning run: 5 km, posted from my watch")]
    pub message: String,
    /// The device client's id at the authorization server (a public client
    /// registered for the device code grant).
    #[arg(long = "client-id", default_value = "strava-watch")]
    pub client_id: String,
}

/// Where the issuer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerSetting {
    /// Configured: the identifier, verbatim, and its parsed form.
    Fixed { identifier: String, url: Url },
    /// `auto`: the first `authorization_servers` entry of the resource's
    /// RFC 9728 metadata.
    Auto,
}

/// The configuration, checked and parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: IssuerSetting,
    /// `--trusted-issuer`: the only issuers `--issuer auto` may pick,
    /// verbatim.
    pub trusted_issuers: Vec<String>,
    /// Back-channel base for the authorization server; `None` means "the
    /// issuer itself".
    pub issuer_internal_url: Option<Url>,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub redirect_uri: Url,
    /// The resource as the browser sees it.
    pub resource_url: Url,
    /// RFC 8707 §2: `--resource-url` verbatim, the `resource` of every
    /// authorization and token request, so that tokens are for this API
    /// alone.
    pub resource_indicator: String,
    /// The resource as this server reaches it.
    pub resource_internal_url: Url,
    /// RFC 6749 §3.3: what `/connect` asks for by default.
    pub scope: ScopeSet,
    /// Whether the session cookie gets `Secure`: we serve HTTPS, or the
    /// browser reaches us over HTTPS (the redirect URI says so).
    pub secure_cookies: bool,
    /// `--ca-cert`: trusted for back-channel calls besides the public roots.
    pub ca_cert: Option<PathBuf>,
    /// Whether a connection may use DPoP (RFC 9449) when the authorization
    /// server offers it; `--no-dpop` turns it off.
    pub dpop: bool,
    /// `--client-key`: authenticate with `private_key_jwt` (RFC 7523)
    /// instead of the secret.
    pub client_key: Option<AssertionSigner>,
    /// Whether authorization requests are pushed (RFC 9126) when the
    /// authorization server names its endpoint; `--no-par` turns it off.
    pub par: bool,
}

impl Settings {
    /// How Strava proves itself at the authorization server's back-channel
    /// endpoints, in the words of the behind-the-scenes page.
    pub fn client_authentication(&self) -> &'static str {
        match self.client_key {
            Some(_) => "a fresh assertion signed by its private key (private_key_jwt, RFC 7523 §2.2; no secret exists)",
            None => "its client secret (HTTP Basic)",
        }
    }

    /// Parses every flag once; a mistake is a one-line startup error (exit 2).
    pub fn from_config(config: &Config) -> Result<Self, StartupError> {
        let issuer = if config.issuer == "auto" {
            IssuerSetting::Auto
        } else {
            IssuerSetting::Fixed {
                identifier: config.issuer.clone(),
                url: parse_url("--issuer", &config.issuer)?,
            }
        };
        let trusted_issuers = config
            .trusted_issuer
            .iter()
            .map(|issuer| parse_url("--trusted-issuer", issuer).map(|_| issuer.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let issuer_internal_url = config
            .issuer_internal_url
            .as_deref()
            .map(|url| parse_url("--issuer-internal-url", url))
            .transpose()?;
        let redirect_uri = parse_url("--redirect-uri", &config.redirect_uri)?;
        let resource_url = parse_url("--resource-url", &config.resource_url)?;
        // RFC 8707 §2: an absolute URI without a fragment.
        if resource_url.fragment().is_some() {
            return Err(StartupError::Config(format!(
                "--resource-url '{}' must not have a fragment (RFC 8707 §2)",
                config.resource_url
            )));
        }
        let resource_internal_url = match config.resource_internal_url.as_deref() {
            Some(url) => parse_url("--resource-internal-url", url)?,
            None => resource_url.clone(),
        };
        let scope = ScopeSet::parse(&config.scope)
            .map_err(|err| StartupError::Config(format!("--scope '{}': {err}", config.scope)))?;
        let secure_cookies = config.serve.tls_cert.is_some() || redirect_uri.scheme() == "https";
        if let Some(ca_cert) = &config.ca_cert {
            service_kit::back_channel::read_ca_certificates(ca_cert)?;
        }
        Ok(Self {
            issuer,
            trusted_issuers,
            issuer_internal_url,
            client_id: config.client_id.clone(),
            client_secret: ClientSecret::new(config.client_secret.clone()),
            redirect_uri,
            resource_url,
            resource_indicator: config.resource_url.clone(),
            resource_internal_url,
            scope,
            secure_cookies,
            ca_cert: config.ca_cert.clone(),
            dpop: !config.no_dpop,
            client_key: config
                .client_key
                .as_deref()
                .map(|path| AssertionSigner::read(path, config.clock.clone()))
                .transpose()?,
            par: !config.no_par,
        })
    }
}

fn parse_url(flag: &str, value: &str) -> Result<Url, StartupError> {
    let url = Url::parse(value)
        .map_err(|err| StartupError::Config(format!("{flag} '{value}' is not a URL: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(StartupError::Config(format!(
            "{flag} '{value}' must be an http or https URL"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(args: &[&str]) -> Result<Settings, StartupError> {
        let mut all = vec![
            "client",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ];
        all.extend_from_slice(args);
        Settings::from_config(&Config::parse_from(all))
    }

    #[test]
    fn internal_addresses_default_to_the_public_ones() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.issuer_internal_url, None);
        assert_eq!(settings.resource_internal_url, settings.resource_url);
        assert!(!settings.secure_cookies);
        assert!(settings.dpop, "DPoP is used when offered unless --no-dpop");
    }

    #[test]
    fn no_dpop_turns_dpop_off() {
        assert!(!settings(&["--no-dpop"]).unwrap().dpop);
    }

    #[test]
    fn par_is_used_when_offered_unless_no_par() {
        assert!(settings(&[]).unwrap().par);
        assert!(!settings(&["--no-par"]).unwrap().par);
    }

    #[test]
    fn bad_urls_and_scopes_are_refused_naming_the_flag() {
        let err = settings(&["--issuer", "not a url"]).err().unwrap();
        assert!(err.to_string().contains("--issuer"));
        let err = settings(&["--scope", "bad\"scope"]).err().unwrap();
        assert!(err.to_string().contains("--scope"));
        let err = settings(&["--resource-internal-url", "ftp://x"])
            .err()
            .unwrap();
        assert!(err.to_string().contains("--resource-internal-url"));
    }

    #[test]
    fn trusted_issuers_default_to_the_demo_server_and_repeat() {
        assert_eq!(
            settings(&[]).unwrap().trusted_issuers,
            ["http://localhost:9001"]
        );
        let settings = settings(&[
            "--trusted-issuer",
            "https://a.example",
            "--trusted-issuer",
            "https://b.example/tenant",
        ])
        .unwrap();
        assert_eq!(
            settings.trusted_issuers,
            ["https://a.example", "https://b.example/tenant"]
        );
        let err = settings_err(&["--trusted-issuer", "not a url"]);
        assert!(err.contains("--trusted-issuer"), "{err}");
    }

    #[test]
    fn the_resource_indicator_is_the_resource_url_verbatim() {
        let settings = settings(&["--resource-url", "http://localhost:9002"]).unwrap();
        assert_eq!(settings.resource_indicator, "http://localhost:9002");
        let err = settings_err(&["--resource-url", "http://localhost:9002/#api"]);
        assert!(err.contains("fragment"), "{err}");
    }

    fn settings_err(args: &[&str]) -> String {
        settings(args).err().unwrap().to_string()
    }

    #[test]
    fn an_https_redirect_uri_makes_cookies_secure() {
        let settings = settings(&["--redirect-uri", "https://strava.example/callback"]).unwrap();
        assert!(settings.secure_cookies);
    }
}
