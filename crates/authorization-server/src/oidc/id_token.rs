//! ID tokens (OpenID Connect Core §2) for the code flow (§3.1.3.6) and a
//! refresh (§12.2), and the claims each scope releases (§5.4).
//!
//! - `iss` the issuer, `sub` the user's id (the same `sub` as at
//!   `/introspect` and in JWT access tokens), `aud` the client id, `exp`,
//!   `iat`, `auth_time` (when the user logged in), `nonce` when the
//!   authorization request had one, and `at_hash` (§3.1.3.6).
//! - Scope `profile` releases `name` and `preferred_username`; scope
//!   `email` releases `email` and `email_verified` (§5.4).
//! - Signed with the client's registered `alg`, `RS256` by default (§15.1).
//! - A refresh answers a new ID token with the same `sub` and `auth_time`,
//!   a new `iat`, and no `nonce` (§12.2 lets it be absent; our policy: a
//!   refresh is no authentication request).

use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth_types::id_token::{IdTokenClaims, StandardClaims};
use oauth_types::ScopeSet;

use super::OPENID;
use crate::errors::EndpointError;
use crate::jwt::SigningAlgorithm;
use crate::state::AppState;
use crate::store::users::{self, User};

/// What the ID token of a grant needs beyond the token pair.
#[derive(Debug, Clone, Copy)]
pub struct OpenIdGrant<'a> {
    /// The authorization request's `nonce` (code flow only).
    pub nonce: Option<&'a str>,
    /// When the user logged in.
    pub auth_time: Option<i64>,
    /// The client's ID token `alg`.
    pub alg: SigningAlgorithm,
}

/// The claims `scope` releases about `user` (Core §5.4).
pub fn standard_claims(user: &User, scope: &ScopeSet) -> StandardClaims {
    let profile = scope.contains_str("profile");
    let email = scope.contains_str("email") && user.claims.email.is_some();
    StandardClaims {
        name: user.claims.name.clone().filter(|_| profile),
        preferred_username: profile.then(|| user.username.clone()),
        email: user.claims.email.clone().filter(|_| email),
        email_verified: email.then_some(user.claims.email_verified),
    }
}

/// Core §3.1.3.6 `at_hash`: the left half of the hash of the access
/// token's ASCII, base64url without padding. The hash is the one of the
/// `alg`: SHA-256 for `RS256`; SHA-512 for `EdDSA` with Ed25519 (Core 1.0
/// Token Hash Algorithms 1.0, as Ed25519 itself hashes with SHA-512).
pub fn at_hash(access_token: &str, alg: SigningAlgorithm) -> String {
    let algorithm = match alg {
        SigningAlgorithm::RS256 => &digest::SHA256,
        SigningAlgorithm::EdDSA => &digest::SHA512,
    };
    let hash = digest::digest(algorithm, access_token.as_bytes());
    let bytes = hash.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

/// The signed ID token of a grant of `scope` to `client_id` for `user_id`,
/// or `None` when the scope has no `openid`.
pub async fn issue(
    state: &AppState,
    client_id: &str,
    user_id: &str,
    scope: &ScopeSet,
    grant: OpenIdGrant<'_>,
    access_token: &str,
    now: i64,
) -> Result<Option<String>, EndpointError> {
    if !scope.contains_str(OPENID) {
        return Ok(None);
    }
    let user = users::find_by_id(&state.pool, user_id)
        .await?
        .ok_or_else(|| EndpointError::InvalidGrant("the user no longer exists".to_owned()))?;
    let claims = IdTokenClaims {
        iss: state.issuer.clone(),
        sub: user.id.clone(),
        aud: client_id.to_owned(),
        exp: now + state.lifetimes.id_token,
        iat: now,
        auth_time: grant.auth_time,
        nonce: grant.nonce.map(str::to_owned),
        at_hash: Some(at_hash(access_token, grant.alg)),
        standard: standard_claims(&user, scope),
    };
    Ok(Some(
        state.signer.sign_id_token(&claims, grant.alg, now).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_sha256_of_the_token_for_rs256() {
        // A worked example published by a provider: SHA-256 of the token,
        // left 128 bits c1f82f98 4f55c630 2e76c97d 95ce93a8, base64url.
        assert_eq!(
            at_hash("dNZX1hEZ9wBCzNL40Upu646bdzQA", SigningAlgorithm::RS256),
            "wfgvmE9VxjAudsl9lc6TqA"
        );
        assert_eq!(at_hash("x", SigningAlgorithm::EdDSA).len(), 43);
    }

    #[test]
    fn each_scope_releases_only_its_claims() {
        let user = User {
            id: "u1".to_owned(),
            username: "hamza".to_owned(),
            password_hash: String::new(),
            claims: users::UserClaims {
                name: Some("Hamza Ali".to_owned()),
                email: Some("hamza@example.com".to_owned()),
                email_verified: true,
            },
        };
        let scope = |list: &str| ScopeSet::parse(list).unwrap_or_default();

        let none = standard_claims(&user, &scope("openid"));
        let profile = standard_claims(&user, &scope("openid profile"));
        let email = standard_claims(&user, &scope("openid email"));

        assert_eq!(none, StandardClaims::default());
        assert_eq!(profile.name.as_deref(), Some("Hamza Ali"));
        assert_eq!(profile.preferred_username.as_deref(), Some("hamza"));
        assert_eq!(profile.email, None);
        assert_eq!(email.email.as_deref(), Some("hamza@example.com"));
        assert_eq!(email.email_verified, Some(true));
        assert_eq!(email.name, None);
    }
}
