//! What the behind-the-scenes page shows of DPoP: each proof decoded (its
//! header with the *public* key, its claims) and what a token is bound to.
//! The compact proof is not shown, and the private key never is: it is not
//! in a proof (§4.2 forbids it) and nothing here reads it.

use oauth_types::secret::AccessToken;
use serde_json::Value;

use super::{DpopKey, TokenType};

/// A `DPoP` header's proof, decoded: `header` (`typ`, `alg`, `jwk`) and
/// `claims` (`jti`, `htm`, `htu`, `iat`, `ath`, `nonce`).
pub fn describe_proof(proof: &str) -> String {
    match decoded(proof) {
        Some((header, claims)) => format!(
            "DPoP: a proof JWT signed by Strava's key for this connection (RFC 9449 §4.2), decoded:\n  header: {header}\n  claims: {claims}"
        ),
        None => "DPoP: (a proof that cannot be decoded)".to_owned(),
    }
}

/// A JWT's header (without the members jsonwebtoken leaves `null`) and
/// claims, each as compact JSON, read without any check: for display.
pub fn decoded(jwt: &str) -> Option<(String, String)> {
    let header = jsonwebtoken::decode_header(jwt)
        .ok()
        .and_then(|header| serde_json::to_value(header).ok())?;
    let claims = jsonwebtoken::dangerous::insecure_decode_claims::<Value>(jwt).ok()?;
    Some((compact(&without_nulls(header)), compact(&claims)))
}

/// What a token answer bound: the key's RFC 7638 thumbprint, and the
/// token's own `cnf.jkt` when it is a JWT that can be read (§6.1).
pub fn describe_binding(
    key: &DpopKey,
    token_type: TokenType,
    access_token: &AccessToken,
) -> String {
    let thumbprint = key
        .thumbprint()
        .map(|jkt| jkt.as_str().to_owned())
        .unwrap_or_default();
    if token_type == TokenType::Bearer {
        return format!(
            "token_type: Bearer: the server did not bind this token to Strava's key (thumbprint {thumbprint}), so Strava presents it as a Bearer token"
        );
    }
    let in_token = jsonwebtoken::dangerous::insecure_decode_claims::<Value>(access_token.secret())
        .ok()
        .and_then(|claims| claims["cnf"]["jkt"].as_str().map(str::to_owned));
    let cnf = match in_token {
        Some(jkt) if jkt == thumbprint => format!("the JWT access token's cnf.jkt = {jkt}: the same"),
        Some(jkt) => format!("the JWT access token's cnf.jkt = {jkt}: NOT this key"),
        None => "the access token is opaque: the authorization server keeps its cnf.jkt, and introspection answers it to the resource".to_owned(),
    };
    format!(
        "token_type: DPoP: the access token is bound to Strava's key for this connection\nthe key's thumbprint (RFC 7638): {thumbprint}\n{cnf}"
    )
}

/// The header as JSON without the members jsonwebtoken leaves `null`.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(name, member)| (name, without_nulls(member)))
                .collect(),
        ),
        other => other,
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_shown_with_its_public_key_and_claims_never_the_private_key() {
        let key = DpopKey::generate().unwrap();
        let url = url::Url::parse("http://api.example/api/posts").unwrap();
        let token = AccessToken::new("an-access-token-of-forty-three-characters-xx");
        let proof = key
            .proof("POST", &url, 1_800_000_000, Some(&token), Some("n-1"))
            .unwrap();
        let shown = describe_proof(&proof);
        for expected in [
            "\"typ\":\"dpop+jwt\"",
            "\"alg\":\"ES256\"",
            "\"crv\":\"P-256\"",
            "\"htm\":\"POST\"",
            "\"htu\":\"http://api.example/api/posts\"",
            "\"iat\":1800000000",
            "\"ath\":",
            "\"jti\":",
            "\"nonce\":\"n-1\"",
        ] {
            assert!(shown.contains(expected), "{expected} in {shown}");
        }
        assert!(!shown.contains("\"d\""), "{shown}");
        assert!(!shown.contains(&proof), "not the compact proof");
        assert!(!shown.contains(&crate::dpop::to_column(&key)));
    }

    #[test]
    fn a_binding_names_the_keys_thumbprint() {
        let key = DpopKey::generate().unwrap();
        let jkt = key.thumbprint().unwrap();
        let opaque = AccessToken::new("opaque");
        let shown = describe_binding(&key, TokenType::Dpop, &opaque);
        assert!(
            shown.contains(jkt.as_str()) && shown.contains("opaque"),
            "{shown}"
        );
        let bearer = describe_binding(&key, TokenType::Bearer, &opaque);
        assert!(bearer.starts_with("token_type: Bearer"), "{bearer}");
    }
}
