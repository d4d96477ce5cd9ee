//! One module per endpoint. The scope each API route needs is in its
//! handler's signature (`Authorized<scope::…>`), so it reads next to the
//! route table in `lib.rs`.

/// `GET /api/me` (scope `profile`).
pub mod me;

/// `GET` and `POST /api/posts` (scope `post`).
pub mod posts;

/// `POST /api/messages` (scope `personal-message`).
pub mod messages;

/// `GET /`: the public wall.
pub mod wall;

/// `GET /.well-known/oauth-protected-resource` (RFC 9728).
pub mod metadata;
