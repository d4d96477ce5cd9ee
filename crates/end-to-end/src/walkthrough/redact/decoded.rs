//! JWTs shown decoded, for the reader: an ID token or a JWT access token
//! (in a token response), a DPoP proof (a request's `DPoP` header) and a
//! client assertion (a `client_assertion` form field). Each keeps the
//! placeholder of the JWT as sent (`compact`), and shows its JOSE `header`
//! and its `claims`, redacted like any JSON; its signature is left out.
//! Decoded for display only: the roles are the ones that verify them.

use oauth_types::dpop::access_token_hash;
use oauth_types::secret::AccessToken;

use super::{Redactor, ACCESS_TOKEN, CLIENT_ASSERTION, JKT};

/// The proof claim that hashes the access token (RFC 9449 §4.2).
pub(super) const ATH: &str = "ath";

/// The header and claims of a JWT, not verified.
fn insecure_parts(compact: &str) -> Option<(serde_json::Value, serde_json::Value)> {
    let jwt = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(compact).ok()?;
    Some((serde_json::to_value(jwt.header).ok()?, jwt.claims))
}

impl Redactor {
    /// An ID token, or an RFC 9068 JWT access token, as a reader wants it:
    /// `compact`, the placeholder of the token as sent (which an
    /// `id_token_hint` or an `Authorization` header shares), its JOSE
    /// `header` and its `claims`, both redacted (`nonce`, `sub`, `at_hash`
    /// keep the placeholders they have elsewhere; times become
    /// `‹unix time›`); its signature is left out. Decoded for display
    /// only: the client or the resource is the one that validates it.
    /// Something that is not a JWT (an opaque access token) stays a
    /// placeholder.
    pub(super) fn jwt(&mut self, name: &str, compact: &str) -> serde_json::Value {
        let placeholder = self.secret(name, compact);
        let Some((header, claims)) = insecure_parts(compact) else {
            return serde_json::Value::String(placeholder);
        };
        serde_json::json!({
            "compact": placeholder,
            "header": self.json(&header),
            "claims": self.json(&claims),
        })
    }

    /// A DPoP proof as a reader wants it: `compact`, the placeholder of the
    /// `DPoP` header (a replayed proof keeps its placeholder), `jkt`, the
    /// RFC 7638 thumbprint of the `jwk` in its header (the placeholder of
    /// `dpop_jkt` and `cnf.jkt` when it is the bound key), and its JOSE
    /// `header` and `claims`, redacted. Decoded for display only: the
    /// servers are the ones that verify it.
    pub(super) fn dpop_proof(&mut self, compact: &str) -> serde_json::Value {
        let placeholder = self.secret("dpop_proof", compact);
        let Ok(jwt) = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(compact) else {
            return serde_json::json!({ "compact": placeholder });
        };
        let jkt = jwt
            .header
            .jwk
            .as_ref()
            .and_then(|jwk| {
                jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
                    .ok()
            })
            .map(|thumbprint| self.secret(JKT, &thumbprint));
        let header = serde_json::to_value(&jwt.header).unwrap_or_default();
        serde_json::json!({
            "compact": placeholder,
            "jkt": jkt,
            "header": self.json(&header),
            "claims": self.json(&jwt.claims),
        })
    }

    /// An `ath`: `base64url(SHA-256(‹access_token#n›))` when it is the
    /// hash of an access token seen in the recording, else a placeholder.
    pub(super) fn access_token_hash(&mut self, ath: &str) -> String {
        let hashed = self.by_value.iter().find(|(value, placeholder)| {
            placeholder.starts_with(&format!("‹{ACCESS_TOKEN}#"))
                && access_token_hash(&AccessToken::new(value.as_str())) == ath
        });
        match hashed {
            Some((_, token)) => format!("base64url(SHA-256({token}))"),
            None => self.secret(ATH, ath),
        }
    }

    /// A `client_assertion` (RFC 7523 §2.2, §3) as a reader wants it:
    /// `compact`, its placeholder (a new one for each request: an
    /// assertion is used once), and its `header` (`alg`, and as `kid` the
    /// placeholder of the key's RFC 7638 thumbprint) and `claims`: `iss`
    /// and `sub`, the client's id, shown as they are; `aud` with its role
    /// name; `jti` a placeholder; times `‹unix time›`.
    pub(super) fn client_assertion(&mut self, compact: &str) -> serde_json::Value {
        let placeholder = self.secret(CLIENT_ASSERTION, compact);
        let Some((header, claims)) = insecure_parts(compact) else {
            return serde_json::json!({ "compact": placeholder });
        };
        let mut shown = self.json(&claims);
        // RFC 7523 §3: `sub` is the client's id, as `iss` is: no person.
        if claims["sub"] == claims["iss"] {
            shown["sub"] = claims["sub"].clone();
        }
        serde_json::json!({
            "compact": placeholder,
            "header": self.json(&header),
            "claims": shown,
        })
    }
}
