//! `POST /share`: "Share to Facebook" posts a run's summary as the user.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::notice::Notice;
use crate::resource::ResourceCall;
use crate::routes::actions::{call_and_report, ActionError, CheckedForm};
use crate::routes::post_message::posted;
use crate::routes::see_other;
use crate::state::AppState;
use crate::store;

#[derive(Debug, Deserialize)]
pub struct ShareForm {
    run_id: String,
}

pub async fn post(
    CheckedForm { form, session, now }: CheckedForm<ShareForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ActionError> {
    let Some(run) = store::runs::find(state.pool(), &session.owner(), &form.run_id).await? else {
        let notice = Notice::problem("No such run", "That run is not one of yours.");
        store::sessions::set_notice(state.pool(), &session.id_hash, &notice.to_json()).await?;
        return Ok(see_other("/"));
    };
    let summary = run.summary();
    let call = ResourceCall::post(&summary);
    call_and_report(&state, &session, &call, now, |body| posted(body, &summary)).await
}
