//! Posts. The author is always the token's owner; listing returns only the
//! owner's posts; the public wall shows the most recent posts of everyone.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::content::Text;
use crate::introspection::ResourceOwner;

/// A post as the API returns it (contract: `id`, `author`, `message`,
/// `client_id`, `created_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: i64,
    /// The owner's `sub`.
    pub author: String,
    pub message: String,
    /// The client that posted it on the owner's behalf.
    pub client_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A post on the public wall, with its author's username when known.
#[derive(Debug, Clone)]
pub struct WallPost {
    pub post: Post,
    pub username: Option<String>,
}

/// Writes a post by `owner`, made through `client_id`.
pub async fn create(
    pool: &AnyPool,
    owner: &ResourceOwner,
    client_id: Option<&str>,
    message: &Text,
    now: i64,
) -> Result<Post, sqlx::Error> {
    sqlx::query(
        "INSERT INTO posts (author, message, client_id, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, author, message, client_id, created_at",
    )
    .bind(owner.sub())
    .bind(message.as_str())
    .bind(client_id)
    .bind(now)
    .fetch_one(pool)
    .await
    .map(|row| post_from(&row))
}

/// The owner's posts, newest first, at most `limit`.
pub async fn by_author(
    pool: &AnyPool,
    owner: &ResourceOwner,
    limit: i64,
) -> Result<Vec<Post>, sqlx::Error> {
    sqlx::query(
        "SELECT id, author, message, client_id, created_at FROM posts \
         WHERE author = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(owner.sub())
    .bind(limit)
    .fetch_all(pool)
    .await
    .map(|rows| rows.iter().map(post_from).collect())
}

/// Everyone's most recent posts, newest first, for the public wall.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<WallPost>, sqlx::Error> {
    sqlx::query(
        "SELECT posts.id, posts.author, posts.message, posts.client_id, posts.created_at, users.username \
         FROM posts LEFT JOIN users ON users.sub = posts.author \
         ORDER BY posts.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    .map(|rows| {
        rows.iter()
            .map(|row| WallPost {
                post: post_from(row),
                username: row.get("username"),
            })
            .collect()
    })
}

fn post_from(row: &AnyRow) -> Post {
    Post {
        id: row.get("id"),
        author: row.get("author"),
        message: row.get("message"),
        client_id: row.get("client_id"),
        created_at: row.get("created_at"),
    }
}
