//! Acting as the user: posts, shares, messages, refresh, revocation
//! (security rules 28 and 29).

use crate::helpers::{spawn_apps, spawn_connected_app, TestApp};

/// Sends alice a message through the client's form; the home page after.
async fn message_alice(app: &TestApp) -> String {
    app.act(
        "/message",
        &[("to", "alice"), ("text", "See you at the race")],
    )
    .await
}

#[actix_rt::test]
async fn posting_a_message_sends_it_as_the_user_with_the_token_in_the_authorization_header_only() {
    let app = spawn_connected_app().await;

    let home = app
        .act("/post", &[("message", "Hello from the test")])
        .await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    assert!(home.contains("Hello from the test"));
    let call = app.world().resource_calls.last().cloned().unwrap();
    assert_eq!(call.path, "/api/posts");
    assert_eq!(call.body["message"], "Hello from the test");
    assert!(call
        .authorization
        .unwrap()
        .starts_with("Bearer access-token-"));
    assert_eq!(call.query, "", "never a token in the URL");
}

#[actix_rt::test]
async fn the_resources_refusal_is_shown_on_the_page_that_follows() {
    let app = spawn_connected_app().await;

    let home = app.act("/post", &[("message", "")]).await;

    assert!(home.contains("Facebook refused"), "{home}");
    assert!(home.contains("invalid_request"));
}

#[actix_rt::test]
async fn share_to_facebook_posts_the_runs_summary() {
    let app = spawn_connected_app().await;
    let home = app.home().await;
    let marker = "name=\"run_id\" value=\"";
    let start = home.find(marker).unwrap() + marker.len();
    let run_id = home[start..].split('"').next().unwrap().to_owned();

    let home = app.act("/share", &[("run_id", &run_id)]).await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let call = app.world().resource_calls.last().cloned().unwrap();
    assert!(call.body["message"].as_str().unwrap().contains(" km in "));
}

#[actix_rt::test]
async fn insufficient_scope_is_explained_with_an_offer_to_reconnect_asking_for_it() {
    let app = spawn_connected_app().await;

    let home = message_alice(&app).await;

    assert!(home.contains("insufficient_scope"), "{home}");
    assert!(home.contains("/connect?scope=personal-message"));
    let redirect = app.connect_path("/connect?scope=personal-message").await;
    assert!(redirect.params["scope"].contains("personal-message"));
    app.world().granted_scope = Some("personal-message post profile".to_owned());
    app.callback_of(&redirect, &[("code", "c2")]).await;
    let home = message_alice(&app).await;
    assert!(home.contains("Message sent"), "{home}");
}

#[actix_rt::test]
async fn an_access_token_about_to_expire_is_refreshed_before_the_call() {
    for app in spawn_apps().await {
        app.connect_fully().await;
        let first = app.world().access_tokens.keys().next().cloned().unwrap();
        app.expire_access_token().await;

        let home = app.act("/post", &[("message", "after refresh")]).await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        let world = app.world();
        let refresh = world.last_token_request();
        assert_eq!(refresh["grant_type"], "refresh_token");
        assert_eq!(refresh["resource"], world.resource_url, "RFC 8707 §2");
        assert_eq!(
            world.resource_calls.len(),
            1,
            "one call, with the fresh token"
        );
        let used = world.resource_calls[0].authorization.clone().unwrap();
        assert_ne!(used, format!("Bearer {first}"), "the fresh token was used");
    }
}

#[actix_rt::test]
async fn an_invalid_token_answer_leads_to_one_refresh_and_one_retry() {
    let app = spawn_connected_app().await;
    app.world().access_tokens.clear(); // the resource no longer knows the token

    let home = app.act("/post", &[("message", "retried")]).await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let world = app.world();
    assert_eq!(world.resource_calls.len(), 2);
    assert_ne!(
        world.resource_calls[0].authorization,
        world.resource_calls[1].authorization
    );
}

#[actix_rt::test]
async fn a_refused_refresh_asks_the_user_to_reconnect_and_forgets_the_tokens() {
    let app = spawn_connected_app().await;
    app.expire_access_token().await;
    app.world().refresh_refused = true;

    let home = app.act("/post", &[("message", "too late")]).await;

    assert!(home.contains("Please reconnect Facebook"), "{home}");
    assert!(home.contains("href=\"/connect?scope=post\""));
    assert_eq!(app.count("connections").await, 0);
    assert!(app.world().resource_calls.is_empty());
}

#[actix_rt::test]
async fn disconnect_revokes_both_tokens_and_forgets_them() {
    for app in spawn_apps().await {
        app.connect_fully().await;
        let (access, refresh) = {
            let world = app.world();
            (
                world.access_tokens.keys().next().cloned().unwrap(),
                world.refresh_tokens.keys().next().cloned().unwrap(),
            )
        };

        let home = app.act("/disconnect", &[]).await;

        assert!(home.contains("Facebook is disconnected"), "{home}");
        assert_eq!(app.world().revoked, vec![refresh, access]);
        assert_eq!(app.count("connections").await, 0);
        assert!(home.contains("Connect Facebook"));
    }
}

#[actix_rt::test]
async fn two_concurrent_calls_with_an_expired_token_refresh_it_only_once() {
    for app in spawn_apps().await {
        app.connect_fully().await;
        let csrf = app.csrf_token().await;
        app.expire_access_token().await;
        let post = |message: &'static str| {
            let (browser, url, csrf) = (
                app.browser.clone(),
                format!("{}/post", app.url),
                csrf.clone(),
            );
            actix_rt::spawn(async move {
                let form = [("csrf_token", csrf.as_str()), ("message", message)];
                browser
                    .post(url)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        };

        let (first, second) = (post("one"), post("two"));
        let statuses = [first.await.unwrap(), second.await.unwrap()];

        assert_eq!(statuses, [303, 303]);
        let world = app.world();
        let refreshes = world
            .token_requests
            .iter()
            .filter(|form| {
                form.iter()
                    .any(|(n, v)| n == "grant_type" && v == "refresh_token")
            })
            .count();
        assert_eq!(refreshes, 1, "a rotated refresh token is presented once");
        assert_eq!(world.resource_calls.len(), 2);
        assert_eq!(
            world.resource_calls[0].authorization,
            world.resource_calls[1].authorization
        );
    }
}
