//! Bearer tokens at the door of every API route: RFC 6750.
//!
//! ```text
//!  client                                   this resource
//!    | GET /api/posts                           |
//!    | Authorization: Bearer <token>            |  §2.1 (or §2.2 form body,
//!    |----------------------------------------->|       or §2.3 query)
//!    |          locate the token (locate.rs)    |
//!    |          validate it (validation.rs):    |  RFC 7662 introspection/
//!    |          introspection/ or jwt/          |  or RFC 9068 jwt/
//!    |          check the route's scope         |  RFC 6750 §3.1
//!    | 200 … / 401 / 403 + WWW-Authenticate     |  §3
//!    |<-----------------------------------------|
//! ```
//!
//! A handler gets the caller's [`Grant`](crate::introspection::Grant) only
//! through the extractor [`Authorized<S>`], whose type parameter is the
//! scope the route needs ([`scope`]). The scope is therefore written in the
//! handler's signature, next to the route, and a handler that does not ask
//! for it never learns whose data it could serve (security.md 21, 22).

/// RFC 6750 §2: where the token travels, exactly one way per request.
pub mod locate;

/// The scopes routes declare, as types.
pub mod scope;

/// The extractor every API handler takes.
pub mod authorized;

/// Refusals (RFC 6750 §3) and the `WWW-Authenticate` / `Cache-Control`
/// answers they need.
pub mod refusal;

pub use authorized::Authorized;
pub use refusal::ApiError;
pub use scope::RequiredScope;
