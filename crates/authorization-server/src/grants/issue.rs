//! Issuing tokens: 256 bits from the OS generator each, only their SHA-256
//! stored (rule 4), the answer of RFC 6749 §5.1 with the scope always named
//! (rule 6).

use oauth_types::introspection::Audience;
use oauth_types::secret::{generate_credential, AccessToken, CredentialHash, RefreshToken};
use oauth_types::token_response::TokenResponse;
use oauth_types::ScopeSet;

use crate::config::AccessTokenFormat;
use crate::errors::EndpointError;
use crate::oidc::id_token::{self, OpenIdGrant};
use crate::state::AppState;
use crate::store::tokens::{self, StoredToken, TokenKind};
use oauth_types::jwt_access_token::AccessTokenClaims;

/// Everything a new token pair carries.
pub struct Issue<'a> {
    pub client_id: &'a str,
    /// `None` for client_credentials.
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub scope: &'a ScopeSet,
    pub audience: &'a Audience,
    pub family_id: &'a str,
    /// The code the family descends from, so a replay can revoke it.
    pub code_hash: Option<&'a CredentialHash>,
    /// Issue a refresh token with this scope.
    pub refresh_scope: Option<&'a ScopeSet>,
    /// For an ID token, issued when `scope` has `openid` and there is a
    /// user (OpenID Connect Core §3.1.3.3, §12.2).
    pub openid: Option<OpenIdGrant<'a>>,
}

pub async fn issue(
    state: &AppState,
    issue: Issue<'_>,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    let access = match state.access_token_format {
        AccessTokenFormat::Opaque => AccessToken::generate(),
        AccessTokenFormat::Jwt => AccessToken::new(
            state
                .signer
                .sign(&jwt_claims(state, &issue, now), now)
                .await?,
        ),
    };
    let stored = |kind: TokenKind, scope: &ScopeSet, ttl: i64| StoredToken {
        kind,
        family_id: issue.family_id.to_owned(),
        code_hash: issue.code_hash.cloned(),
        client_id: issue.client_id.to_owned(),
        user_id: issue.user_id.map(str::to_owned),
        username: issue.username.map(str::to_owned),
        scope: scope.clone(),
        audience: issue.audience.clone(),
        issued_at: now,
        expires_at: now + ttl,
        used_at: None,
        revoked_at: None,
        auth_time: issue.openid.and_then(|openid| openid.auth_time),
    };
    let access_ttl = state.lifetimes.access_token;
    tokens::insert(
        &state.pool,
        &access.hash(),
        &stored(TokenKind::Access, issue.scope, access_ttl),
    )
    .await?;
    let refresh = match issue.refresh_scope {
        Some(scope) => {
            let refresh = RefreshToken::generate();
            let hash: CredentialHash = refresh.hash();
            tokens::insert(
                &state.pool,
                &hash,
                &stored(TokenKind::Refresh, scope, state.lifetimes.refresh_token),
            )
            .await?;
            Some(refresh)
        }
        None => None,
    };
    let id_token = match (issue.user_id, issue.openid) {
        (Some(user_id), Some(openid)) => {
            id_token::issue(
                state,
                issue.client_id,
                user_id,
                issue.scope,
                openid,
                access.secret(),
                now,
            )
            .await?
        }
        _ => None,
    };
    Ok(TokenResponse {
        id_token,
        access_token: access,
        token_type: "Bearer".to_owned(),
        expires_in: u64::try_from(access_ttl).unwrap_or(0),
        refresh_token: refresh,
        scope: Some(issue.scope.clone()),
    })
}

/// RFC 9068 §2.2 claims of the access token `issue` describes.
fn jwt_claims(state: &AppState, issue: &Issue<'_>, now: i64) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: state.issuer.clone(),
        exp: now + state.lifetimes.access_token,
        aud: issue.audience.clone(),
        // §2.2: without a resource owner, `sub` names the client.
        sub: issue.user_id.unwrap_or(issue.client_id).to_owned(),
        client_id: issue.client_id.to_owned(),
        iat: now,
        jti: generate_credential(),
        nbf: None,
        scope: Some(issue.scope.clone()),
        username: issue.username.map(str::to_owned),
        cnf: None,
    }
}

/// A new family id.
pub fn new_family() -> String {
    uuid::Uuid::new_v4().to_string()
}
