//! The HTTP surface, one file per endpoint.
//!
//! The authorization code flow (RFC 6749 §4.1) and who handles each step:
//!
//! ```text
//! +----------+
//! | Resource |
//! |  Owner   |
//! +----------+
//!      ^
//!      |  (B) login.rs, consent.rs
//! +----|-----+          Client Identifier      +---------------+
//! |         -+----(A)-- & Redirection URI ---->|               |
//! |  User-   |                                 | Authorization |
//! |  Agent  -+----(B)-- User authenticates --->|     Server    |
//! |          |                                 |               |
//! |         -+----(C)-- Authorization Code ---<|               |
//! +-|----|---+                                 +---------------+
//!   |    |      (A) authorize.rs                    ^      v
//!  (A)  (C)     (C) authorization_response.rs       |      |
//!   |    |                                          |      |
//!   ^    v                                         (D)    (E)  token.rs
//! +---------+                                       |      |   (grants/)
//! |         |>---(D)-- Authorization Code ----------'      |
//! |  Client |          & Redirection URI                   |
//! |         |<---(E)----- Access Token -------------------'
//! +---------+       (w/ Optional Refresh Token)
//! ```
//!
//! A client may push step (A) to `par.rs` first (RFC 9126) and send the
//! browser to `/authorize` with the `request_uri` it got.
//!
//! Then the resource server asks `introspect.rs` about tokens, and clients
//! give tokens back at `revoke.rs`. As an OpenID Provider (`crate::oidc`),
//! the server also answers `metadata.rs` at
//! `/.well-known/openid-configuration`, `userinfo.rs` and `logout.rs`
//! (the end-session endpoint). A device without a browser (RFC 8628) starts
//! at `device_authorization.rs`; its person answers at `device.rs`; the
//! device polls `token.rs` (`grants/device_code.rs`).

use actix_web::web;

pub mod account;
pub mod authorize;
pub mod consent;
pub mod device;
pub mod device_authorization;
pub mod introspect;
pub mod login;
pub mod logout;
pub mod metadata;
pub mod par;
pub mod register;
pub mod revoke;
pub mod token;
pub mod userinfo;

/// Mounts every endpoint.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/.well-known/oauth-authorization-server",
            web::get().to(metadata::metadata),
        )
        .route(
            "/.well-known/openid-configuration",
            web::get().to(metadata::metadata),
        )
        .route("/userinfo", web::get().to(userinfo::userinfo))
        .route("/userinfo", web::post().to(userinfo::userinfo))
        .route("/logout", web::get().to(logout::end_session))
        .route("/jwks.json", web::get().to(metadata::jwks))
        .route("/authorize", web::get().to(authorize::authorize))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(logout::end_session))
        .route("/consent", web::get().to(consent::show))
        .route("/consent", web::post().to(consent::answer))
        .route("/account", web::get().to(account::show))
        .route("/account/revoke", web::post().to(account::revoke))
        .route("/", web::get().to(account::home))
        .route("/token", web::post().to(token::token))
        .route("/introspect", web::post().to(introspect::introspect))
        .route("/revoke", web::post().to(revoke::revoke))
        .route("/par", web::post().to(par::push))
        .route("/par", web::route().to(par::other_method))
        .route(
            "/device_authorization",
            web::post().to(device_authorization::device_authorization),
        )
        .route("/device", web::get().to(device::show))
        .route("/device", web::post().to(device::enter_code))
        .route("/device/consent", web::post().to(device::answer))
        .service(
            web::resource("/register")
                .app_data(register::body_limit())
                .route(web::post().to(register::register)),
        )
        .service(
            web::resource("/register/{client_id}")
                .app_data(register::body_limit())
                .route(web::get().to(register::manage::read))
                .route(web::put().to(register::manage::replace))
                .route(web::delete().to(register::manage::delete)),
        );
}

/// A 303 See Other: after a POST, the browser follows with a GET and never
/// re-posts the form (rule 18, RFC 9700 §4.12).
pub(crate) fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// URL-encodes a value for a query string we build.
pub(crate) fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
