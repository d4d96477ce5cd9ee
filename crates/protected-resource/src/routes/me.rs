//! `GET /api/me`: who the token's resource owner is.

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde::Serialize;
use service_kit::Database;

use crate::bearer::scope::Profile;
use crate::bearer::{ApiError, Authorized};
use crate::store;

#[derive(Serialize)]
struct Me<'a> {
    sub: &'a str,
    username: Option<String>,
}

pub async fn get(
    request: Authorized<Profile>,
    database: Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let owner = &request.grant.owner;
    let username = match owner.username() {
        Some(name) => Some(name.to_owned()),
        None => store::users::username_of(database.pool(), owner.sub())
            .await
            .map_err(|err| ApiError::database("reading a username", &err))?,
    };
    Ok(HttpResponse::Ok().json(Me {
        sub: owner.sub(),
        username,
    }))
}
