//! `GET /api/posts`: the owner's posts, newest first.
//! `POST /api/posts`: `{"message": "…"}` → `201` and the post.

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde::Deserialize;
use service_kit::Database;

use crate::bearer::scope::Post;
use crate::bearer::{ApiError, Authorized};
use crate::content::Text;
use crate::store;

/// How many posts a listing returns at most.
pub const LIST_LIMIT: i64 = 100;

/// The body of `POST /api/posts`. Nothing in it says who the author is:
/// the author is the token's owner.
#[derive(Deserialize)]
struct NewPost {
    message: String,
}

pub async fn list(
    request: Authorized<Post>,
    database: Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let posts = store::posts::by_author(database.pool(), &request.grant.owner, LIST_LIMIT)
        .await
        .map_err(|err| ApiError::database("listing posts", &err))?;
    Ok(HttpResponse::Ok().json(posts))
}

pub async fn create(
    request: Authorized<Post>,
    database: Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let new_post: NewPost = request.body()?;
    let message = Text::parse("message", new_post.message)?;
    let grant = &request.grant;
    let post = store::posts::create(
        database.pool(),
        &grant.owner,
        grant.client_id.as_deref(),
        &message,
        request.now,
    )
    .await
    .map_err(|err| ApiError::database("creating a post", &err))?;
    Ok(HttpResponse::Created().json(post))
}
