//! The browser session: the cookie, the demo runs, and CSRF on the
//! client's own forms.

use crate::helpers::{spawn_app, spawn_connected_app};

#[actix_rt::test]
async fn the_session_cookie_is_opaque_http_only_and_same_site_lax() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.starts_with("strava_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Secure"), "plain HTTP on loopback");
    let value = app.session_cookie();
    assert!(value.len() >= 43, "256 bits");
    // One cookie per browser: the next page does not set another.
    assert!(app.get("/").await.headers().get("set-cookie").is_none());
}

#[actix_rt::test]
async fn each_new_session_is_a_runner_with_demo_runs() {
    let app = spawn_app().await;

    let home = app.home().await;

    assert!(home.contains("Morning run by the river"));
    assert!(home.contains("10.2 km"));
    assert!(home.contains("href=\"/behind-the-scenes\""));
}

#[actix_rt::test]
async fn a_form_with_another_csrf_token_is_refused_and_nothing_is_sent() {
    let app = spawn_connected_app().await;
    let _ = app.csrf_token().await;

    let response = app
        .post_form(
            "/post",
            &[("csrf_token", "forged-token"), ("message", "spam")],
        )
        .await;

    assert_eq!(response.status().as_u16(), 403);
    assert!(app.world().resource_calls.is_empty());
    let response = app.post_form("/disconnect", &[("csrf_token", "")]).await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(app.count("connections").await, 1, "still connected");
}

#[actix_rt::test]
async fn a_form_from_a_browser_without_a_session_is_refused() {
    let app = spawn_app().await;
    let stranger = crate::helpers::browser(std::sync::Arc::new(reqwest::cookie::Jar::default()));

    let response = stranger
        .post(format!("{}/post", app.url))
        .form(&[("csrf_token", "x"), ("message", "hi")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 400);
}

#[actix_rt::test]
async fn a_malformed_form_is_a_400_page_not_a_server_error() {
    let app = spawn_app().await;
    app.home().await;

    let response = app.post_form("/post", &[("unexpected", "field")]).await;

    assert_eq!(response.status().as_u16(), 400);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

#[actix_rt::test]
async fn the_session_cookie_is_secure_when_the_browser_comes_over_https() {
    let mut options = crate::helpers::Options::new(service_kit::testing::sqlite_url());
    options.redirect_scheme = "https";
    let app = crate::helpers::spawn_app_with(options).await;

    let response = app.get("/").await;

    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    // RFC 6265bis §4.1.3.2: kept only for this very host, never shadowed.
    assert!(
        set_cookie.starts_with("__Host-strava_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("Path=/") && !set_cookie.contains("Domain"));
}

#[actix_rt::test]
async fn connecting_gives_the_session_a_new_id_so_a_planted_one_is_worthless() {
    let app = spawn_app().await;
    app.home().await;
    let planted = app.session_cookie();

    app.connect_fully().await;

    let renewed = app.session_cookie();
    assert_ne!(planted, renewed);
    assert!(
        app.home().await.contains("name=\"message\""),
        "still connected"
    );
    let attacker = reqwest::Client::new();
    let response = attacker
        .post(format!("{}/post", app.url))
        .header("cookie", format!("strava_session={planted}"))
        .form(&[("csrf_token", "unknown"), ("message", "as the victim")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        400,
        "the planted id is no session"
    );
    assert!(app.world().resource_calls.is_empty());
}
