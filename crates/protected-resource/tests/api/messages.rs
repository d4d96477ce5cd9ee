//! `POST /api/messages`: to a username this resource knows.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with_token_of, spawn_apps};

#[actix_rt::test]
async fn a_message_to_a_known_user_answers_201_on_every_backend() {
    for app in spawn_apps().await {
        app.introduce("bob").await;
        let alice = app.token_for("alice", "personal-message");

        let sent = json!({"to": "bob", "text": "Run tomorrow?"});

        let message = app.create("/api/messages", &alice, &sent).await;

        assert_eq!(message["from"], "sub-alice");
        assert_eq!(message["to"], "bob");
        assert_eq!(message["text"], "Run tomorrow?");
        assert_eq!(message["client_id"], "strava");
        assert!(message["id"].is_i64());
    }
}

#[actix_rt::test]
async fn a_message_to_an_unknown_username_is_a_400_that_says_so() {
    let (app, alice) = spawn_app_with_token_of("alice", "personal-message").await;

    let response = app.send_message(&alice, "nobody", "hello?").await;

    let body = app.assert_invalid_request(response).await;
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("no user named 'nobody'"),
        "{description}"
    );
}

#[actix_rt::test]
async fn a_user_becomes_known_once_they_use_the_resource() {
    let (app, alice) = spawn_app_with_token_of("alice", "personal-message").await;
    let message = json!({"to": "carol", "text": "hi"});
    let before = app.post_json("/api/messages", &alice, &message).await;
    assert_eq!(before.status(), 400);

    app.introduce("carol").await;

    let after = app.post_json("/api/messages", &alice, &message).await;
    assert_eq!(after.status(), 201);
}

#[actix_rt::test]
async fn an_empty_or_too_long_text_is_an_invalid_request() {
    let app = spawn_app().await;
    app.introduce("bob").await;
    let alice = app.token_for("alice", "personal-message");

    for text in [String::new(), "a".repeat(5001)] {
        let response = app.send_message(&alice, "bob", &text).await;
        app.assert_invalid_request(response).await;
    }
}

#[actix_rt::test]
async fn a_message_can_be_sent_with_a_form_token() {
    let app = spawn_app().await;
    app.introduce("bob").await;
    let alice = app.token_for("alice", "personal-message");

    let form = [
        ("to", "bob"),
        ("text", "from a form"),
        ("access_token", &alice),
    ];

    let response = app.post_form("/api/messages", &form).await;

    assert_eq!(response.status(), 201);
}
