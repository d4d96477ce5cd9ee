//! `GET /behind-the-scenes`: every step of the session's last flow, each
//! with its RFC section and one sentence of explanation. Credentials were
//! shortened before they were stored.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::pages::{html, BehindTheScenesPage, StepView};
use crate::routes::errors::PageError;
use crate::session;
use crate::state::AppState;
use crate::store;

pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let (session, cookie) =
        session::current_or_new(&request, state.pool(), &state.settings, now).await?;
    let steps = store::trace::list(state.pool(), &session.id_hash).await?;
    let start = steps.first().map_or(0, |step| step.at);
    let steps = steps
        .into_iter()
        .enumerate()
        .map(|(index, step)| StepView {
            number: index + 1,
            seconds_in: step.at - start,
            step,
        })
        .collect();
    Ok(session::with_cookie(
        html(StatusCode::OK, &BehindTheScenesPage { steps }),
        cookie,
    ))
}
