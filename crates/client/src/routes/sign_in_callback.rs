//! `GET /callback` of a sign-in, once the checks it shares with
//! `/connect` passed (`state`, `iss`, no `error`; see
//! [`crate::routes::callback`]):
//!
//! 5. the code and the PKCE verifier buy an ID token (Core §3.1.3.1);
//! 6. the provider's JWK Set is read (Core §10.1);
//! 7. the ID token is validated (Core §3.1.3.7, §3.1.3.8, security rule
//!    37), each check written to the behind-the-scenes page;
//! 8. when the ID token carries no `name`, the UserInfo endpoint is asked
//!    for it (Core §5.4: a provider may release profile claims only there)
//!    and its answer used only for the same `sub` (Core §5.3.2);
//! 9. the person (`iss` + `sub`) is signed in on a renewed session and
//!    adopts what the browser had ([`crate::owner`]).
//!
//! Nothing is stored unless every check passes; a UserInfo answer that
//! cannot be used leaves the person unnamed, not signed out. The access
//! token of a sign-in is not kept: the ID token says who the person is,
//! and connecting Facebook is a separate grant.

use actix_web::HttpResponse;
use oauth_types::secret::AccessToken;

use crate::discovery::Endpoints;
use crate::notice::Notice;
use crate::oauth::{Exchange, Recorder};
use crate::openid::id_token::{self, Expected, IdTokenError, ValidatedIdToken};
use crate::openid::{jwks, sign_in, userinfo};
use crate::routes::callback::{Answer, CallbackError};
use crate::routes::see_other;
use crate::session::{self, Renewal};
use crate::store;
use crate::store::people::{Identity, SignIn};
use crate::trace::{self, Step};

pub async fn finish(answer: Answer<'_>) -> Result<HttpResponse, CallbackError> {
    let Answer {
        state,
        session,
        pending,
        endpoints,
        code,
        now,
    } = answer;
    let pool = state.pool();
    let record = |step: Step| store::trace::append(pool, &session.id_hash, step, now);

    // 5: code + verifier → ID token (and an access token for at_hash).
    let recorder = Recorder::new(&state.http);
    let result = sign_in::exchange_code(
        &state.settings,
        endpoints,
        &recorder,
        code,
        pending.code_verifier,
    )
    .await;
    for exchange in recorder.take() {
        let authentication = state.settings.client_authentication();
        record(exchange_step(exchange, authentication)).await?;
    }
    let tokens = result.map_err(CallbackError::Exchange)?;

    // 6: the keys the provider signs with, fetched now.
    let keys = jwks::fetch(&state.http, endpoints)
        .await
        .map_err(CallbackError::Keys)?;
    record(keys_step(endpoints.jwks_uri.as_ref(), &keys.body)).await?;

    // 7: every check of Core §3.1.3.7.
    let nonce_hash = pending
        .nonce_hash
        .ok_or(CallbackError::IdToken(IdTokenError::Nonce(
            "this sign-in sent none".to_owned(),
        )))?;
    let expected = Expected {
        issuer: &endpoints.issuer,
        client_id: &state.settings.client_id,
        nonce_hash: &nonce_hash,
        access_token: &tokens.access_token,
        now,
    };
    let validated = match id_token::validate(&tokens.id_token, keys.document, &expected) {
        Ok(validated) => validated,
        Err(error) => {
            record(refused_step(&error)).await?;
            return Err(CallbackError::IdToken(error));
        }
    };
    record(validated_step(&validated)).await?;

    // 8: the name, from UserInfo when the ID token has none.
    let name = match &validated.name {
        Some(name) => Some(name.clone()),
        None => {
            let (name, step) = name_from_userinfo(
                &state.http,
                endpoints,
                &state.settings.client_id,
                &tokens.access_token,
                &validated.subject,
            )
            .await;
            if let Some(step) = step {
                record(step).await?;
            }
            name
        }
    };

    // 9: the person, on a renewed session.
    let renewal = Renewal::new(&state.settings, now);
    let signed_in = store::people::sign_in(
        pool,
        &SignIn {
            session: &session.id_hash,
            new_session: &renewal.id_hash,
            csrf_token: &renewal.csrf_token,
            identity: Identity {
                issuer: &validated.issuer,
                subject: &validated.subject,
                name: name.as_deref(),
            },
            id_token: &validated.compact,
            expires_at: renewal.expires_at,
        },
        now,
    )
    .await?;
    if signed_in.is_none() {
        return Err(CallbackError::NoSession);
    }
    let greeting = name.as_deref().unwrap_or("you");
    let notice = Notice::success(
        format!("Signed in as {greeting}"),
        "Your runs and your Facebook connection are now yours in any browser where you sign in.",
    );
    store::sessions::set_notice(pool, &renewal.id_hash, &notice.to_json()).await?;
    Ok(session::with_cookie(see_other("/"), Some(renewal.cookie())))
}

/// Step 8: the person's `name` from the UserInfo endpoint, and the step
/// that shows the request and what came of it; neither when the provider
/// publishes no `userinfo_endpoint`.
async fn name_from_userinfo(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    client_id: &str,
    access_token: &AccessToken,
    subject: &str,
) -> (Option<String>, Option<Step>) {
    let Some(userinfo_endpoint) = &endpoints.userinfo_endpoint else {
        return (None, None);
    };
    let recorder = Recorder::new(http);
    let result = userinfo::name(
        userinfo_endpoint,
        &endpoints.issuer,
        client_id,
        &recorder,
        access_token,
        subject,
    )
    .await;
    let outcome = match &result {
        Ok(Some(name)) => format!("✓ Core §5.3.2: sub is the ID token's; name = {name}"),
        Ok(None) => "✓ Core §5.3.2: sub is the ID token's; no name released".to_owned(),
        Err(error) => format!("✗ {error}"),
    };
    let mut step = Step::new(
        "Ask UserInfo for the person's name",
        "OpenID Connect Core §5.3, §5.4",
        "The ID token says who signed in but carries no name: when an access token is issued, a provider may release the profile claims only at its UserInfo endpoint. Strava asks it with the sign-in's access token, and believes the answer only if its sub is the ID token's.",
    );
    let mut response = outcome;
    if let Some(exchange) = recorder.take().pop() {
        step = step.request(exchange.request);
        response = format!("{}\n\n{response}", exchange.response);
    }
    (result.ok().flatten(), Some(step.response(response)))
}

fn exchange_step(exchange: Exchange, authentication: &str) -> Step {
    Step::new(
        "Exchange the code for an ID token",
        "OpenID Connect Core §3.1.3.1, §3.1.3.3; RFC 7636 §4.5",
        &format!("Server to server, Strava authenticates with {authentication} and proves with the PKCE code_verifier that it started the flow; the answer carries the ID token, which says who signed in, and an access token."),
    )
    .request(exchange.request)
    .response(exchange.response)
}

fn keys_step(jwks_uri: Option<&url::Url>, body: &[u8]) -> Step {
    let url = jwks_uri.map_or_else(String::new, ToString::to_string);
    Step::new(
        "Read the OpenID Provider's public keys",
        "OpenID Connect Core §10.1, RFC 7517 §5",
        "The ID token is signed with one of the keys the provider publishes at its jwks_uri; Strava reads them now, so a key the provider just rotated in is known.",
    )
    .request(format!("GET {url}"))
    .response(trace::describe_body(body))
}

fn validated_step(validated: &ValidatedIdToken) -> Step {
    let checks: Vec<String> = validated
        .checks
        .iter()
        .map(|check| format!("✓ {}: {}", check.section, check.outcome))
        .collect();
    let decoded = |value: &serde_json::Value| {
        trace::describe_body(serde_json::to_string(value).unwrap_or_default().as_bytes())
    };
    Step::new(
        "Check the ID token",
        "OpenID Connect Core §3.1.3.7, §3.1.3.8",
        "Before believing anything in it, Strava checks the ID token's signature against the provider's keys and each claim; iss and sub then name the person who signed in. The token itself is kept server-side (for sign-out) and never shown.",
    )
    .request(format!(
        "header:\n{}\n\nclaims:\n{}",
        decoded(&validated.header),
        decoded(&validated.claims)
    ))
    .response(checks.join("\n"))
}

fn refused_step(error: &IdTokenError) -> Step {
    Step::new(
        "Check the ID token: refused",
        "OpenID Connect Core §3.1.3.7, §3.1.3.8",
        "The ID token failed a check, so nothing in it was believed and you were not signed in.",
    )
    .response(format!("✗ {error}"))
}
