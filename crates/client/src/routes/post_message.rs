//! `POST /post`: posts the `message` field to the resource as the user
//! (`POST {resource}/api/posts`, scope `post`), then 303 to `/`, which shows
//! the outcome, the resource's refusal included.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::notice::Notice;
use crate::resource::ResourceCall;
use crate::routes::actions::{call_and_report, ActionError, CheckedForm};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PostForm {
    message: String,
}

pub async fn post(
    CheckedForm { form, session, now }: CheckedForm<PostForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let call = ResourceCall::post(&form.message);
    call_and_report(&state, &session, &call, now, |body| {
        posted(body, &form.message)
    })
    .await
}

/// The notice for a post Facebook accepted.
pub fn posted(body: &serde_json::Value, message: &str) -> Notice {
    let id = body
        .get("id")
        .map(|id| id.to_string().trim_matches('"').to_owned())
        .unwrap_or_else(|| "?".to_owned());
    Notice::success(
        "Posted to Facebook",
        format!("Facebook accepted the post (id {id}): “{message}”"),
    )
}
