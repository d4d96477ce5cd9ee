//! The browser session: who "the runner" is.
//!
//! An anonymous session *is* a runner; a session signed in with OpenID
//! Connect names a person, who owns their runs and connection in every
//! browser ([`crate::owner`]). The cookie holds only
//! an opaque random id (256 bits); the database keys the session by its
//! SHA-256 and keeps everything else (runs, the authorization request in
//! flight, tokens, the trace) server-side. The cookie is `HttpOnly`,
//! `SameSite=Lax` and `Secure` when the client is reached over HTTPS
//! (security rule 28: no token ever rides in a cookie).
//!
//! Each session also carries an anti-CSRF token that every one of the
//! client's own POST forms repeats in a hidden input. Both the id and the
//! token are renewed when the session gets connected or signed in.

use actix_web::cookie::Cookie;
use actix_web::HttpRequest;
use oauth_types::secret::{generate_credential, CredentialHash, CsrfToken};
use service_kit::http::SessionCookie;
use sqlx::AnyPool;

use crate::config::Settings;
use crate::owner::Owner;
use crate::store;
use crate::store::sessions::SignedInPerson;

/// The session cookie (`__Host-strava_session` under TLS).
pub const COOKIE: SessionCookie = SessionCookie {
    name: "strava_session",
};

/// How long a session connected to Facebook lives, in seconds (a week).
const SESSION_LIFETIME: i64 = 7 * 24 * 3600;

/// How long a session that never connected lives, in seconds (our policy:
/// 30 minutes), so that anonymous visits are swept soon; connecting gives
/// it the full [`SESSION_LIFETIME`] (see [`renew`]).
pub const UNCONNECTED_SESSION_LIFETIME: i64 = 30 * 60;

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: CredentialHash,
    pub csrf_token: CsrfToken,
    /// Who is signed in; `None` for an anonymous visitor.
    pub person: Option<SignedInPerson>,
}

impl Session {
    /// Whose runs and connection this session shows and acts on.
    pub fn owner(&self) -> Owner {
        match &self.person {
            Some(person) => Owner::Person(person.id.clone()),
            None => Owner::Browser(self.id_hash.clone()),
        }
    }

    /// Whether a submitted form token is this session's, compared in
    /// constant time (through the digests).
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        self.csrf_token.matches(submitted)
    }
}

/// The session the request's cookie names, if it exists and is live.
pub async fn current(
    request: &HttpRequest,
    pool: &AnyPool,
    settings: &Settings,
    now: i64,
) -> Result<Option<Session>, sqlx::Error> {
    let Some(cookie) = request.cookie(&COOKIE.name(settings.secure_cookies)) else {
        return Ok(None);
    };
    let id_hash = CredentialHash::of(cookie.value());
    let stored = store::sessions::find_live(pool, &id_hash, now).await?;
    Ok(stored.map(|stored| Session {
        id_hash: stored.id_hash,
        csrf_token: stored.csrf_token,
        person: stored.person,
    }))
}

/// The current session, or a new one with its demo runs and the cookie to
/// set on the answer.
pub async fn current_or_new(
    request: &HttpRequest,
    pool: &AnyPool,
    settings: &Settings,
    now: i64,
) -> Result<(Session, Option<Cookie<'static>>), sqlx::Error> {
    if let Some(session) = current(request, pool, settings, now).await? {
        return Ok((session, None));
    }
    store::sessions::delete_expired(pool, now).await?;
    let id = generate_credential();
    let session = Session {
        id_hash: CredentialHash::of(&id),
        csrf_token: CsrfToken::generate(),
        person: None,
    };
    store::sessions::insert(
        pool,
        &session.id_hash,
        &session.csrf_token,
        now,
        now + UNCONNECTED_SESSION_LIFETIME,
    )
    .await?;
    for run in crate::runs::demo_runs() {
        store::runs::insert(pool, &session.owner(), &run).await?;
    }
    Ok((session, Some(cookie(id, settings.secure_cookies))))
}

/// A new session id (and CSRF token) for the same session, when it gains
/// the power to act on Facebook: a session id planted in the browser before
/// connecting is worthless afterwards (session fixation). It now lives the
/// full [`SESSION_LIFETIME`].
pub async fn renew(
    pool: &AnyPool,
    session: &Session,
    settings: &Settings,
    now: i64,
) -> Result<(Session, Option<Cookie<'static>>), sqlx::Error> {
    let id = generate_credential();
    let renewed = Session {
        id_hash: CredentialHash::of(&id),
        csrf_token: CsrfToken::generate(),
        person: session.person.clone(),
    };
    if store::sessions::rotate(
        pool,
        &session.id_hash,
        &renewed.id_hash,
        &renewed.csrf_token,
        now + SESSION_LIFETIME,
    )
    .await?
    {
        Ok((renewed, Some(cookie(id, settings.secure_cookies))))
    } else {
        Ok((session.clone(), None))
    }
}

/// A fresh session id and CSRF token, for a session that gains power (a
/// sign-in): the id in the cookie and the values to store.
pub struct Renewal {
    pub id_hash: CredentialHash,
    pub csrf_token: CsrfToken,
    pub expires_at: i64,
    cookie: Cookie<'static>,
}

impl Renewal {
    pub fn new(settings: &Settings, now: i64) -> Self {
        let id = generate_credential();
        Self {
            id_hash: CredentialHash::of(&id),
            csrf_token: CsrfToken::generate(),
            expires_at: now + SESSION_LIFETIME,
            cookie: cookie(id, settings.secure_cookies),
        }
    }

    /// The cookie naming the renewed session.
    pub fn cookie(self) -> Cookie<'static> {
        self.cookie
    }
}

/// The cookie that removes the session from the browser (sign-out).
pub fn removal(settings: &Settings) -> Cookie<'static> {
    let mut removal = cookie(String::new(), settings.secure_cookies);
    removal.make_removal();
    removal
}

fn cookie(id: String, secure: bool) -> Cookie<'static> {
    COOKIE.build(id, secure, SESSION_LIFETIME)
}

/// Sets the new session's cookie, if any, on an answer.
pub fn with_cookie(
    mut response: actix_web::HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> actix_web::HttpResponse {
    if let Some(cookie) = cookie {
        if response.add_cookie(&cookie).is_err() {
            tracing::error!("the session cookie could not be set");
        }
    }
    response
}
