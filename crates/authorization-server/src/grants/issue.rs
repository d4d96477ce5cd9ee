//! Issuing tokens: 256 bits from the OS generator each, only their SHA-256
//! stored (rule 4), the answer of RFC 6749 §5.1 with the scope always named
//! (rule 6). A token bound to a DPoP key is `token_type: "DPoP"` (RFC 9449
//! §5) and, as a JWT, carries the key's thumbprint in `cnf.jkt` (§6.1).

use oauth_types::dpop::{Confirmation, JwkThumbprint};
use oauth_types::introspection::Audience;
use oauth_types::secret::{generate_credential, AccessToken, CredentialHash, RefreshToken};
use oauth_types::token_response::TokenResponse;
use oauth_types::ScopeSet;

use crate::config::AccessTokenFormat;
use crate::dpop;
use crate::errors::EndpointError;
use crate::oidc::id_token::{self, OpenIdGrant};
use crate::state::AppState;
use crate::store::clients::Client;
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
    /// The DPoP keys the new tokens are bound to (RFC 9449 §5, §6).
    pub binding: DpopBinding,
}

/// The keys new tokens are bound to; `None` in either: a bearer token.
#[derive(Debug, Clone, Default)]
pub struct DpopBinding {
    pub access_token: Option<JwkThumbprint>,
    pub refresh_token: Option<JwkThumbprint>,
}

impl DpopBinding {
    /// The tokens of `client`'s request that proved the key `jkt`.
    pub fn new(client: &Client, jkt: Option<&JwkThumbprint>) -> Self {
        Self {
            access_token: jkt.cloned(),
            refresh_token: dpop::refresh_token_binding(client, jkt),
        }
    }
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
        dpop_jkt: match kind {
            TokenKind::Access => issue.binding.access_token.clone(),
            TokenKind::Refresh => issue.binding.refresh_token.clone(),
        },
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
        token_type: match issue.binding.access_token {
            Some(_) => "DPoP",
            None => "Bearer",
        }
        .to_owned(),
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
        cnf: issue
            .binding
            .access_token
            .clone()
            .map(|jkt| Confirmation { jkt }),
    }
}

/// A new family id.
pub fn new_family() -> String {
    uuid::Uuid::new_v4().to_string()
}
