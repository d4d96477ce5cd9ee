//! `GET /`: the public wall, the demo's window on what clients did on
//! their users' behalf: each recent post with its author and the client
//! that made it.

use actix_web::web::Data;
use actix_web::HttpResponse;
use askama::Template;
use service_kit::clock::Clock;
use service_kit::Database;

use crate::pages::{WallEntry, WallPage};
use crate::store;

/// How many posts the wall shows.
const WALL_SIZE: i64 = 50;

pub async fn get(database: Data<Database>, clock: Data<Clock>) -> HttpResponse {
    let now = clock.now();
    let posts = match store::posts::recent(database.pool(), WALL_SIZE).await {
        Ok(posts) => posts,
        Err(err) if service_kit::database::is_unavailable(&err) => {
            tracing::warn!(error = %err, "reading the wall: the database does not answer");
            return HttpResponse::ServiceUnavailable()
                .insert_header(service_kit::http::retry_after())
                .content_type("text/plain; charset=utf-8")
                .body("the wall cannot be read right now; try again in a few seconds\n");
        }
        Err(err) => {
            tracing::error!(error = %err, "reading the wall");
            return HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("the wall cannot be read right now\n");
        }
    };
    let page = WallPage {
        entries: posts
            .into_iter()
            .map(|post| WallEntry::new(post, now))
            .collect(),
    };
    match page.render() {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(err) => {
            tracing::error!(error = %err, "rendering the wall");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("the wall cannot be shown right now\n")
        }
    }
}
