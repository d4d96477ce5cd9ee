//! The client's endpoints, one file each.
//!
//! | route | does |
//! |---|---|
//! | `GET /` | the runner's home: runs, the connection, the forms |
//! | `GET /connect` | starts the authorization code flow (RFC 6749 §4.1.1) |
//! | `GET /signin` | starts an OpenID Connect sign-in (Core §3.1.2.1) |
//! | `GET /callback` | finishes either (§4.1.2, §4.1.3; Core §3.1.3.7) |
//! | `POST /signout` | ends the session here, then at the provider (RP-Initiated Logout 1.0 §2) |
//! | `POST /post` | posts a message to the resource as the user |
//! | `POST /share` | posts a run's summary |
//! | `POST /message` | sends a personal message (scope `personal-message`) |
//! | `POST /disconnect` | revokes the tokens (RFC 7009) and forgets them |
//! | `GET /behind-the-scenes` | every step of the last flow |

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};

pub mod actions;
pub mod behind_the_scenes;
pub mod callback;
pub mod connect;
pub mod disconnect;
pub mod errors;
pub mod home;
pub mod personal_message;
pub mod post_message;
pub mod share_run;
pub mod sign_in_callback;
pub mod signin;
pub mod signout;

/// Mounts every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home::get))
        .route("/connect", web::get().to(connect::get))
        .route("/signin", web::get().to(signin::get))
        .route("/callback", web::get().to(callback::get))
        .route("/signout", web::post().to(signout::post))
        .route("/post", web::post().to(post_message::post))
        .route("/share", web::post().to(share_run::post))
        .route("/message", web::post().to(personal_message::post))
        .route("/disconnect", web::post().to(disconnect::post))
        .route("/behind-the-scenes", web::get().to(behind_the_scenes::get));
}

/// 303 See Other: after a POST the browser GETs the next page (RFC 9700
/// §4.12), and a reload does not repeat the action.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}
