//! DPoP (RFC 9449) at the client: each Facebook connection holds its own
//! key pair and proves, request by request, that it holds it, so a copy of
//! its access token is worthless to anyone else.
//!
//! ```text
//!  GET /connect       key pair made; dpop_jkt = its thumbprint (§10)
//!  POST /token        DPoP: proof {htm: POST, htu: token endpoint}      (§5)
//!                     ← token_type: DPoP, the token bound to the key (§6)
//!  POST /api/posts    Authorization: DPoP <token>
//!                     DPoP: proof {htm, htu, ath: hash of the token}    (§7)
//! ```
//!
//! DPoP is used when the authorization server's metadata offers an
//! algorithm we sign with ([`offered`]) and `--no-dpop` was not given. The
//! key lives in the client's database only, next to the tokens; proofs are
//! signed by [`Prover`]. Token requests get their proof through
//! [`proving_client::ProvingClient`], the `oauth2` crate's HTTP hook;
//! resource calls in [`crate::resource`]. A server may demand a nonce it
//! chose (§8, §9): the latest one of each server is kept in [`Nonces`].

/// The `oauth2` crate's HTTP client with a `DPoP` header on each request.
pub mod proving_client;

/// The behind-the-scenes description of proofs and bindings.
pub mod shown;

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth_types::secret::AccessToken;
use url::Url;

pub use oauth_types::dpop::{BadDpopKey, DpopKey, JwkThumbprint};

use crate::config::Settings;
use crate::discovery::Endpoints;

/// The one proof algorithm this client signs with: [`DpopKey`] is P-256.
pub const ALGORITHM: &str = "ES256";

/// §4.1: the request header that carries a proof.
pub const PROOF_HEADER: &str = "DPoP";

/// §8.1, §9: the answer header that carries a server's nonce.
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// Whether a new connection uses DPoP: the server lists an algorithm we
/// sign with in `dpop_signing_alg_values_supported` (§5.1), and the client
/// was not started with `--no-dpop`.
pub fn offered(settings: &Settings, endpoints: &Endpoints) -> bool {
    settings.dpop
        && endpoints
            .dpop_signing_alg_values_supported
            .iter()
            .any(|alg| alg == ALGORITHM)
}

/// RFC 6749 §7.1: how an access token is presented to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// RFC 6750: whoever holds it may use it.
    Bearer,
    /// RFC 9449 §5: bound to the connection's key; presented with a proof.
    Dpop,
}

impl TokenType {
    /// The `token_type` of a token answer; RFC 6749 §5.1 makes it
    /// case-insensitive. Anything but `DPoP` is used as Bearer, as before.
    pub fn parse(value: &str) -> Self {
        if value.eq_ignore_ascii_case("dpop") {
            Self::Dpop
        } else {
            Self::Bearer
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::Dpop => "DPoP",
        }
    }
}

/// The key as stored: its PKCS#8 DER, base64url.
pub fn to_column(key: &DpopKey) -> String {
    URL_SAFE_NO_PAD.encode(key.pkcs8())
}

/// The key read back from [`to_column`]'s text.
pub fn from_column(text: &str) -> Result<DpopKey, BadDpopKey> {
    let pkcs8 = URL_SAFE_NO_PAD.decode(text).map_err(|_| BadDpopKey)?;
    DpopKey::from_pkcs8(&pkcs8)
}

/// The latest `DPoP-Nonce` of each server (§8.2, §9: a server may send a
/// new one with any answer), by origin. In memory: a nonce lost is asked
/// for again, at the cost of one retry.
#[derive(Debug, Default)]
pub struct Nonces {
    by_origin: Mutex<HashMap<String, String>>,
}

impl Nonces {
    /// The nonce to put in the next proof for `target`, if its server gave one.
    pub fn latest(&self, target: &Url) -> Option<String> {
        let by_origin = self.by_origin.lock().ok()?;
        by_origin.get(&origin(target)).cloned()
    }

    /// Remembers the nonce `target`'s server just sent.
    pub fn remember(&self, target: &Url, nonce: &str) {
        if let Ok(mut by_origin) = self.by_origin.lock() {
            by_origin.insert(origin(target), nonce.to_owned());
        }
    }
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Signs the proofs of one request with a connection's key (§4.2): a fresh
/// `jti` each time, the server's latest nonce when it gave one.
pub struct Prover<'a> {
    pub key: &'a DpopKey,
    pub nonces: &'a Nonces,
    /// Our clock, for `iat`.
    pub now: i64,
}

impl Prover<'_> {
    /// A proof for `method` on `htu`; at a resource, naming `access_token`
    /// (`ath`, §4.2).
    pub fn proof(
        &self,
        method: &str,
        htu: &Url,
        access_token: Option<&AccessToken>,
    ) -> Result<String, BadDpopKey> {
        let nonce = self.nonces.latest(htu);
        self.key
            .proof(method, htu, self.now, access_token, nonce.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_comes_back_from_its_column_with_the_same_thumbprint() {
        let key = DpopKey::generate().unwrap();
        let stored = to_column(&key);
        let back = from_column(&stored).unwrap();
        assert_eq!(back.thumbprint(), key.thumbprint());
        assert_eq!(from_column("not a key").err(), Some(BadDpopKey));
        assert_eq!(format!("{back:?}"), "DpopKey([redacted])");
    }

    #[test]
    fn token_types_compare_without_case() {
        assert_eq!(TokenType::parse("DPoP"), TokenType::Dpop);
        assert_eq!(TokenType::parse("dpop"), TokenType::Dpop);
        assert_eq!(TokenType::parse("bearer"), TokenType::Bearer);
        assert_eq!(TokenType::parse("mac"), TokenType::Bearer);
    }

    #[test]
    fn nonces_are_kept_per_server_and_replaced() {
        let nonces = Nonces::default();
        let token = Url::parse("http://as.example:9001/token").unwrap();
        let revoke = Url::parse("http://as.example:9001/revoke").unwrap();
        let api = Url::parse("http://api.example/api/posts").unwrap();
        nonces.remember(&token, "n-1");
        assert_eq!(nonces.latest(&revoke).as_deref(), Some("n-1"));
        assert_eq!(nonces.latest(&api), None);
        nonces.remember(&revoke, "n-2");
        assert_eq!(nonces.latest(&token).as_deref(), Some("n-2"));
    }
}
