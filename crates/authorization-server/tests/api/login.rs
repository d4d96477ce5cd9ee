//! Login and sessions: rules 10 (no enumeration, throttling), 11 (cookie
//! flags, new id at login, logout), 12 (CSRF), 18 (303 after POST).

use authorization_server::testing::{browser, hidden_input, location};

use crate::helpers::{
    get_in_new_browser, log_out, page_text, post_form, signed_in_browser, spawn_app, spawn_apps,
    spawn_apps_with,
};

/// The login page's CSRF token for `browser`.
pub(crate) async fn login_csrf(
    app: &authorization_server::testing::TestAuthorizationServer,
    browser: &reqwest::Client,
) -> String {
    let page = page_text(browser, format!("{}/login", app.url)).await;
    hidden_input(&page, "csrf_token").unwrap()
}

pub(crate) async fn post_login(
    app: &authorization_server::testing::TestAuthorizationServer,
    browser: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    post_form(browser, format!("{}/login", app.url), form).await
}

/// POST /login with a username, password and CSRF token.
pub(crate) async fn log_in(
    app: &authorization_server::testing::TestAuthorizationServer,
    browser: &reqwest::Client,
    (username, password): (&str, &str),
    csrf: &str,
) -> reqwest::Response {
    let form = [
        ("username", username),
        ("password", password),
        ("csrf_token", csrf),
    ];
    post_login(app, browser, &form).await
}

#[actix_rt::test]
async fn the_login_form_has_the_contract_fields_and_a_csrf_token() {
    let app = spawn_app().await;

    let page = page_text(&browser(), format!("{}/login", app.url)).await;

    assert!(page.contains("name=\"username\""));
    assert!(page.contains("name=\"password\""));
    assert_eq!(hidden_input(&page, "csrf_token").unwrap().len(), 43);
}

#[actix_rt::test]
async fn a_login_without_or_with_a_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    let browser = browser();
    let csrf = login_csrf(&app, &browser).await;
    let other_session_csrf = login_csrf(&app, &authorization_server::testing::browser()).await;

    for form in [
        vec![("username", "hamza"), ("password", "hamza-password")],
        vec![
            ("username", "hamza"),
            ("password", "hamza-password"),
            ("csrf_token", "forged"),
        ],
        vec![
            ("username", "hamza"),
            ("password", "hamza-password"),
            ("csrf_token", other_session_csrf.as_str()),
        ],
    ] {
        let response = post_login(&app, &browser, &form).await;

        assert_eq!(response.status(), 403, "{form:?}");
    }
    let accepted = log_in(&app, &browser, ("hamza", "hamza-password"), &csrf).await;
    assert_eq!(accepted.status(), 303);
}

#[actix_rt::test]
async fn an_unknown_user_and_a_wrong_password_get_the_identical_page() {
    for app in spawn_apps().await {
        let browser = browser();
        let csrf = login_csrf(&app, &browser).await;

        let unknown = log_in(&app, &browser, ("nobody", "x"), &csrf).await;
        let (unknown_status, unknown_page) = (unknown.status(), unknown.text().await.unwrap());
        let wrong = log_in(&app, &browser, ("hamza", "x"), &csrf).await;
        let (wrong_status, wrong_page) = (wrong.status(), wrong.text().await.unwrap());

        assert_eq!(unknown_status, wrong_status);
        assert_eq!(unknown_page, wrong_page);
        assert!(wrong_page.contains("Wrong username or password."));
    }
}

#[actix_rt::test]
async fn failed_logins_are_throttled_per_account_even_with_the_right_password() {
    for app in spawn_apps_with(|config| config.login_limits.per_account = 3).await {
        let browser = browser();
        let csrf = login_csrf(&app, &browser).await;
        for _ in 0..3 {
            let failed = log_in(&app, &browser, ("alice", "guess"), &csrf).await;
            assert_eq!(failed.status(), 200);
        }

        let right = log_in(&app, &browser, ("alice", "alice-password"), &csrf).await;

        assert_eq!(right.status(), 429);
        // Another account from the same address is not locked by alice's failures.
        let hamza = log_in(&app, &browser, ("hamza", "hamza-password"), &csrf).await;
        assert_eq!(hamza.status(), 303);
    }
}

#[actix_rt::test]
async fn failed_logins_are_throttled_per_address_across_accounts() {
    for app in spawn_apps_with(|config| config.login_limits.per_address = 3).await {
        let browser = browser();
        let csrf = login_csrf(&app, &browser).await;
        for username in ["u1", "u2", "u3"] {
            log_in(&app, &browser, (username, "guess"), &csrf).await;
        }

        let right = log_in(&app, &browser, ("hamza", "hamza-password"), &csrf).await;

        assert_eq!(right.status(), 429);
    }
}

#[actix_rt::test]
async fn the_throttle_lifts_once_the_window_has_passed() {
    let app = crate::helpers::spawn_apps_with(|config| config.login_limits.per_account = 2)
        .await
        .remove(0);
    let browser = browser();
    let csrf = login_csrf(&app, &browser).await;
    for _ in 0..2 {
        log_in(&app, &browser, ("alice", "guess"), &csrf).await;
    }

    app.advance_clock(16 * 60);
    // The anonymous session has expired too (it lives 15 minutes): a fresh
    // form, as a person coming back would get.
    let csrf = login_csrf(&app, &browser).await;
    let right = log_in(&app, &browser, ("alice", "alice-password"), &csrf).await;

    assert_eq!(right.status(), 303);
}

#[actix_rt::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;

    let response = get_in_new_browser(&app, "/login").await;

    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("as_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    // The issuer is http://, so no Secure (which a browser would drop).
    assert!(!cookie.contains("Secure"));
}

#[actix_rt::test]
async fn a_login_answers_303_and_issues_a_new_session_id() {
    for app in spawn_apps().await {
        let anonymous = browser()
            .get(format!("{}/login", app.url))
            .send()
            .await
            .unwrap();
        let before = cookie_value(&anonymous);
        let page = anonymous.text().await.unwrap();
        let csrf = hidden_input(&page, "csrf_token").unwrap();

        // A client without a cookie store: the session cookie is set by hand.
        let by_hand = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = by_hand
            .post(format!("{}/login", app.url))
            .header("cookie", format!("as_session={before}"))
            .form(&[
                ("username", "hamza"),
                ("password", "hamza-password"),
                ("csrf_token", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 303);
        assert_eq!(location(&response).unwrap(), "/account");
        let after = cookie_value(&response);
        assert_ne!(before, after);
        // The pre-login session id no longer opens anything.
        let old = by_hand
            .get(format!("{}/account", app.url))
            .header("cookie", format!("as_session={before}"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&old).unwrap(), "/login");
    }
}

#[actix_rt::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let browser = signed_in_browser(&app, "hamza", "hamza-password").await;
    let account = browser
        .get(format!("{}/account", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    let csrf = hidden_input(&account.text().await.unwrap(), "csrf_token").unwrap();

    let response = log_out(&app, &browser, &csrf).await;

    assert_eq!(response.status(), 303);
    let after = browser
        .get(format!("{}/account", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&after).unwrap(), "/login");
}

fn cookie_value(response: &reqwest::Response) -> String {
    let header = response.headers()["set-cookie"].to_str().unwrap();
    header
        .strip_prefix("as_session=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[actix_rt::test]
async fn the_session_cookie_is_secure_when_the_issuer_is_https() {
    let mut config = authorization_server::Config::for_test(&service_kit::testing::sqlite_url());
    config.issuer = "https://id.example".to_owned();
    let listener = service_kit::server::Listener::bind(&config.serve).unwrap();
    let (url, handle) = authorization_server::build_on(config, listener)
        .await
        .unwrap()
        .spawn();

    let response = browser().get(format!("{url}/login")).send().await.unwrap();

    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    handle.stop(false).await;
}
