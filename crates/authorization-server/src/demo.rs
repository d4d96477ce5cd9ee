//! `--demo`: the contract's demo users and clients, added if absent, so
//! running it twice changes nothing.

use oauth_types::{GrantType, ScopeSet};
use sqlx::AnyPool;

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
    for (username, password) in [("hamza", "hamza-password"), ("alice", "alice-password")] {
        if users::find_by_username(pool, username).await?.is_none() {
            let hash = passwords::hash(password).map_err(|_| SeedError::Hash)?;
            users::insert(pool, username, &hash, now).await?;
        }
    }
    for client in demo_clients() {
        clients::insert(pool, &client, now).await?;
        // Demo databases made before default resources existed get theirs.
        if let Some(resource) = &client.default_resource {
            clients::set_default_resource_if_missing(pool, &client.client_id, resource).await?;
        }
    }
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

fn demo_clients() -> Vec<NewClient> {
    vec![
        NewClient {
            client_id: "strava".to_owned(),
            kind: ClientKind::Confidential,
            secret: Some("strava-secret".to_owned()),
            redirect_uris: strings(&["http://localhost:9000/callback"]),
            scopes: scopes("profile post personal-message"),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            resource_id: None,
            default_resource: Some(DEMO_RESOURCE.to_owned()),
        },
        NewClient {
            client_id: "strava-mobile".to_owned(),
            kind: ClientKind::Public,
            secret: None,
            // RFC 8252 §7.3 loopback redirect.
            redirect_uris: strings(&["http://127.0.0.1:8765/callback"]),
            scopes: scopes("profile post"),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            resource_id: None,
            default_resource: Some(DEMO_RESOURCE.to_owned()),
        },
        NewClient {
            client_id: "protected-resource-1".to_owned(),
            kind: ClientKind::ProtectedResource,
            secret: Some("protected-resource-secret-1".to_owned()),
            redirect_uris: Vec::new(),
            scopes: ScopeSet::empty(),
            grant_types: Vec::new(),
            resource_id: Some(DEMO_RESOURCE.to_owned()),
            default_resource: None,
        },
    ]
}
