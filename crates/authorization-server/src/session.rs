//! The session cookie (rule 11): HttpOnly, SameSite=Lax, Secure when the
//! issuer is https, a new id at login, gone at logout. The value is 256
//! random bits; the database keeps its hash (see `store::sessions`).

use actix_web::cookie::Cookie;
use actix_web::HttpRequest;
use service_kit::http::SessionCookie;

use crate::state::AppState;
use crate::store::sessions::{self, NewSession, Session};

/// The session cookie (`__Host-as_session` under TLS).
pub const COOKIE: SessionCookie = SessionCookie { name: "as_session" };

/// The live session the request's cookie names, if any.
pub async fn current(
    request: &HttpRequest,
    state: &AppState,
) -> Result<Option<Session>, sqlx::Error> {
    match request.cookie(&COOKIE.name(state.secure_cookies)) {
        Some(cookie) => sessions::find(&state.pool, cookie.value(), state.now()).await,
        None => Ok(None),
    }
}

/// The current session, or a new anonymous one (with the cookie to set),
/// which lives only `lifetimes.anonymous_session`.
pub async fn current_or_new(
    request: &HttpRequest,
    state: &AppState,
) -> Result<(Session, Option<Cookie<'static>>), sqlx::Error> {
    if let Some(session) = current(request, state).await? {
        return Ok((session, None));
    }
    let NewSession {
        cookie_value,
        session,
    } = sessions::create(
        &state.pool,
        None,
        state.now(),
        state.lifetimes.anonymous_session,
    )
    .await?;
    Ok((session, Some(cookie(state, cookie_value))))
}

/// The `Set-Cookie` for a session value.
pub fn cookie(state: &AppState, value: String) -> Cookie<'static> {
    session_cookie(value, state.secure_cookies, state.lifetimes.session)
}

/// [`SessionCookie::build`] with this server's name.
pub fn session_cookie(value: String, secure: bool, max_age_seconds: i64) -> Cookie<'static> {
    COOKIE.build(value, secure, max_age_seconds)
}

/// The `Set-Cookie` that removes the session cookie.
pub fn removal(state: &AppState) -> Cookie<'static> {
    let mut cookie = cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// Rule 12: the form's CSRF token equals the session's, compared in
/// constant time.
pub fn csrf_matches(session: &Session, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|token| session.csrf_token.matches(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_http_only_same_site_lax_and_secure_under_tls() {
        let cookie = session_cookie("value".to_owned(), true, 60).to_string();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Secure"), "{cookie}");
        assert!(cookie.starts_with("__Host-as_session="), "{cookie}");
        assert!(
            cookie.contains("Path=/") && !cookie.contains("Domain"),
            "{cookie}"
        );
        let plain = session_cookie("value".to_owned(), false, 60).to_string();
        assert!(!plain.contains("Secure"), "{plain}");
        assert!(plain.starts_with("as_session="), "{plain}");
    }
}
