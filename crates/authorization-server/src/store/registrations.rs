//! Dynamic client registration (RFC 7591, RFC 7592): initial access
//! tokens, and the clients registered at `/register` with the hash of
//! their registration access token.
//!
//! Every token here is 256 bits from the OS generator and stored as its
//! SHA-256 only (rule 4). A replacement or a deletion names the hash it
//! was authorised by in its `WHERE` clause, so of concurrent requests with
//! one registration access token exactly one changes the client (rule 32).

use oauth_types::client_assertion::ClientJwkSet;
use oauth_types::secret::CredentialHash;
use oauth_types::{GrantType, ScopeSet, TokenEndpointAuthMethod};
use sqlx::{AnyPool, Row};

use super::changed_one;
use super::clients::{grant_list, ClientKind};
use crate::jwt::SigningAlgorithm;

/// Stores a new initial access token (RFC 7591 §3) usable until `expires_at`.
pub async fn insert_initial_token(
    pool: &AnyPool,
    hash: &CredentialHash,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO initial_access_tokens (token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3)",
    )
    .bind(hash.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether `hash` is an initial access token that has not expired.
pub async fn initial_token_is_valid(
    pool: &AnyPool,
    hash: &CredentialHash,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS valid FROM initial_access_tokens \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(hash.as_str())
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("valid")? > 0)
}

/// A client's registration as `/register` stores it (RFC 7591 §2): the
/// checked metadata, with the hashes of its secret and of its
/// registration access token.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub client_id: &'a str,
    pub kind: ClientKind,
    pub secret_hash: Option<&'a CredentialHash>,
    pub redirect_uris: &'a [String],
    pub scopes: &'a ScopeSet,
    pub grant_types: &'a [GrantType],
    pub post_logout_redirect_uris: &'a [String],
    pub id_token_alg: SigningAlgorithm,
    pub dpop_bound: bool,
    /// RFC 9126 §6 `require_pushed_authorization_requests`.
    pub require_par: bool,
    pub auth_method: TokenEndpointAuthMethod,
    pub jwks: Option<&'a ClientJwkSet>,
    pub client_name: Option<&'a str>,
    pub registration_token_hash: &'a CredentialHash,
}

/// Inserts a registered client (its id is new: generated).
pub async fn insert(
    pool: &AnyPool,
    client: &Registration<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "INSERT INTO clients (client_id, kind, secret_hash, redirect_uris, scopes, grant_types, \
         post_logout_redirect_uris, id_token_signed_response_alg, dpop_bound_access_tokens, \
         token_endpoint_auth_method, jwks, client_name, registration_token_hash, \
         require_pushed_authorization_requests, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (client_id) DO NOTHING",
    );
    changed_one(pool, bind_registration(statement, client).bind(now)).await
}

/// RFC 7592 §2.2: replaces every field of a registered client, if
/// `presented` is still its registration access token; whether it did.
pub async fn replace(
    pool: &AnyPool,
    client: &Registration<'_>,
    presented: &CredentialHash,
) -> Result<bool, sqlx::Error> {
    let statement = sqlx::query(
        "UPDATE clients SET kind = $2, secret_hash = $3, redirect_uris = $4, scopes = $5, \
         grant_types = $6, post_logout_redirect_uris = $7, id_token_signed_response_alg = $8, \
         dpop_bound_access_tokens = $9, token_endpoint_auth_method = $10, jwks = $11, \
         client_name = $12, registration_token_hash = $13, \
         require_pushed_authorization_requests = $14 \
         WHERE client_id = $1 AND registration_token_hash = $15",
    );
    changed_one(
        pool,
        bind_registration(statement, client).bind(presented.as_str()),
    )
    .await
}

/// Binds `$1` to `$14` of [`insert`] and [`replace`].
fn bind_registration<'q>(
    statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    client: &Registration<'_>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    statement
        .bind(client.client_id.to_owned())
        .bind(client.kind.as_str())
        .bind(client.secret_hash.map(|hash| hash.as_str().to_owned()))
        .bind(client.redirect_uris.join(" "))
        .bind(client.scopes.to_string())
        .bind(grant_list(client.grant_types))
        .bind(client.post_logout_redirect_uris.join(" "))
        .bind(client.id_token_alg.as_str())
        .bind(i64::from(client.dpop_bound))
        .bind(client.auth_method.as_str())
        .bind(client.jwks.map(|jwks| jwks.to_json().to_owned()))
        .bind(client.client_name.map(str::to_owned))
        .bind(client.registration_token_hash.as_str().to_owned())
        .bind(i64::from(client.require_par))
}

/// RFC 7592 §2.3: deletes a registered client, if `presented` is still its
/// registration access token, and with it everything issued to it: its
/// tokens, codes, pending requests and remembered consents (our policy:
/// deleted, so nothing of it outlives it). One transaction; whether it
/// deleted the client.
pub async fn delete(
    pool: &AnyPool,
    client_id: &str,
    presented: &CredentialHash,
) -> Result<bool, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let deleted =
        sqlx::query("DELETE FROM clients WHERE client_id = $1 AND registration_token_hash = $2")
            .bind(client_id)
            .bind(presented.as_str())
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            == 1;
    if !deleted {
        transaction.rollback().await?;
        return Ok(false);
    }
    for table in [
        "tokens",
        "authorization_codes",
        "authorization_requests",
        "consents",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE client_id = $1"))
            .bind(client_id)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(true)
}
