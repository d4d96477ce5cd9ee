//! The tokens of a connection to Facebook (RFC 6749 §5.1), each owned by
//! a browser session or a person ([`crate::owner`]), kept only here: never
//! in a cookie, a URL or a page (security rule 28). A connection that uses
//! DPoP (RFC 9449) keeps its private key here too, the same way.

use std::sync::Arc;

use oauth_types::secret::{AccessToken, RefreshToken};
use oauth_types::ScopeSet;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::Adoption;
use crate::dpop::{self, DpopKey, TokenType};
use crate::owner::Owner;

/// An owner's tokens.
#[derive(Debug, Clone)]
pub struct Connection {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub scope: ScopeSet,
    /// Unix seconds; `None` when the server gave no `expires_in`.
    pub expires_at: Option<i64>,
    /// The key this connection proves possession of (RFC 9449), made at
    /// `/connect`; `None` without DPoP.
    pub dpop_key: Option<Arc<DpopKey>>,
    /// How the access token is presented: `DPoP` when the server bound it
    /// to the key, else `Bearer`.
    pub token_type: TokenType,
}

impl sqlx::FromRow<'_, AnyRow> for Connection {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let scope: String = row.try_get("scope")?;
        Ok(Self {
            access_token: AccessToken::new(row.try_get::<String, _>("access_token")?),
            refresh_token: row
                .try_get::<Option<String>, _>("refresh_token")?
                .map(RefreshToken::new),
            scope: ScopeSet::parse(&scope).map_err(|_| sqlx::Error::ColumnDecode {
                index: "scope".to_owned(),
                source: "connections.scope is not a scope list".into(),
            })?,
            expires_at: row.try_get("expires_at")?,
            dpop_key: row
                .try_get::<Option<String>, _>("dpop_key")?
                .map(|text| dpop::from_column(&text).map(Arc::new))
                .transpose()
                .map_err(|_| sqlx::Error::ColumnDecode {
                    index: "dpop_key".to_owned(),
                    source: "connections.dpop_key is not a P-256 private key".into(),
                })?,
            token_type: TokenType::parse(&row.try_get::<String, _>("token_type")?),
        })
    }
}

/// The statement of [`upsert`] with its conflict target, the owner column.
macro_rules! upsert_statement {
    ($column:literal) => {
        concat!(
            "INSERT INTO connections \
             (session_hash, person_id, access_token, refresh_token, scope, expires_at, \
             refreshing_since, connected_at, dpop_key, token_type) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9) \
             ON CONFLICT (",
            $column,
            ") DO UPDATE SET access_token = excluded.access_token, \
             refresh_token = excluded.refresh_token, scope = excluded.scope, \
             expires_at = excluded.expires_at, refreshing_since = NULL, \
             connected_at = excluded.connected_at, dpop_key = excluded.dpop_key, \
             token_type = excluded.token_type"
        )
    };
}

/// Stores (or replaces) the owner's tokens.
pub async fn upsert(
    pool: &AnyPool,
    owner: &Owner,
    connection: &Connection,
    now: i64,
) -> Result<(), sqlx::Error> {
    // One statement per owner column: ON CONFLICT names the unique column.
    let statement = match owner {
        Owner::Browser(_) => upsert_statement!("session_hash"),
        Owner::Person(_) => upsert_statement!("person_id"),
    };
    super::query_for_owner(statement, owner)
        .bind(connection.access_token.secret())
        .bind(
            connection
                .refresh_token
                .as_ref()
                .map(|t| t.secret().to_owned()),
        )
        .bind(connection.scope.to_string())
        .bind(connection.expires_at)
        .bind(now)
        .bind(connection.dpop_key.as_deref().map(dpop::to_column))
        .bind(connection.token_type.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// The owner's tokens, if connected.
pub async fn find(pool: &AnyPool, owner: &Owner) -> Result<Option<Connection>, sqlx::Error> {
    super::query_as_for_owner(
        "SELECT access_token, refresh_token, scope, expires_at, dpop_key, token_type \
         FROM connections \
         WHERE session_hash = $1 OR person_id = $2",
        owner,
    )
    .fetch_optional(pool)
    .await
}

/// Forgets the owner's tokens.
pub async fn delete(pool: &AnyPool, owner: &Owner) -> Result<(), sqlx::Error> {
    super::query_for_owner(
        "DELETE FROM connections WHERE session_hash = $1 OR person_id = $2",
        owner,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Claims the right to refresh `access_token`: true for exactly one caller
/// while the tokens are unchanged and no other refresh started after
/// `stale_before`. Rotation (RFC 9700 §4.14.2) makes a second use of the
/// refresh token revoke the whole grant, so two requests must never both
/// refresh (a person's browsers included).
pub async fn claim_refresh(
    pool: &AnyPool,
    owner: &Owner,
    access_token: &AccessToken,
    now: i64,
    stale_before: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = super::query_for_owner(
        "UPDATE connections SET refreshing_since = $3 \
         WHERE (session_hash = $1 OR person_id = $2) AND access_token = $4 \
         AND (refreshing_since IS NULL OR refreshing_since < $5)",
        owner,
    )
    .bind(now)
    .bind(access_token.secret())
    .bind(stale_before)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Gives up a claim without new tokens (the server could not be reached).
pub async fn release_refresh(pool: &AnyPool, owner: &Owner) -> Result<(), sqlx::Error> {
    super::query_for_owner(
        "UPDATE connections SET refreshing_since = NULL WHERE session_hash = $1 OR person_id = $2",
        owner,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The person adopts the browser session's connection when they have none
/// yet; otherwise the person's stays and the browser's is forgotten.
pub(crate) const ADOPTION: Adoption = Adoption {
    adopt: "UPDATE connections SET person_id = $1, session_hash = NULL WHERE session_hash = $2 \
         AND NOT EXISTS (SELECT 1 FROM connections AS own WHERE own.person_id = $1)",
    forget: "DELETE FROM connections WHERE session_hash = $1",
};
