//! `--demo`: the contract's demo users and clients, added if absent, so
//! running it twice changes nothing.

use oauth_types::{GrantType, ScopeSet};
use sqlx::AnyPool;

use crate::jwt::SigningAlgorithm;
use crate::passwords;
use crate::store::clients::{self, ClientKind, NewClient};
use crate::store::users;

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database error while seeding: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot hash a demo password")]
    Hash,
}

pub async fn seed(pool: &AnyPool, now: i64) -> Result<(), SeedError> {
    for (username, password, name) in [
        ("hamza", "hamza-password", "Hamza Ali"),
        ("alice", "alice-password", "Alice Martin"),
    ] {
        let user = users::find_by_username(pool, username).await?;
        if user.is_none() {
            let hash = passwords::hash(password).map_err(|_| SeedError::Hash)?;
            users::insert(pool, username, &hash, now).await?;
        }
        // New users, and those of demo databases made before users had claims.
        if user.is_none_or(|user| user.claims == users::UserClaims::default()) {
            give_demo_claims(pool, username, name, now).await?;
        }
    }
    for client in demo_clients() {
        let added = clients::insert(pool, &client, now).await?;
        // Demo databases made before OpenID Connect get the new scopes.
        let upgraded = match client.client_id.as_str() {
            "strava" => "profile post personal-message",
            "strava-mobile" => "profile post",
            _ => "",
        };
        let upgraded = !upgraded.is_empty()
            && clients::replace_scopes_if(
                pool,
                &client.client_id,
                &scopes(upgraded).to_string(),
                &client.scopes,
            )
            .await?;
        if (added || upgraded) && client.client_id == "strava" {
            clients::set_openid_settings(
                pool,
                &client.client_id,
                &strings(&["http://localhost:9000/"]),
                SigningAlgorithm::RS256,
            )
            .await?;
        }
        // RFC 9449 §5.2: `strava-dpop` shows a client whose tokens must be
        // DPoP-bound.
        if added && client.client_id == "strava-dpop" {
            clients::set_dpop_bound(pool, &client.client_id, true).await?;
        }
        // Demo databases made before default resources existed get theirs.
        if let Some(resource) = &client.default_resource {
            clients::set_default_resource_if_missing(pool, &client.client_id, resource).await?;
        }
    }
    Ok(())
}

/// The contract's claims of a demo user: `name`, `USER@example.com`, verified.
async fn give_demo_claims(
    pool: &AnyPool,
    username: &str,
    name: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let claims = users::UserClaims {
        name: Some(name.to_owned()),
        email: Some(format!("{username}@example.com")),
        email_verified: true,
    };
    users::set_claims(pool, username, &claims, now).await?;
    Ok(())
}

fn scopes(list: &str) -> ScopeSet {
    ScopeSet::parse(list).unwrap_or_default()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// The demo resource's identifier (RFC 8707), the demo clients' default.
const DEMO_RESOURCE: &str = "http://localhost:9002";

/// A public demo client: a mobile app with an RFC 8252 §7.3 loopback
/// redirect.
fn mobile_client(client_id: &str) -> NewClient {
    NewClient {
        client_id: client_id.to_owned(),
        kind: ClientKind::Public,
        secret: None,
        redirect_uris: strings(&["http://127.0.0.1:8765/callback"]),
        scopes: scopes("openid profile post"),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        resource_id: None,
        default_resource: Some(DEMO_RESOURCE.to_owned()),
    }
}

fn demo_clients() -> Vec<NewClient> {
    vec![
        NewClient {
            client_id: "strava".to_owned(),
            kind: ClientKind::Confidential,
            secret: Some("strava-secret".to_owned()),
            redirect_uris: strings(&["http://localhost:9000/callback"]),
            scopes: scopes("openid profile email post personal-message"),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            resource_id: None,
            default_resource: Some(DEMO_RESOURCE.to_owned()),
        },
        mobile_client("strava-mobile"),
        // The same app, registered with RFC 9449 §5.2 `dpop_bound_access_tokens`
        // (set by `seed`).
        mobile_client("strava-dpop"),
        // "Strava on a watch": a device without a browser (RFC 8628).
        NewClient {
            client_id: "strava-watch".to_owned(),
            kind: ClientKind::Public,
            secret: None,
            redirect_uris: Vec::new(),
            scopes: scopes("profile post"),
            grant_types: vec![GrantType::DeviceCode, GrantType::RefreshToken],
            resource_id: None,
            default_resource: Some(DEMO_RESOURCE.to_owned()),
        },
        NewClient::protected_resource(
            "protected-resource-1",
            "protected-resource-secret-1",
            DEMO_RESOURCE,
        ),
    ]
}
