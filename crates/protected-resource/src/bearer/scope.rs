//! The scopes of this resource (RFC 6749 §3.3), one type each, so that a
//! route names the scope it needs in its handler's signature:
//! `Authorized<scope::Post>`.

/// A scope a route requires.
pub trait RequiredScope {
    /// The scope token, as the authorization server grants it.
    const NAME: &'static str;
}

/// `profile`: who the resource owner is (`GET /api/me`).
pub struct Profile;

/// `post`: read and write the owner's posts (`/api/posts`).
pub struct Post;

/// `personal-message`: send messages as the owner (`POST /api/messages`).
pub struct PersonalMessage;

impl RequiredScope for Profile {
    const NAME: &'static str = "profile";
}

impl RequiredScope for Post {
    const NAME: &'static str = "post";
}

impl RequiredScope for PersonalMessage {
    const NAME: &'static str = "personal-message";
}

/// Every scope this resource understands (RFC 9728 `scopes_supported`).
pub const SUPPORTED: [&str; 3] = [Profile::NAME, Post::NAME, PersonalMessage::NAME];
