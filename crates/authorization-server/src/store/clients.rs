//! Registered clients (RFC 6749 §2) and protected resources.
//!
//! A client's secret is high-entropy (generated), so it is stored as its
//! SHA-256 (`CredentialHash`) and checked in constant time: fast enough for
//! a resource server introspecting thousands of times a second, while a
//! leaked table still leaks no usable secret.

use oauth_types::client_assertion::ClientJwkSet;
use oauth_types::secret::CredentialHash;
use oauth_types::{GrantType, ScopeSet, TokenEndpointAuthMethod};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{changed_one, find_one, split_list};
use crate::jwt::SigningAlgorithm;

/// RFC 6749 §2.1 client types, plus the resource servers that call
/// `/introspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum ClientKind {
    /// Can keep a secret (a web server).
    Confidential,
    /// Cannot keep a secret (a mobile or desktop app): PKCE only.
    Public,
    /// A resource server that may introspect tokens for its audience.
    ProtectedResource,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confidential => "confidential",
            Self::Public => "public",
            Self::ProtectedResource => "protected_resource",
        }
    }

    /// RFC 7591 §2: the `token_endpoint_auth_method` of a client of this
    /// kind registered without one.
    pub fn default_auth_method(self) -> TokenEndpointAuthMethod {
        match self {
            Self::Public => TokenEndpointAuthMethod::None,
            Self::Confidential | Self::ProtectedResource => {
                TokenEndpointAuthMethod::ClientSecretBasic
            }
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        match kind {
            "confidential" => Some(Self::Confidential),
            "public" => Some(Self::Public),
            "protected_resource" => Some(Self::ProtectedResource),
            _ => None,
        }
    }
}

/// A client as read back from the database.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub kind: ClientKind,
    pub secret_hash: Option<CredentialHash>,
    pub redirect_uris: Vec<String>,
    pub scopes: ScopeSet,
    pub grant_types: Vec<GrantType>,
    pub resource_id: Option<String>,
    /// RFC 8707: the resource this client's tokens are for when a request
    /// names none (`client add --default-resource`).
    pub default_resource: Option<String>,
    /// RP-Initiated Logout 1.0 §3.1: the exact URIs this client may name
    /// as `post_logout_redirect_uri`.
    pub post_logout_redirect_uris: Vec<String>,
    /// The `alg` of this client's ID tokens (Core §15.1: `RS256` by default).
    pub id_token_alg: SigningAlgorithm,
    /// RFC 9449 §5.2 `dpop_bound_access_tokens`: a token request without a
    /// DPoP proof is refused.
    pub dpop_bound_access_tokens: bool,
    /// RFC 7591 §2 `token_endpoint_auth_method`: how it authenticates.
    pub auth_method: TokenEndpointAuthMethod,
    /// RFC 7591 §2 `jwks`: the public keys of its `private_key_jwt`
    /// assertions (RFC 7523).
    pub jwks: Option<ClientJwkSet>,
    /// RFC 9126 §6 `require_pushed_authorization_requests`: `/authorize`
    /// refuses this client's requests unless they were pushed first.
    pub require_pushed_authorization_requests: bool,
    /// RFC 7591 §2 `client_name`, shown to people.
    pub client_name: Option<String>,
    /// RFC 7592 §3: the hash of the registration access token of a client
    /// registered at `/register`; `None` for one added by `client add`.
    pub registration_token_hash: Option<CredentialHash>,
    /// When it was registered (RFC 7591 §3.2.1 `client_id_issued_at`).
    pub created_at: i64,
}

impl Client {
    /// RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: simple string comparison.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| registered == uri)
    }

    /// RP-Initiated Logout 1.0 §3.1: simple string comparison, like
    /// redirect URIs.
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris
            .iter()
            .any(|registered| registered == uri)
    }

    pub fn may_use_grant(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(&grant_type)
    }
}

/// What registration needs.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub kind: ClientKind,
    /// The secret in clear (hashed before storage); `None` for public clients.
    pub secret: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: ScopeSet,
    pub grant_types: Vec<GrantType>,
    pub resource_id: Option<String>,
    /// RFC 8707: the audience of tokens requested without `resource`.
    pub default_resource: Option<String>,
}

impl NewClient {
    /// A resource server that may introspect the tokens whose audience is
    /// `resource_id` (RFC 7662 §2.1, RFC 8707): no redirect URI, scope or
    /// grant of its own.
    pub fn protected_resource(client_id: &str, secret: &str, resource_id: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            kind: ClientKind::ProtectedResource,
            secret: Some(secret.to_owned()),
            redirect_uris: Vec::new(),
            scopes: ScopeSet::empty(),
            grant_types: Vec::new(),
            resource_id: Some(resource_id.to_owned()),
            default_resource: None,
        }
    }
}

/// Inserts a client unless its id exists; returns whether it was added.
pub async fn insert(pool: &AnyPool, client: &NewClient, now: i64) -> Result<bool, sqlx::Error> {
    let secret_hash = client
        .secret
        .as_deref()
        .map(|secret| CredentialHash::of(secret).as_str().to_owned());
    let statement = sqlx::query(
        "INSERT INTO clients (client_id, kind, secret_hash, redirect_uris, scopes, grant_types, \
         resource_id, default_resource, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(&client.client_id)
    .bind(client.kind.as_str())
    .bind(secret_hash)
    .bind(client.redirect_uris.join(" "))
    .bind(client.scopes.to_string())
    .bind(grant_list(&client.grant_types))
    .bind(client.resource_id.clone())
    .bind(client.default_resource.clone())
    .bind(now);
    changed_one(pool, statement).await
}

const COLUMNS: &str = "client_id, kind, secret_hash, redirect_uris, scopes, grant_types, \
                       resource_id, default_resource, post_logout_redirect_uris, \
                       id_token_signed_response_alg, dpop_bound_access_tokens, \
                       token_endpoint_auth_method, jwks, \
                       require_pushed_authorization_requests, client_name, registration_token_hash, \
                       created_at";

/// Registers the OpenID Connect settings of a client: its post-logout
/// redirect URIs and the `alg` of its ID tokens. Returns whether it exists.
pub async fn set_openid_settings(
    pool: &AnyPool,
    client_id: &str,
    post_logout_redirect_uris: &[String],
    id_token_alg: SigningAlgorithm,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE clients SET post_logout_redirect_uris = $2, id_token_signed_response_alg = $3 \
         WHERE client_id = $1",
    )
    .bind(client_id)
    .bind(post_logout_redirect_uris.join(" "))
    .bind(id_token_alg.as_str());
    changed_one(pool, statement).await
}

/// Registers whether a client's tokens must be DPoP-bound (RFC 9449 §5.2
/// `dpop_bound_access_tokens`). Returns whether the client exists.
pub async fn set_dpop_bound(
    pool: &AnyPool,
    client_id: &str,
    bound: bool,
) -> Result<bool, sqlx::Error> {
    let statement =
        sqlx::query("UPDATE clients SET dpop_bound_access_tokens = $2 WHERE client_id = $1")
            .bind(client_id)
            .bind(i64::from(bound));
    changed_one(pool, statement).await
}

/// Registers how a client authenticates (RFC 7591 §2
/// `token_endpoint_auth_method`) and, for `private_key_jwt`, its public
/// keys (`jwks`). Returns whether the client exists.
pub async fn set_auth_method(
    pool: &AnyPool,
    client_id: &str,
    method: TokenEndpointAuthMethod,
    jwks: Option<&ClientJwkSet>,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE clients SET token_endpoint_auth_method = $2, jwks = $3 WHERE client_id = $1",
    )
    .bind(client_id)
    .bind(method.as_str())
    .bind(jwks.map(|jwks| jwks.to_json().to_owned()));
    changed_one(pool, statement).await
}

/// Registers whether a client must push its authorization requests
/// (RFC 9126 §6 `require_pushed_authorization_requests`). Returns whether
/// the client exists.
pub async fn set_require_pushed_requests(
    pool: &AnyPool,
    client_id: &str,
    required: bool,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE clients SET require_pushed_authorization_requests = $2 WHERE client_id = $1",
    )
    .bind(client_id)
    .bind(i64::from(required));
    changed_one(pool, statement).await
}

pub async fn find(pool: &AnyPool, client_id: &str) -> Result<Option<Client>, sqlx::Error> {
    let statement = format!("SELECT {COLUMNS} FROM clients WHERE client_id = $1");
    find_one(pool, &statement, client_id).await
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Client>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM clients ORDER BY client_id"))
        .fetch_all(pool)
        .await
}

/// Every scope some client may ask for: the scopes this server has (its
/// metadata's `scopes_supported`, with `openid`).
pub async fn scopes_in_use(pool: &AnyPool) -> Result<ScopeSet, sqlx::Error> {
    let scopes = list(pool)
        .await?
        .iter()
        .fold(ScopeSet::empty(), |all, client| all.union(&client.scopes));
    // Discovery §3: `scopes_supported` SHOULD hold `openid`.
    Ok(scopes.union(&ScopeSet::parse(crate::oidc::OPENID).unwrap_or_default()))
}

/// The resource identifiers (RFC 8707) of every registered protected resource.
pub async fn resource_ids(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "SELECT resource_id FROM clients WHERE kind = 'protected_resource' \
         AND resource_id IS NOT NULL ORDER BY resource_id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| row.try_get("resource_id"))
    .collect()
}

/// Gives a client registered before default resources existed its default
/// (the demo seeding upgrades its own clients this way); a default already
/// set is kept.
pub async fn set_default_resource_if_missing(
    pool: &AnyPool,
    client_id: &str,
    resource: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE clients SET default_resource = $2 WHERE client_id = $1 AND default_resource IS NULL",
    )
    .bind(client_id)
    .bind(resource)
    .execute(pool)
    .await?;
    Ok(())
}

/// Replaces a client's scopes with `scopes` if they are exactly `current`
/// (the demo seeding upgrades its own clients this way); whether it did.
pub async fn replace_scopes_if(
    pool: &AnyPool,
    client_id: &str,
    current: &str,
    scopes: &ScopeSet,
) -> Result<bool, sqlx::Error> {
    let statement =
        sqlx::query("UPDATE clients SET scopes = $3 WHERE client_id = $1 AND scopes = $2")
            .bind(client_id)
            .bind(current)
            .bind(scopes.to_string());
    changed_one(pool, statement).await
}

/// Grant types as stored and listed: their names, space-separated.
pub fn grant_list(grants: &[GrantType]) -> String {
    let names: Vec<&str> = grants.iter().map(|grant| grant.as_str()).collect();
    names.join(" ")
}

impl sqlx::FromRow<'_, AnyRow> for Client {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let kind: String = row.try_get("kind")?;
        let scopes: String = row.try_get("scopes")?;
        let redirect_uris: String = row.try_get("redirect_uris")?;
        let grant_types: String = row.try_get("grant_types")?;
        let secret_hash: Option<String> = row.try_get("secret_hash")?;
        let post_logout: String = row.try_get("post_logout_redirect_uris")?;
        let id_token_alg: String = row.try_get("id_token_signed_response_alg")?;
        let kind = ClientKind::parse(&kind).ok_or_else(|| corrupt("kind"))?;
        let auth_method: Option<String> = row.try_get("token_endpoint_auth_method")?;
        let auth_method = match auth_method {
            None => kind.default_auth_method(),
            Some(method) => TokenEndpointAuthMethod::parse(&method)
                .ok_or_else(|| corrupt("token_endpoint_auth_method"))?,
        };
        let jwks: Option<String> = row.try_get("jwks")?;
        let jwks = jwks
            .map(|jwks| ClientJwkSet::parse(&jwks).map_err(|_| corrupt("jwks")))
            .transpose()?;
        Ok(Self {
            client_id: row.try_get("client_id")?,
            kind,
            secret_hash: secret_hash.map(CredentialHash::from_stored),
            redirect_uris: split_list(&redirect_uris),
            scopes: ScopeSet::parse(&scopes).map_err(|_| corrupt("scopes"))?,
            grant_types: split_list(&grant_types)
                .iter()
                .map(|grant| GrantType::parse(grant).ok_or_else(|| corrupt("grant_types")))
                .collect::<Result<_, _>>()?,
            resource_id: row.try_get("resource_id")?,
            default_resource: row.try_get("default_resource")?,
            post_logout_redirect_uris: split_list(&post_logout),
            id_token_alg: SigningAlgorithm::parse(&id_token_alg)
                .ok_or_else(|| corrupt("id_token_signed_response_alg"))?,
            dpop_bound_access_tokens: flag(row, "dpop_bound_access_tokens")?,
            auth_method,
            jwks,
            require_pushed_authorization_requests: flag(
                row,
                "require_pushed_authorization_requests",
            )?,
            client_name: row.try_get("client_name")?,
            registration_token_hash: row
                .try_get::<Option<String>, _>("registration_token_hash")?
                .map(CredentialHash::from_stored),
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A 0/1 column.
fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<i64, _>(column)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(corrupt(column)),
    }
}

fn corrupt(column: &str) -> sqlx::Error {
    super::corrupt("clients", column)
}
