//! Configuration: the contract's common flags plus this role's own.

use std::path::PathBuf;

use service_kit::ServeArgs;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The protected resource (\"Facebook\"): an API that accepts bearer tokens and trusts nothing."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The authorization server's RFC 7662 introspection endpoint.
    #[arg(long, default_value = "http://localhost:9001/introspect")]
    pub introspection_url: String,

    /// This resource's client id at the introspection endpoint.
    #[arg(long, default_value = "protected-resource-1")]
    pub client_id: String,

    /// This resource's client secret at the introspection endpoint.
    #[arg(
        long,
        default_value = "protected-resource-secret-1",
        hide_default_value = true
    )]
    pub client_secret: String,

    /// The audience this resource accepts (RFC 8707 resource identifier). It
    /// is also the resource's public URL: the RFC 9728 metadata URL is built
    /// from it (RFC 9728 §3.1).
    #[arg(long, default_value = "http://localhost:9002")]
    pub resource_id: String,

    /// How tokens are checked: `introspection` asks the authorization server
    /// about each token (RFC 7662); `jwt` checks RFC 9068 JWT access tokens
    /// here, with the keys published at the issuer's `jwks_uri`.
    #[arg(long, value_enum, default_value_t = ValidationMethod::Introspection)]
    pub validation: ValidationMethod,

    /// The authorization server that guards this resource (RFC 9728). In
    /// `jwt` mode a token's `iss` must equal it exactly, and its RFC 8414
    /// metadata names the `jwks_uri`.
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,

    /// Where this resource reaches the issuer when that is not the issuer
    /// URL itself (e.g. a container network). Only the origin (scheme, host,
    /// port) is used, to fetch the metadata and a `jwks_uri` on the issuer's
    /// origin; `iss` must still equal `--issuer`. Defaults to `--issuer`.
    #[arg(long)]
    pub issuer_internal_url: Option<String>,

    /// `jwt` mode: seconds the issuer's keys are used before they are
    /// fetched again (a key the issuer removed stops working then).
    #[arg(long, default_value_t = 300)]
    pub jwks_cache_ttl: u64,

    /// `jwt` mode: a token naming an unknown `kid` makes the resource fetch
    /// the keys again, at most once in this many seconds (so random `kid`s
    /// cannot make it hammer the authorization server); after a failed
    /// fetch, the keys are not asked for again for this long (503 meanwhile).
    #[arg(long, default_value_t = 10)]
    pub jwks_refetch_interval: u64,

    /// Seconds an active introspection answer is reused, never past the
    /// token's `exp`. 0 turns the cache off (every request introspects).
    #[arg(long, default_value_t = 30)]
    pub introspection_cache_ttl: u64,

    /// Milliseconds to wait for the introspection endpoint (or, in `jwt`
    /// mode, for the issuer's metadata and keys) before answering 503 (the
    /// resource never fails open).
    #[arg(long, default_value_t = 2000)]
    pub introspection_timeout_ms: u64,

    /// A PEM certificate authority trusted, in addition to the public
    /// roots, for the calls to the authorization server (introspection,
    /// metadata, keys) over HTTPS, e.g. the local CA of `scripts/demo --tls`.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,

    /// Require server-provided nonces in DPoP proofs (RFC 9449 §9): a proof
    /// without a current `DPoP-Nonce` is answered `use_dpop_nonce` with a
    /// fresh one.
    #[arg(long)]
    pub dpop_nonce: bool,

    /// The clock every handler reads (tests move it forward).
    #[arg(skip)]
    pub clock: service_kit::clock::Clock,
}

/// The two ways this resource checks a token (contract: `--validation`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationMethod {
    /// RFC 7662: ask the authorization server about every token (cached).
    Introspection,
    /// RFC 9068: check a signed JWT access token locally.
    Jwt,
}
