//! This resource's tables, one module per table family. Every query is one
//! portable statement through sqlx's `Any` driver; time is Unix seconds,
//! passed in.
//!
//! Functions that read or write an owner's data take a
//! [`ResourceOwner`](crate::introspection::ResourceOwner), which only a
//! validated token can produce (security.md 22).

/// `users`: sub ↔ username pairs seen in introspection answers.
pub mod users;

/// `posts`: what owners post, through which client.
pub mod posts;

/// `messages`: personal messages between owners.
pub mod messages;
