//! `GET /.well-known/oauth-protected-resource`: RFC 9728 §3. Public and
//! cacheable: it changes only when the configuration does.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::web::Data;
use actix_web::HttpResponse;

use crate::metadata::ResourceIdentity;

pub async fn get(identity: Data<ResourceIdentity>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .json(identity.document())
}
