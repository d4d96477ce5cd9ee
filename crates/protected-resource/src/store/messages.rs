//! Personal messages. The sender is always the token's owner.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use crate::content::Text;
use crate::introspection::ResourceOwner;

/// A message as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: i64,
    /// The sender's `sub`.
    pub from: String,
    /// The recipient's username, as addressed.
    pub to: String,
    pub text: String,
    pub client_id: Option<String>,
    pub created_at: i64,
}

/// The recipient of a message: a known user.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub sub: String,
    pub username: String,
}

/// Stores a message from `owner` to `recipient`, sent through `client_id`.
pub async fn send(
    pool: &AnyPool,
    owner: &ResourceOwner,
    recipient: &Recipient,
    text: &Text,
    client_id: Option<&str>,
    now: i64,
) -> Result<Message, sqlx::Error> {
    let id: i64 = sqlx::query(
        "INSERT INTO messages (sender, recipient, text, client_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(owner.sub())
    .bind(&recipient.sub)
    .bind(text.as_str())
    .bind(client_id)
    .bind(now)
    .fetch_one(pool)
    .await?
    .get("id");
    Ok(Message {
        id,
        from: owner.sub().to_owned(),
        to: recipient.username.clone(),
        text: text.as_str().to_owned(),
        client_id: client_id.map(str::to_owned),
        created_at: now,
    })
}
