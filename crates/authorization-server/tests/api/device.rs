//! The device authorization grant (RFC 8628): `/device_authorization`,
//! the person at `/device`, and the device polling `/token`, on every
//! backend.

use authorization_server::testing::{browser, hidden_input, location, TestAuthorizationServer};
use oauth_types::device::USER_CODE_ALPHABET;
use oauth_types::dpop::DpopKey;
use oauth_types::secret::CredentialHash;
use serde_json::Value;

use crate::dpop::token_proof;
use crate::helpers::{
    assert_refused, authorization_server_metadata, introspect, is_active, json, page_text,
    post_form, signed_in_browser, spawn_apps,
};

/// The demo device client (public, RFC 8628).
pub const WATCH: &str = "strava-watch";

/// The grant type of a poll (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// POST `/device_authorization` as the public client `client_id`, with
/// `extra` parameters; status and JSON.
pub async fn request_codes(
    app: &TestAuthorizationServer,
    client_id: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("client_id", client_id)];
    form.extend_from_slice(extra);
    let response = reqwest::Client::new()
        .post(format!("{}/device_authorization", app.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    json(response).await
}

/// The codes of a fresh device authorization of `strava-watch`.
pub async fn watch_codes(app: &TestAuthorizationServer) -> Value {
    let (status, codes) = request_codes(app, WATCH, &[]).await;
    assert_eq!(status, 200, "{codes}");
    codes
}

/// A poll of `/token` by `client_id` with `device_code`; status and JSON.
pub async fn poll_as(
    app: &TestAuthorizationServer,
    client_id: &str,
    device_code: &str,
    dpop: Option<&str>,
) -> (u16, Value) {
    let form = [
        ("grant_type", DEVICE_CODE_GRANT),
        ("device_code", device_code),
    ];
    json(
        app.token_request_proving(client_id, None, &form, dpop)
            .await,
    )
    .await
}

/// A poll by `strava-watch` for `codes`.
pub async fn poll(app: &TestAuthorizationServer, codes: &Value) -> (u16, Value) {
    poll_as(app, WATCH, codes["device_code"].as_str().unwrap(), None).await
}

/// A signed-in `hamza`, as the person holding the device.
pub async fn person(app: &TestAuthorizationServer) -> reqwest::Client {
    signed_in_browser(app, "hamza", "hamza-password").await
}

/// Types `typed` at `/device` with `browser`; the answer.
pub async fn enter_code(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    typed: &str,
) -> reqwest::Response {
    let page = page_text(browser, format!("{}/device", app.url)).await;
    let csrf = hidden_input(&page, "csrf_token").unwrap();
    post_form(
        browser,
        format!("{}/device", app.url),
        &[("user_code", typed), ("csrf_token", csrf.as_str())],
    )
    .await
}

/// Answers the consent `page` with `decision`, leaving `scope` checked.
pub async fn answer_consent(
    app: &TestAuthorizationServer,
    browser: &reqwest::Client,
    page: &str,
    decision: &str,
    scope: &str,
) -> reqwest::Response {
    assert!(page.contains("action=\"/device/consent\""), "{page}");
    let mut form = vec![
        ("csrf_token", hidden_input(page, "csrf_token").unwrap()),
        ("request", hidden_input(page, "request").unwrap()),
        ("decision", decision.to_owned()),
    ];
    form.extend(scope.split(' ').map(|scope| ("scope", scope.to_owned())));
    post_form(browser, format!("{}/device/consent", app.url), &form).await
}

/// The person enters the user code of `codes` and answers `decision` for
/// `scope`; the final page's text.
pub async fn answer_device(
    app: &TestAuthorizationServer,
    codes: &Value,
    decision: &str,
    scope: &str,
) -> String {
    let browser = person(app).await;
    let consent = enter_code(app, &browser, codes["user_code"].as_str().unwrap()).await;
    let consent = consent.text().await.unwrap();
    let done = answer_consent(app, &browser, &consent, decision, scope).await;
    assert_eq!(done.status(), 200);
    done.text().await.unwrap()
}

fn is_user_code(code: &str) -> bool {
    let letters: Vec<u8> = code.bytes().collect();
    letters.len() == 9
        && letters[4] == b'-'
        && letters
            .iter()
            .enumerate()
            .all(|(at, letter)| at == 4 || USER_CODE_ALPHABET.contains(letter))
}

#[actix_rt::test]
async fn the_device_authorization_endpoint_answers_both_codes_and_where_to_go() {
    for app in spawn_apps().await {
        let response = reqwest::Client::new()
            .post(format!("{}/device_authorization", app.url))
            .form(&[("client_id", WATCH), ("scope", "post")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let (status, codes) = json(response).await;

        assert_eq!(status, 200, "{codes}");
        let user_code = codes["user_code"].as_str().unwrap();
        assert!(is_user_code(user_code), "{user_code}");
        assert!(codes["device_code"].as_str().unwrap().len() >= 43);
        assert_eq!(codes["verification_uri"], format!("{}/device", app.url));
        assert_eq!(
            codes["verification_uri_complete"],
            format!("{}/device?user_code={user_code}", app.url)
        );
        assert_eq!(codes["expires_in"], 600);
        assert_eq!(codes["interval"], 5);
        assert_ne!(watch_codes(&app).await["user_code"], user_code);
    }
}

#[actix_rt::test]
async fn only_an_authenticated_client_registered_for_the_grant_gets_codes() {
    for app in spawn_apps().await {
        let mobile = request_codes(&app, "strava-mobile", &[]).await;
        let unknown = request_codes(&app, "no-such-client", &[]).await;
        let strava = reqwest::Client::new()
            .post(format!("{}/device_authorization", app.url))
            .basic_auth("strava", Some("strava-secret"))
            .form(&[("scope", "post")])
            .send()
            .await
            .unwrap();
        let wrong_secret = reqwest::Client::new()
            .post(format!("{}/device_authorization", app.url))
            .basic_auth("strava", Some("not-the-secret"))
            .form(&[("scope", "post")])
            .send()
            .await
            .unwrap();

        assert_refused(&mobile, (400, "unauthorized_client"));
        assert_refused(&json(strava).await, (400, "unauthorized_client"));
        assert_refused(&unknown, (401, "invalid_client"));
        assert_refused(&json(wrong_secret).await, (401, "invalid_client"));
    }
}

#[actix_rt::test]
async fn the_scope_is_checked_as_at_the_authorization_endpoint() {
    for app in spawn_apps().await {
        let beyond = request_codes(&app, WATCH, &[("scope", "post personal-message")]).await;
        let malformed = request_codes(&app, WATCH, &[("scope", "post \"x")]).await;
        let (status, within) = request_codes(&app, WATCH, &[("scope", "profile")]).await;

        assert_refused(&beyond, (400, "invalid_scope"));
        assert_refused(&malformed, (400, "invalid_scope"));
        assert_eq!(status, 200, "{within}");
    }
}

#[actix_rt::test]
async fn polling_before_the_answer_is_pending_and_polling_too_fast_slows_the_device_down() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;

        let first = poll(&app, &codes).await;
        let too_soon = poll(&app, &codes).await;
        app.advance_clock(9);
        // The interval grew to 10 s: 9 s later is still too soon, and it
        // grows again, to 15 s…
        let still_too_soon = poll(&app, &codes).await;
        app.advance_clock(15);
        // …which the device now waits.
        let paced = poll(&app, &codes).await;

        assert_refused(&first, (400, "authorization_pending"));
        assert_refused(&too_soon, (400, "slow_down"));
        assert_refused(&still_too_soon, (400, "slow_down"));
        assert_refused(&paced, (400, "authorization_pending"));
    }
}

#[actix_rt::test]
async fn an_approved_device_gets_its_tokens_once_with_a_refresh_token() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let done = answer_device(&app, &codes, "approve", "profile post").await;

        let (status, tokens) = poll(&app, &codes).await;
        let access = tokens["access_token"].as_str().unwrap();
        let answer = introspect(&app, access).await;
        let again = poll(&app, &codes).await;

        assert!(done.contains("You may return to your device"), "{done}");
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["scope"], "post profile");
        assert!(tokens["refresh_token"].is_string(), "{tokens}");
        assert_eq!(
            (&answer["active"], &answer["username"], &answer["client_id"]),
            (
                &Value::Bool(true),
                &Value::from("hamza"),
                &Value::from(WATCH)
            )
        );
        // Rule 32: the code came back after its redemption: a copy is about,
        // and what it was redeemed for is revoked.
        assert_refused(&again, (400, "invalid_grant"));
        assert!(!is_active(&app, access).await);
    }
}

#[actix_rt::test]
async fn a_denied_device_hears_access_denied() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let done = answer_device(&app, &codes, "deny", "profile post").await;

        assert!(done.contains("You may return to your device"), "{done}");
        assert_refused(&poll(&app, &codes).await, (400, "access_denied"));
    }
}

#[actix_rt::test]
async fn an_expired_device_code_hears_expired_token_and_its_user_code_is_unknown() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        app.advance_clock(600);

        let polled = poll(&app, &codes).await;
        let browser = person(&app).await;
        let entered = enter_code(&app, &browser, codes["user_code"].as_str().unwrap()).await;

        assert_refused(&polled, (400, "expired_token"));
        assert_eq!(entered.status(), 200);
        let page = entered.text().await.unwrap();
        assert!(page.contains("not valid or has expired"), "{page}");
        assert!(!page.contains("name=\"decision\""), "{page}");
    }
}

#[actix_rt::test]
async fn the_consent_screen_narrows_the_scope_of_the_tokens() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        answer_device(&app, &codes, "approve", "profile").await;

        let (status, tokens) = poll(&app, &codes).await;

        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["scope"], "profile");
        let answer = introspect(&app, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(answer["scope"], "profile");
    }
}

#[actix_rt::test]
async fn an_unknown_device_code_is_an_invalid_grant() {
    for app in spawn_apps().await {
        let unknown = poll_as(&app, WATCH, "no-such-device-code", None).await;
        let missing = json(
            app.token_request(WATCH, None, &[("grant_type", DEVICE_CODE_GRANT)])
                .await,
        )
        .await;

        assert_refused(&unknown, (400, "invalid_grant"));
        assert_refused(&missing, (400, "invalid_request"));
    }
}

#[actix_rt::test]
async fn another_clients_device_code_is_refused_and_changes_nothing() {
    for app in spawn_apps().await {
        let mut other = crate::helpers::client_credentials_client("other-watch", "unused");
        other.kind = authorization_server::testing::ClientKind::Public;
        other.secret = None;
        other.grant_types = vec![oauth_types::GrantType::DeviceCode];
        other.scopes = oauth_types::ScopeSet::parse("profile post").unwrap();
        app.register_client(other).await;
        let codes = watch_codes(&app).await;
        answer_device(&app, &codes, "approve", "profile").await;
        let device_code = codes["device_code"].as_str().unwrap();

        let stolen = poll_as(&app, "other-watch", device_code, None).await;
        let (status, tokens) = poll(&app, &codes).await;

        assert_refused(&stolen, (400, "invalid_grant"));
        assert_eq!(status, 200, "{tokens}");
        assert!(is_active(&app, tokens["access_token"].as_str().unwrap()).await);
    }
}

#[actix_rt::test]
async fn a_client_without_the_device_grant_cannot_poll() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let device_code = codes["device_code"].as_str().unwrap();

        let refused = poll_as(&app, "strava-mobile", device_code, None).await;

        assert_refused(&refused, (400, "unauthorized_client"));
    }
}

#[actix_rt::test]
async fn a_proof_on_polling_binds_the_tokens_to_its_key() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        answer_device(&app, &codes, "approve", "profile post").await;
        let key = DpopKey::generate().unwrap();
        let proof = token_proof(&app, &key);

        let (status, tokens) = poll_as(
            &app,
            WATCH,
            codes["device_code"].as_str().unwrap(),
            Some(&proof),
        )
        .await;

        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "DPoP");
        let answer = introspect(&app, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(answer["cnf"]["jkt"], key.thumbprint().unwrap().as_str());
    }
}

#[actix_rt::test]
async fn metadata_names_the_device_authorization_endpoint_and_grant() {
    for app in spawn_apps().await {
        let document = authorization_server_metadata(&app).await;

        assert_eq!(
            document["device_authorization_endpoint"],
            format!("{}/device_authorization", app.url)
        );
        let grants = document["grant_types_supported"].as_array().unwrap();
        assert!(
            grants.contains(&Value::from(DEVICE_CODE_GRANT)),
            "{grants:?}"
        );
    }
}

#[actix_rt::test]
async fn the_device_page_asks_for_a_login_first_then_shows_the_code_without_submitting_it() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let complete = codes["verification_uri_complete"].as_str().unwrap();
        let user_code = codes["user_code"].as_str().unwrap();
        let browser = browser();

        let first = browser.get(complete).send().await.unwrap();
        let to_login = location(&first).unwrap();
        let login_page = page_text(&browser, format!("{}{to_login}", app.url)).await;
        let login = post_form(
            &browser,
            format!("{}/login", app.url),
            &[
                ("username", "hamza"),
                ("password", "hamza-password"),
                (
                    "csrf_token",
                    &hidden_input(&login_page, "csrf_token").unwrap(),
                ),
                ("next", &hidden_input(&login_page, "next").unwrap()),
                (
                    "user_code",
                    &hidden_input(&login_page, "user_code").unwrap(),
                ),
            ],
        )
        .await;
        let back = location(&login).unwrap();
        let form = page_text(&browser, format!("{}{back}", app.url)).await;

        assert_eq!(first.status(), 303);
        assert_eq!(back, format!("/device?user_code={user_code}"));
        assert!(
            form.contains(&format!("name=\"user_code\" value=\"{user_code}\"")),
            "{form}"
        );
        assert!(!form.contains("name=\"decision\""), "{form}");
        assert_refused(&poll(&app, &codes).await, (400, "authorization_pending"));
    }
}

#[actix_rt::test]
async fn the_user_code_is_read_in_any_case_with_or_without_the_dash_or_spaces() {
    for app in spawn_apps().await {
        let browser = person(&app).await;
        let variants: [fn(&str) -> String; 4] = [
            |code| code.to_lowercase(),
            |code| code.replace('-', ""),
            |code| code.replace('-', " ").to_lowercase(),
            |code| format!(" {} ", code.replace('-', " - ")),
        ];
        for variant in variants {
            let codes = watch_codes(&app).await;
            let typed = variant(codes["user_code"].as_str().unwrap());

            let page = enter_code(&app, &browser, &typed)
                .await
                .text()
                .await
                .unwrap();

            assert!(page.contains("name=\"decision\""), "{typed}: {page}");
        }
    }
}

#[actix_rt::test]
async fn a_user_code_is_entered_once() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let user_code = codes["user_code"].as_str().unwrap();
        let hamza = person(&app).await;
        let alice = signed_in_browser(&app, "alice", "alice-password").await;

        let first = enter_code(&app, &hamza, user_code)
            .await
            .text()
            .await
            .unwrap();
        let again = enter_code(&app, &hamza, user_code)
            .await
            .text()
            .await
            .unwrap();
        let by_alice = enter_code(&app, &alice, user_code)
            .await
            .text()
            .await
            .unwrap();

        assert!(first.contains("name=\"decision\""), "{first}");
        for refused in [again, by_alice] {
            assert!(refused.contains("already used"), "{refused}");
            assert!(!refused.contains("name=\"decision\""), "{refused}");
        }
    }
}

#[actix_rt::test]
async fn another_account_cannot_answer_the_consent_screen_of_a_code_it_did_not_enter() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let hamza = person(&app).await;
        let alice = signed_in_browser(&app, "alice", "alice-password").await;
        let consent = enter_code(&app, &hamza, codes["user_code"].as_str().unwrap()).await;
        let consent = consent.text().await.unwrap();
        let alices_page = page_text(&alice, format!("{}/device", app.url)).await;
        let form = [
            (
                "csrf_token",
                hidden_input(&alices_page, "csrf_token").unwrap(),
            ),
            ("request", hidden_input(&consent, "request").unwrap()),
            ("decision", "approve".to_owned()),
            ("scope", "post".to_owned()),
        ];

        let refused = post_form(&alice, format!("{}/device/consent", app.url), &form).await;

        assert_eq!(refused.status(), 403);
        assert_refused(&poll(&app, &codes).await, (400, "authorization_pending"));
    }
}

#[actix_rt::test]
async fn codes_are_stored_only_as_digests() {
    for app in spawn_apps().await {
        let codes = watch_codes(&app).await;
        let device_code = codes["device_code"].as_str().unwrap();
        let letters = codes["user_code"].as_str().unwrap().replace('-', "");

        let row: (String, String) =
            sqlx::query_as("SELECT device_code_hash, user_code_hash FROM device_authorizations")
                .fetch_one(app.database().pool())
                .await
                .unwrap();

        assert_eq!(row.0, CredentialHash::of(device_code).as_str());
        assert_eq!(row.1, CredentialHash::of(&letters).as_str());
    }
}
