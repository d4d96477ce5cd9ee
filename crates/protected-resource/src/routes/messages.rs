//! `POST /api/messages`: `{"to": "<username>", "text": "…"}` → `201`.
//!
//! The recipient must be known to this resource: a user becomes known when
//! they first use a token here (see `store::users`).

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde::Deserialize;
use service_kit::Database;

use crate::bearer::scope::PersonalMessage;
use crate::bearer::{ApiError, Authorized};
use crate::content::Text;
use crate::store;
use crate::store::messages::Recipient;

#[derive(Deserialize)]
struct NewMessage {
    to: String,
    text: String,
}

pub async fn send(
    request: Authorized<PersonalMessage>,
    database: Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let new_message: NewMessage = request.body()?;
    let text = Text::parse("text", new_message.text)?;
    let recipient = find_recipient(&database, new_message.to).await?;
    let grant = &request.grant;
    let message = store::messages::send(
        database.pool(),
        &grant.owner,
        &recipient,
        &text,
        grant.client_id.as_deref(),
        request.now,
    )
    .await
    .map_err(|err| ApiError::database("sending a message", &err))?;
    Ok(HttpResponse::Created().json(message))
}

async fn find_recipient(database: &Database, username: String) -> Result<Recipient, ApiError> {
    // No username holds a NUL, and Postgres would refuse to look one up.
    let sub = if service_kit::database::text::holds_nul(&username) {
        None
    } else {
        store::users::sub_of(database.pool(), &username)
            .await
            .map_err(|err| ApiError::database("finding a recipient", &err))?
    };
    match sub {
        Some(sub) => Ok(Recipient { sub, username }),
        None => Err(ApiError::InvalidRequest(format!(
            "no user named '{username}' is known to this resource \
             (a user becomes known when they first use it)"
        ))),
    }
}
