//! The HTML pages, one askama struct per page; templates live in
//! `templates/authorization-server/` and extend `base.html`. askama escapes
//! every value.

use askama::Template;

/// Something could not be done; no redirect is safe.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

/// The login form (contract: inputs `username` and `password`).
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub csrf_token: String,
    /// The pending authorization request to continue after login, if any.
    pub request_id: Option<String>,
    /// The client asking, shown for context.
    pub client_id: Option<String>,
    /// The username to prefill (OpenID Connect `login_hint`).
    pub username: Option<String>,
    pub error: Option<String>,
    /// After login, back to `/device` with this user code, possibly empty
    /// (RFC 8628 §3.3).
    pub device: Option<String>,
}

/// One scope checkbox.
pub struct ScopeChoice {
    pub name: String,
    pub description: &'static str,
    pub checked: bool,
}

/// The consent form (contract: a `scope` checkbox per scope, buttons
/// `decision=approve|deny`).
#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    /// Where the form posts: `/consent`, or `/device/consent` (RFC 8628).
    pub action: &'static str,
    pub csrf_token: String,
    pub request_id: String,
    pub client_id: String,
    pub username: String,
    /// Where the person goes after answering, in words.
    pub after_answer: String,
    pub scopes: Vec<ScopeChoice>,
}

/// `/device` (RFC 8628 §3.3): the form where a signed-in person types the
/// user code their device shows (contract: a text input `user_code`).
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage {
    pub csrf_token: String,
    pub username: String,
    /// Prefilled from `verification_uri_complete`, never submitted for the
    /// person (RFC 8628 §5.4).
    pub user_code: String,
    pub error: Option<String>,
}

/// The end of the device flow at the browser: the person may go back to
/// their device.
#[derive(Template)]
#[template(path = "device_done.html")]
pub struct DeviceDonePage {
    pub title: &'static str,
    pub message: String,
}

/// `/logout`: a confirmation form (a signed-in user and no proof of who
/// asks), or the news that the browser is signed out.
#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage {
    /// `Some`: ask first, with the session's CSRF token.
    pub confirm_csrf_token: Option<String>,
}

/// One approved client on the account page.
pub struct ApprovedClient {
    pub client_id: String,
    pub scope: String,
}

/// The clients a user approved, each with a revoke button.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub csrf_token: String,
    pub username: String,
    pub approved: Vec<ApprovedClient>,
    pub notice: Option<String>,
}

/// What each scope of the contract lets a client do, for the consent page.
pub fn describe_scope(scope: &str) -> &'static str {
    match scope {
        "openid" => "Sign you in with your account here",
        "profile" => "See your name, username and account id",
        "email" => "See your email address",
        "post" => "Read your posts and publish posts as you",
        "personal-message" => "Send personal messages as you",
        _ => "An access right this client asked for",
    }
}
