//! `POST /message`: sends a personal message as the user
//! (`POST {resource}/api/messages {"to", "text"}`, scope `personal-message`).
//! Without that scope the resource answers 403 `insufficient_scope`, and
//! the page offers to reconnect asking for it too.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::notice::Notice;
use crate::resource::ResourceCall;
use crate::routes::actions::{call_and_report, ActionError, CheckedForm};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    to: String,
    text: String,
}

pub async fn post(
    CheckedForm { form, session, now }: CheckedForm<MessageForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let call = ResourceCall::personal_message(&form.to, &form.text);
    call_and_report(&state, &session, &call, now, |_| {
        Notice::success(
            "Message sent",
            format!("Facebook delivered your message to {}.", form.to),
        )
    })
    .await
}
