//! `POST /share`: "Share to Facebook" posts a run's summary as the user.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::notice::Notice;
use crate::resource::ResourceCall;
use crate::routes::actions::{call_and_report, checked_session, ActionError};
use crate::routes::post_message::posted;
use crate::routes::see_other;
use crate::state::AppState;
use crate::store;

#[derive(Debug, Deserialize)]
pub struct ShareForm {
    csrf_token: String,
    run_id: String,
}

pub async fn post(
    request: HttpRequest,
    form: web::Form<ShareForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let now = state.clock.now();
    let session = checked_session(&request, &state, &form.csrf_token, now).await?;
    let Some(run) = store::runs::find(state.pool(), &session.id_hash, &form.run_id).await? else {
        let notice = Notice::problem("No such run", "That run is not one of yours.");
        store::sessions::set_notice(state.pool(), &session.id_hash, &notice.to_json()).await?;
        return Ok(see_other("/"));
    };
    let summary = run.summary();
    let call = ResourceCall::post(&summary);
    call_and_report(&state, &session, &call, now, |body| posted(body, &summary)).await
}
