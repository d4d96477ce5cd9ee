//! What every handler reads: the pool, the issuer, the clock and the
//! lifetimes. Shared through `web::Data`, never a global.

use oauth_types::dpop_nonce::NonceSecret;
use sqlx::AnyPool;

use crate::client_cache::ClientCache;
use crate::config::{AccessTokenFormat, Config, LoginLimits, RegistrationMode};
use crate::jwt::JwtSigner;
use crate::passwords::PasswordChecks;
use service_kit::clock::Clock;

/// Lifetimes in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access_token: i64,
    pub refresh_token: i64,
    /// ID tokens (OpenID Connect Core §2 `exp`): as long as access tokens,
    /// so a retired key stays published as long as anything it signed is valid.
    pub id_token: i64,
    /// RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10
    /// minutes is RECOMMENDED"; RFC 9700 and our rule 3 say at most 60 s.
    pub authorization_code: i64,
    /// How long a validated authorization request waits for login and consent.
    pub pending_request: i64,
    /// A pushed authorization request waiting for the browser (RFC 9126
    /// §2.2 `expires_in`; our policy: 60 s, enough to send the browser on).
    pub pushed_request: i64,
    /// RFC 8628 §3.2 `expires_in` of a device and user code (our policy:
    /// 10 minutes, time to find a screen and sign in).
    pub device_code: i64,
    /// A signed-in session.
    pub session: i64,
    /// A session nobody has signed in to yet (our policy: 15 minutes, so
    /// that anonymous visits are swept soon; a login replaces it with a
    /// fresh session of the full lifetime).
    pub anonymous_session: i64,
}

pub struct AppState {
    pub pool: AnyPool,
    /// RFC 8414 §2 issuer identifier, used verbatim.
    pub issuer: String,
    pub clock: Clock,
    pub lifetimes: Lifetimes,
    pub login_limits: LoginLimits,
    /// The bounded line of argon2id checks (rule 33).
    pub password_checks: PasswordChecks,
    /// `Secure` cookies when the issuer is https (rule 11).
    pub secure_cookies: bool,
    /// Registered clients, cached for a few seconds (hot `/introspect` path).
    pub client_cache: ClientCache,
    /// Signs ID tokens, and access tokens with `--access-token-format jwt`.
    pub signer: JwtSigner,
    pub access_token_format: AccessTokenFormat,
    /// Under `--dpop-nonce`, what makes and checks DPoP nonces (RFC 9449 §8).
    pub dpop_nonce: Option<NonceSecret>,
    /// `--registration`: who may register clients at `/register`.
    pub registration: RegistrationMode,
}

impl AppState {
    pub fn new(
        config: &Config,
        pool: AnyPool,
        signer: JwtSigner,
        dpop_nonce: Option<NonceSecret>,
    ) -> Self {
        Self {
            pool,
            issuer: config.issuer.clone(),
            clock: config.clock.clone(),
            lifetimes: Lifetimes {
                access_token: config.access_token_ttl,
                refresh_token: 30 * 24 * 3600,
                id_token: config.access_token_ttl,
                authorization_code: 60,
                pending_request: 10 * 60,
                pushed_request: 60,
                device_code: 10 * 60,
                session: 12 * 3600,
                anonymous_session: 15 * 60,
            },
            login_limits: config.login_limits,
            password_checks: PasswordChecks::new(
                config.login_limits.concurrent_checks,
                config.login_limits.check_wait,
            ),
            secure_cookies: config.issuer.starts_with("https://"),
            client_cache: ClientCache::default(),
            signer,
            access_token_format: config.access_token_format,
            dpop_nonce,
            registration: config.registration,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// An endpoint URL under the issuer (RFC 8414 §3).
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer.trim_end_matches('/'))
    }
}
