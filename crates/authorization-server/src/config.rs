//! Configuration: the contract's common flags plus this role's own, and the
//! admin subcommands (`user add`, `client add`, `key rotate`, …) that share
//! `--database-url`.

use service_kit::ServeArgs;

use crate::jwt::SigningAlgorithm;
use service_kit::clock::Clock;

#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "The OAuth 2.0 authorization server: users log in, consent, and receive codes and tokens."
)]
pub struct Config {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The issuer identifier (RFC 8414 §2), used verbatim in the metadata
    /// and in the `iss` of authorization responses (RFC 9207).
    #[arg(long, default_value = "http://localhost:9001")]
    pub issuer: String,

    /// Seed the demo users and clients if they are absent (idempotent).
    #[arg(long)]
    pub demo: bool,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub access_token_ttl: i64,

    /// Format of access tokens: `opaque` (random, introspected) or `jwt`
    /// (RFC 9068, signed; the public key is at the metadata's `jwks_uri`).
    #[arg(long, value_enum, default_value_t = AccessTokenFormat::Opaque)]
    pub access_token_format: AccessTokenFormat,

    /// The signature algorithm of JWT access tokens: `EdDSA` (Ed25519) or
    /// `RS256` (RSA 2048, the one RFC 9068 §2.1 requires every verifier to
    /// support).
    #[arg(long, value_enum, default_value_t = SigningAlgorithm::EdDSA)]
    pub signing_alg: SigningAlgorithm,

    /// File holding the key-encryption key that seals the private signing
    /// keys in the database: one line, base64url of 32 random bytes (make
    /// one with `key generate-encryption-key`). Needed to serve (ID tokens
    /// are signed whatever `--access-token-format` says) and by `key
    /// rotate`/`key rewrap`; with
    /// `--demo` and no file named, one is created beside the SQLite file
    /// (`PATH.kek`), or at `./data/authorization-server.kek` on Postgres.
    #[arg(long, global = true, value_name = "FILE")]
    pub key_encryption_key_file: Option<std::path::PathBuf>,

    /// Require server-provided nonces in DPoP proofs (RFC 9449 §8): a
    /// proof without a current `DPoP-Nonce` is answered `use_dpop_nonce`
    /// with a fresh one.
    #[arg(long)]
    pub dpop_nonce: bool,

    /// Who may register clients at `/register` (RFC 7591 §3): `open`
    /// (anyone, rate-limited per address), `token` (with an initial access
    /// token made by `registration-token`), or `off` (no endpoint).
    #[arg(long, value_enum, default_value_t = RegistrationMode::Token)]
    pub registration: RegistrationMode,

    /// An administration task instead of serving.
    #[command(subcommand)]
    pub command: Option<AdminCommand>,

    /// The clock every rule reads (tests move it forward).
    #[arg(skip)]
    pub clock: Clock,

    /// Login throttling (tests lower it).
    #[arg(skip)]
    pub login_limits: LoginLimits,
}

impl Config {
    /// A configuration for tests: loopback, port 0, the given database, and
    /// the key-encryption key of [`test_key_encryption_key_file`], so that
    /// every server started on one test database (a restart, a second
    /// instance) opens the same signing keys.
    pub fn for_test(database_url: &str) -> Self {
        Self {
            serve: ServeArgs::for_test(database_url),
            issuer: "http://localhost:9001".to_owned(),
            demo: true,
            access_token_ttl: 600,
            access_token_format: AccessTokenFormat::Opaque,
            signing_alg: SigningAlgorithm::EdDSA,
            key_encryption_key_file: Some(test_key_encryption_key_file(database_url)),
            dpop_nonce: false,
            registration: RegistrationMode::Token,
            command: None,
            clock: Clock::default(),
            login_limits: LoginLimits::default(),
        }
    }
}

/// The key-encryption key file of tests on `database_url`: in the
/// temporary directory, one per database, created on first use. Should it
/// not be creatable, the server says so when it starts.
pub fn test_key_encryption_key_file(database_url: &str) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    database_url.hash(&mut hasher);
    let path = std::env::temp_dir()
        .join("oauth-workspace-tests")
        .join(format!("{:016x}.kek", hasher.finish()));
    // An error here surfaces when the server reads the file.
    crate::jwt::key_encryption::KeyEncryptionKey::load_or_create(&path).ok();
    path
}

/// `--access-token-format`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTokenFormat {
    /// 256 random bits, looked up by hash at `/introspect`.
    Opaque,
    /// RFC 9068 JWT signed with EdDSA; also answered by `/introspect`.
    Jwt,
}

/// `--registration`: who may register clients dynamically (RFC 7591 §3).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Anyone may register (RFC 7591 §3: "open registration"), at most
    /// [`crate::registration::REGISTRATIONS_PER_ADDRESS`] per address and
    /// window (our policy).
    Open,
    /// Registration needs an initial access token (RFC 7591 §3), made by
    /// `authorization-server registration-token`.
    Token,
    /// No `/register` endpoint (404) and none in the metadata.
    Off,
}

/// How many failed logins are tolerated within `window_seconds`, per
/// account and per client address, before logins are refused; and how many
/// password checks run at once (rule 33).
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account: i64,
    pub per_address: i64,
    pub window_seconds: i64,
    /// Password checks running at once: one per core (argon2id is
    /// CPU-bound; more at once only holds more memory).
    pub concurrent_checks: usize,
    /// How long a login waits for its turn before it is answered 503.
    pub check_wait: std::time::Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window_seconds: 15 * 60,
            concurrent_checks: std::thread::available_parallelism().map_or(2, usize::from),
            check_wait: std::time::Duration::from_secs(3),
        }
    }
}

/// Administration, so nobody edits the database by hand.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum AdminCommand {
    /// Resource owners.
    #[command(subcommand)]
    User(UserCommand),
    /// Clients and protected resources.
    #[command(subcommand)]
    Client(ClientCommand),
    /// The keys that sign JWT access tokens.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Prints a new initial access token for `POST /register` (RFC 7591
    /// §3) on one line; only its hash is stored.
    RegistrationToken {
        /// How long it is valid, in seconds (default: one day).
        #[arg(long, default_value_t = 86_400, value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
        expires_in: i64,
        #[command(flatten)]
        database: AdminDatabase,
    },
}

/// The database of an admin command: its own `--database-url`, else the
/// top-level one (`AS_DATABASE_URL` or the default).
#[derive(clap::Args, Debug, Clone)]
pub struct AdminDatabase {
    /// sqlite://PATH or postgres://… (defaults to the server's).
    #[arg(long = "database-url", id = "admin_database_url", value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum UserCommand {
    /// Adds a user; the password is read from the first line of stdin.
    Add {
        #[arg(long)]
        username: String,
        /// The user's full name (OpenID Connect claim `name`).
        #[arg(long)]
        name: Option<String>,
        /// The user's email address (claim `email`).
        #[arg(long)]
        email: Option<String>,
        /// The email address has been verified (claim `email_verified`).
        #[arg(long, requires = "email")]
        email_verified: bool,
        /// Read the password from stdin (the default; accepted for clarity).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: AdminDatabase,
    },
    /// Lists users.
    List(AdminDatabase),
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum ClientCommand {
    /// Registers a client; a confidential client's or protected resource's
    /// secret is generated and printed once.
    Add {
        /// The new client's `client_id` (RFC 6749 §2.2), unique here.
        #[arg(long)]
        client_id: String,
        #[arg(long, value_enum)]
        kind: crate::store::clients::ClientKind,
        /// An exact redirect URI (repeat for several).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Space-separated scopes the client may ask for.
        #[arg(long, default_value = "")]
        scope: String,
        /// A grant type (repeat): authorization_code, refresh_token, client_credentials,
        /// urn:ietf:params:oauth:grant-type:device_code (RFC 8628).
        #[arg(long = "grant", value_parser = parse_grant_type)]
        grants: Vec<oauth_types::GrantType>,
        /// A protected resource's identifier (RFC 8707), e.g. http://localhost:9002.
        #[arg(long)]
        resource_id: Option<String>,
        /// The resource this client's tokens are for when a request names
        /// none (RFC 8707 `resource`), e.g. http://localhost:9002. Without
        /// it, the client must send `resource` in every request.
        #[arg(long)]
        default_resource: Option<String>,
        /// An exact URI this client may name as `post_logout_redirect_uri`
        /// at `/logout` (RP-Initiated Logout 1.0; repeat for several).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// The `alg` of this client's ID tokens (OpenID Connect Core §15.1).
        #[arg(long, value_enum, default_value_t = SigningAlgorithm::RS256)]
        id_token_alg: SigningAlgorithm,
        /// This client's tokens must be DPoP-bound: a token request without
        /// a DPoP proof is refused (RFC 9449 §5.2 `dpop_bound_access_tokens`).
        #[arg(long)]
        dpop_bound: bool,
        /// How the client authenticates (RFC 7591 §2
        /// `token_endpoint_auth_method`): client_secret_basic,
        /// client_secret_post, private_key_jwt or none. Default: none for a
        /// public client, client_secret_basic otherwise.
        #[arg(long, value_parser = parse_auth_method)]
        auth_method: Option<oauth_types::TokenEndpointAuthMethod>,
        /// A file holding the JWK Set (RFC 7517 §5) of the client's public
        /// keys, for `--auth-method private_key_jwt` (RFC 7523).
        #[arg(long, value_name = "FILE")]
        jwks: Option<std::path::PathBuf>,
        /// This client must push its authorization requests to `/par`
        /// first: `/authorize` refuses it without a `request_uri` (RFC 9126
        /// §6 `require_pushed_authorization_requests`).
        #[arg(long)]
        require_par: bool,
        #[command(flatten)]
        database: AdminDatabase,
    },
    /// Lists clients.
    List(AdminDatabase),
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum KeyCommand {
    /// Adds a new signing key: published at once, it signs 30 s later; the
    /// previous key stays published until every token it signed has expired
    /// (uses `--access-token-ttl` / `AS_ACCESS_TOKEN_TTL`).
    Rotate(AdminDatabase),
    /// Lists the keys: kid, algorithm, created, state.
    List(AdminDatabase),
    /// Re-encrypts every private signing key, in one transaction, from the
    /// key-encryption key of `--key-encryption-key-file` to the one in
    /// `--new-key-encryption-key-file`; then start the servers with the new file.
    Rewrap {
        /// The file of the new key-encryption key.
        #[arg(long, value_name = "FILE")]
        new_key_encryption_key_file: std::path::PathBuf,
        #[command(flatten)]
        database: AdminDatabase,
    },
    /// Writes a new key-encryption key to a file that must not exist yet
    /// (mode 0600), for `--key-encryption-key-file`.
    GenerateEncryptionKey {
        #[arg(long, value_name = "FILE")]
        file: std::path::PathBuf,
    },
}

/// RFC 8414 §2: the issuer is a URL with a host and no query or fragment.
/// `https` as the RFC asks, or `http` for the loopback demos (our policy;
/// the listener refuses plain HTTP elsewhere anyway).
pub fn check_issuer(issuer: &str) -> Result<(), String> {
    let refused = |why: &str| Err(format!("--issuer '{issuer}' {why}"));
    let Ok(url) = url::Url::parse(issuer) else {
        return refused("is not a URL");
    };
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return refused("must be an https (or loopback http) URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refused("must have no query or fragment (RFC 8414 §2)");
    }
    Ok(())
}

/// `--grant`: one of [`oauth_types::GrantType`]'s names.
fn parse_auth_method(value: &str) -> Result<oauth_types::TokenEndpointAuthMethod, String> {
    oauth_types::TokenEndpointAuthMethod::parse(value).ok_or_else(|| {
        let known: Vec<&str> = oauth_types::TokenEndpointAuthMethod::ALL
            .iter()
            .map(|method| method.as_str())
            .collect();
        format!(
            "unknown client authentication method; use one of {}",
            known.join(", ")
        )
    })
}

fn parse_grant_type(value: &str) -> Result<oauth_types::GrantType, String> {
    oauth_types::GrantType::parse(value).ok_or_else(|| {
        let known: Vec<&str> = oauth_types::GrantType::ALL
            .iter()
            .map(|grant| grant.as_str())
            .collect();
        format!("unknown grant type (one of: {})", known.join(", "))
    })
}

#[cfg(test)]
mod issuer_tests {
    use super::check_issuer;

    #[test]
    fn an_issuer_is_an_http_url_with_a_host_and_no_query_or_fragment() {
        for good in ["http://localhost:9001", "https://as.example/tenant"] {
            assert_eq!(check_issuer(good), Ok(()), "{good}");
        }
        for bad in [
            "not a url",
            "ftp://as.example",
            "https://as.example/?x=1",
            "https://as.example/#f",
            "urn:as",
        ] {
            let why = check_issuer(bad).unwrap_err();
            assert!(why.starts_with("--issuer"), "{why}");
        }
    }
}
