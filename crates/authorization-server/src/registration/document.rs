//! The client metadata document of `POST /register` and of a replacement
//! (RFC 7591 §2, RFC 7592 §2.2), parsed once into [`ClientMetadata`].
//!
//! Each field is checked as `client add` checks its flag: redirect URIs by
//! [`crate::redirect_uris::check`] (one rule for both ways of
//! registering), grant types and authentication methods against those this
//! server implements, scopes against those it has. Fields this server
//! does not know are ignored (RFC 7591 §2); a known field of the wrong
//! JSON type is `invalid_client_metadata`.

use oauth_types::client_assertion::ClientJwkSet;
use oauth_types::{GrantType, ScopeSet, TokenEndpointAuthMethod};
use serde::Deserialize;

use super::RegistrationError;
use crate::jwt::SigningAlgorithm;
use crate::redirect_uris;
use crate::store::clients::ClientKind;

/// Our policy: the scope of a client that registers none (RFC 7591 §2
/// lets the server choose): `openid` only, so a client asks for every
/// other scope it needs by name.
pub const DEFAULT_SCOPE: &str = "openid";

/// Our policy: at most this many characters in `client_name`.
const MAX_CLIENT_NAME_CHARS: usize = 200;

/// Our policy: at most this many redirect URIs, or post-logout ones.
const MAX_URIS: usize = 20;

/// The document as sent: every known field optional, unknown ones ignored.
#[derive(Debug, Default, Deserialize)]
struct Document {
    client_id: Option<String>,
    client_secret: Option<String>,
    redirect_uris: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    client_name: Option<String>,
    scope: Option<String>,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<serde_json::Value>,
    post_logout_redirect_uris: Option<Vec<String>>,
    dpop_bound_access_tokens: Option<bool>,
    require_pushed_authorization_requests: Option<bool>,
    id_token_signed_response_alg: Option<String>,
}

/// A client's metadata as this server registers it.
#[derive(Debug, Clone)]
pub struct ClientMetadata {
    pub redirect_uris: Vec<String>,
    pub auth_method: TokenEndpointAuthMethod,
    pub grant_types: Vec<GrantType>,
    pub client_name: Option<String>,
    pub scopes: ScopeSet,
    pub jwks: Option<ClientJwkSet>,
    pub post_logout_redirect_uris: Vec<String>,
    pub dpop_bound: bool,
    /// RFC 9126 §6: its authorization requests must be pushed.
    pub require_par: bool,
    pub id_token_alg: SigningAlgorithm,
}

impl ClientMetadata {
    /// RFC 6749 §2.1: a client without credentials is public.
    pub fn kind(&self) -> ClientKind {
        match self.auth_method {
            TokenEndpointAuthMethod::None => ClientKind::Public,
            _ => ClientKind::Confidential,
        }
    }
}

/// A parsed document: the metadata, and the `client_id` and
/// `client_secret` a replacement repeats (RFC 7592 §2.2).
#[derive(Debug)]
pub struct ParsedDocument {
    pub metadata: ClientMetadata,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Parses and checks a document; `supported_scopes` are the scopes this
/// server has.
pub fn parse(
    body: &[u8],
    supported_scopes: &ScopeSet,
) -> Result<ParsedDocument, RegistrationError> {
    let document: Document = serde_json::from_slice(body).map_err(|error| {
        if error.is_data() {
            metadata_error(&format!("a field has the wrong type: {error}"))
        } else {
            RegistrationError::InvalidRequest(
                "the body must be one JSON object (RFC 7591 §3.1)".to_owned(),
            )
        }
    })?;
    let auth_method = auth_method(document.token_endpoint_auth_method.as_deref())?;
    let grant_types = grant_types(document.grant_types.as_deref())?;
    check_response_types(document.response_types.as_deref(), &grant_types)?;
    let redirect_uris = redirect_uris(document.redirect_uris.unwrap_or_default())?;
    check_combination(auth_method, &grant_types, &redirect_uris)?;
    let metadata = ClientMetadata {
        jwks: jwks(
            auth_method,
            document.jwks.as_ref(),
            document.jwks_uri.is_some(),
        )?,
        scopes: scopes(document.scope.as_deref(), supported_scopes)?,
        client_name: client_name(document.client_name)?,
        post_logout_redirect_uris: post_logout_redirect_uris(
            document.post_logout_redirect_uris.unwrap_or_default(),
        )?,
        dpop_bound: document.dpop_bound_access_tokens.unwrap_or(false),
        require_par: document
            .require_pushed_authorization_requests
            .unwrap_or(false),
        id_token_alg: id_token_alg(document.id_token_signed_response_alg.as_deref())?,
        redirect_uris,
        auth_method,
        grant_types,
    };
    Ok(ParsedDocument {
        metadata,
        client_id: document.client_id,
        client_secret: document.client_secret,
    })
}

fn metadata_error(description: &str) -> RegistrationError {
    RegistrationError::InvalidClientMetadata(description.to_owned())
}

/// RFC 7591 §2: `client_secret_basic` when absent.
fn auth_method(method: Option<&str>) -> Result<TokenEndpointAuthMethod, RegistrationError> {
    let Some(method) = method else {
        return Ok(TokenEndpointAuthMethod::ClientSecretBasic);
    };
    TokenEndpointAuthMethod::parse(method).ok_or_else(|| {
        metadata_error(&format!(
            "token_endpoint_auth_method '{method}' is not supported; use one of {}",
            names(
                TokenEndpointAuthMethod::ALL
                    .iter()
                    .map(|method| method.as_str())
            )
        ))
    })
}

/// RFC 7591 §2: `authorization_code` when absent; each at most once.
fn grant_types(grants: Option<&[String]>) -> Result<Vec<GrantType>, RegistrationError> {
    let Some(grants) = grants else {
        return Ok(vec![GrantType::AuthorizationCode]);
    };
    let mut parsed = Vec::new();
    for grant in grants {
        let known = GrantType::parse(grant).ok_or_else(|| {
            metadata_error(&format!(
                "grant type '{grant}' is not supported; use any of {}",
                names(GrantType::ALL.iter().map(|grant| grant.as_str()))
            ))
        })?;
        if !parsed.contains(&known) {
            parsed.push(known);
        }
    }
    Ok(parsed)
}

/// RFC 7591 §2.1: `code` goes with `authorization_code`; other response
/// types (the implicit grant's `token`, RFC 9700 §2.1.2) are refused.
fn check_response_types(
    types: Option<&[String]>,
    grants: &[GrantType],
) -> Result<(), RegistrationError> {
    let Some(types) = types else {
        return Ok(());
    };
    if let Some(other) = types.iter().find(|kind| *kind != "code") {
        return Err(metadata_error(&format!(
            "response type '{other}' is not supported; only code"
        )));
    }
    let has_code = !types.is_empty();
    if has_code != grants.contains(&GrantType::AuthorizationCode) {
        return Err(metadata_error(
            "response_types [\"code\"] and grant type authorization_code go together (RFC 7591 §2.1)",
        ));
    }
    Ok(())
}

fn redirect_uris(uris: Vec<String>) -> Result<Vec<String>, RegistrationError> {
    if uris.len() > MAX_URIS {
        return Err(RegistrationError::InvalidRedirectUri(format!(
            "at most {MAX_URIS} redirect URIs"
        )));
    }
    for uri in &uris {
        redirect_uris::check(uri)
            .map_err(|error| RegistrationError::InvalidRedirectUri(error.to_string()))?;
    }
    Ok(uris)
}

/// Combinations that cannot work, as `client add` refuses them.
fn check_combination(
    method: TokenEndpointAuthMethod,
    grants: &[GrantType],
    redirect_uris: &[String],
) -> Result<(), RegistrationError> {
    if grants.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(metadata_error(
            "authorization_code needs at least one redirect URI in redirect_uris",
        ));
    }
    // RFC 6749 §4.4: only a confidential client may use client_credentials.
    if method == TokenEndpointAuthMethod::None && grants.contains(&GrantType::ClientCredentials) {
        return Err(metadata_error(
            "a client without credentials (token_endpoint_auth_method none) cannot use client_credentials",
        ));
    }
    Ok(())
}

/// RFC 7591 §2 `jwks`: required for and only with `private_key_jwt`,
/// parsed as `client add --jwks` parses its file. `jwks_uri` is not
/// supported (our policy: no fetching of client-named URLs).
fn jwks(
    method: TokenEndpointAuthMethod,
    jwks: Option<&serde_json::Value>,
    has_jwks_uri: bool,
) -> Result<Option<ClientJwkSet>, RegistrationError> {
    if has_jwks_uri {
        return Err(metadata_error(
            "jwks_uri is not supported here: send the public keys in jwks",
        ));
    }
    match (method, jwks) {
        (TokenEndpointAuthMethod::PrivateKeyJwt, None) => Err(metadata_error(
            "private_key_jwt needs jwks, the JWK Set of the client's public keys",
        )),
        (TokenEndpointAuthMethod::PrivateKeyJwt, Some(jwks)) => {
            ClientJwkSet::parse(&jwks.to_string())
                .map(Some)
                .map_err(|error| metadata_error(&format!("jwks: {error}")))
        }
        (_, Some(_)) => Err(metadata_error(
            "jwks is for token_endpoint_auth_method private_key_jwt",
        )),
        (_, None) => Ok(None),
    }
}

/// RFC 7591 §2 `scope`: only scopes this server has; [`DEFAULT_SCOPE`]
/// when absent.
fn scopes(scope: Option<&str>, supported: &ScopeSet) -> Result<ScopeSet, RegistrationError> {
    let scopes = ScopeSet::parse(scope.unwrap_or(DEFAULT_SCOPE))
        .map_err(|error| metadata_error(&format!("scope: {error}")))?;
    if let Some(unknown) = scopes.iter().find(|scope| !supported.contains(scope)) {
        return Err(metadata_error(&format!(
            "scope '{unknown}' is not one this server has; it has {supported}"
        )));
    }
    Ok(scopes)
}

fn client_name(name: Option<String>) -> Result<Option<String>, RegistrationError> {
    match name {
        Some(name) if name.chars().any(char::is_control) => Err(metadata_error(
            "client_name may not hold control characters",
        )),
        Some(name) if name.chars().count() > MAX_CLIENT_NAME_CHARS => Err(metadata_error(
            &format!("client_name is longer than {MAX_CLIENT_NAME_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// RP-Initiated Logout 1.0 §3.1: checked like redirect URIs, as `client
/// add --post-logout-redirect-uri` does.
fn post_logout_redirect_uris(uris: Vec<String>) -> Result<Vec<String>, RegistrationError> {
    if uris.len() > MAX_URIS {
        return Err(metadata_error(&format!(
            "at most {MAX_URIS} post_logout_redirect_uris"
        )));
    }
    for uri in &uris {
        redirect_uris::check(uri)
            .map_err(|error| metadata_error(&format!("post_logout_redirect_uris: {error}")))?;
    }
    Ok(uris)
}

/// OpenID Connect Dynamic Client Registration 1.0 §2: `RS256` when absent.
fn id_token_alg(alg: Option<&str>) -> Result<SigningAlgorithm, RegistrationError> {
    let Some(alg) = alg else {
        return Ok(SigningAlgorithm::RS256);
    };
    SigningAlgorithm::parse(alg).ok_or_else(|| {
        metadata_error(&format!(
            "id_token_signed_response_alg '{alg}' is not supported; use one of {}",
            names(SigningAlgorithm::ALL.iter().map(|alg| alg.as_str()))
        ))
    })
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
