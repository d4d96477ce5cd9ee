//! `GET /`: the runner's home page. A first visit starts a session (with
//! demo runs); the notice left by the last action is shown once. A
//! signed-in person sees their name, their runs and their connection
//! (whatever the browser); an anonymous visitor, the browser's.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::notice::Notice;
use crate::pages::{html, ConnectionView, HomePage, SignedInView};
use crate::routes::errors::PageError;
use crate::session;
use crate::state::AppState;
use crate::store;

pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let pool = state.pool();
    let (session, cookie) = session::current_or_new(&request, pool, &state.settings, now).await?;
    let notice = store::sessions::take_notice(pool, &session.id_hash)
        .await?
        .and_then(|json| Notice::from_json(&json));
    let connection = store::connections::find(pool, &session.owner())
        .await?
        .map(|connection| ConnectionView {
            can_post: connection.scope.contains_str("post"),
            can_message: connection.scope.contains_str("personal-message"),
            scope: connection.scope.to_string(),
        });
    let page = HomePage {
        notice,
        connection,
        runs: store::runs::list(pool, &session.owner()).await?,
        signed_in: session.person.as_ref().map(|person| SignedInView {
            name: person.name.clone().unwrap_or_else(|| "you".to_owned()),
        }),
        csrf_token: session.csrf_token.secret().to_owned(),
        resource_url: state.settings.resource_url.to_string(),
        configured_scope: state.settings.scope.to_string(),
    };
    Ok(session::with_cookie(html(StatusCode::OK, &page), cookie))
}
