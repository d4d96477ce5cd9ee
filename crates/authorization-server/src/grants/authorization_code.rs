//! The authorization code grant at the token endpoint, RFC 6749 §4.1.3.
//!
//! Rule 3: the code is valid 60 s, bound to the client, the redirect URI
//! and the PKCE challenge, and redeemed once. A second redemption fails and
//! revokes every token issued from the code (§4.1.2, §10.5); of two
//! concurrent redemptions the conditional UPDATE lets exactly one win.
//! Rule 2: the verifier must match the `S256` challenge; a verifier sent for
//! a code issued without a challenge is refused (PKCE downgrade, RFC 9700
//! §4.8.2).
//! RFC 9449 §10: a code whose request named `dpop_jkt` is redeemed only
//! with a DPoP proof by that key.

use oauth_types::pkce::CodeVerifier;
use oauth_types::secret::AuthorizationCode;
use oauth_types::token_response::TokenResponse;

use super::issue::{issue, new_family, DpopBinding, Issue};
use crate::audience;
use crate::dpop;
use crate::errors::EndpointError;
use crate::oidc::id_token::OpenIdGrant;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::codes::{self, CodeGrant};
use crate::store::tokens;

fn invalid_grant(description: &str) -> EndpointError {
    EndpointError::InvalidGrant(description.to_owned())
}

pub async fn exchange(
    state: &AppState,
    client: &Client,
    code: &AuthorizationCode,
    binding: Binding<'_>,
    resource: Option<&str>,
    now: i64,
) -> Result<TokenResponse, EndpointError> {
    let code_hash = code.hash();
    let grant = codes::find(&state.pool, &code_hash)
        .await?
        .ok_or_else(|| invalid_grant("the authorization code is unknown"))?;
    // Rule 3: a code is bound to its client. Presented by another client it
    // is refused before anything else, and revokes nothing: only its own
    // client's replay proves the code leaked from that client's hands
    // (otherwise any client could end another's tokens with a stolen code).
    if grant.client_id != client.client_id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if grant.used_at.is_some() {
        return Err(replayed(state, &code_hash, now).await);
    }
    check_binding(&grant, binding, now)?;
    let audience = audience::narrow(&grant.audience, resource)?;
    if !codes::redeem(&state.pool, &code_hash, now).await? {
        return Err(replayed(state, &code_hash, now).await);
    }
    let wants_refresh = client.may_use_grant(oauth_types::GrantType::RefreshToken);
    let response = issue(
        state,
        Issue {
            client_id: &client.client_id,
            user_id: Some(&grant.user_id),
            username: Some(&grant.username),
            scope: &grant.scope,
            audience: &audience,
            family_id: &new_family(),
            code_hash: Some(&code_hash),
            refresh_scope: wants_refresh.then_some(&grant.scope),
            openid: Some(OpenIdGrant {
                nonce: grant.nonce.as_deref(),
                auth_time: grant.auth_time,
                alg: client.id_token_alg,
            }),
            binding: DpopBinding::new(client, binding.dpop_key),
        },
        now,
    )
    .await?;
    // A twin request that lost the race above marks the code replayed and
    // revokes what was issued from it; if it ran before our tokens existed,
    // revoke them now, so a replay always ends every token of the code.
    if codes::was_replayed(&state.pool, &code_hash).await? {
        tokens::revoke_issued_from_code(&state.pool, &code_hash, now).await?;
    }
    Ok(response)
}

/// What the request presents for the code's binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    /// The key of the request's DPoP proof, if it sent one.
    pub dpop_key: Option<&'a oauth_types::dpop::JwkThumbprint>,
}

/// The code is bound to its redirect URI, its lifetime and its challenge
/// (its client is checked first, in `exchange`).
fn check_binding(grant: &CodeGrant, binding: Binding<'_>, now: i64) -> Result<(), EndpointError> {
    if grant.expires_at <= now {
        return Err(invalid_grant("the authorization code has expired"));
    }
    // RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request.
    if binding.redirect_uri != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    dpop::check_grant_binding(
        grant.dpop_jkt.as_ref(),
        binding.dpop_key,
        "the authorization code",
    )?;
    match (&grant.code_challenge, binding.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            let verifier =
                CodeVerifier::parse(verifier).map_err(|error| invalid_grant(&error.to_string()))?;
            if challenge.is_satisfied_by(&verifier) {
                Ok(())
            } else {
                Err(invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
        (Some(_), None) => Err(invalid_grant("code_verifier is required (PKCE)")),
        (None, Some(_)) => Err(invalid_grant(
            "a code_verifier was sent for a code issued without a code_challenge",
        )),
        (None, None) => Err(invalid_grant("PKCE is required for every client")),
    }
}

/// A second redemption: revoke everything the code produced.
async fn replayed(
    state: &AppState,
    code_hash: &oauth_types::secret::CredentialHash,
    now: i64,
) -> EndpointError {
    let mark = codes::mark_replayed(&state.pool, code_hash, now);
    super::revoke_replayed(state, code_hash, mark, "the authorization code", now).await
}
