//! `/api/posts`: create and list, on every backend. The author is always
//! the token's owner (security.md 22).

use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_token_of, spawn_apps};

#[actix_rt::test]
async fn creating_a_post_answers_201_with_the_post_on_every_backend() {
    for app in spawn_apps().await {
        let token = app.token_for("alice", "post");
        let before = service_kit::clock::now();

        let sent = json!({"message": "Ran 10 km this morning"});

        let post = app.create("/api/posts", &token, &sent).await;

        assert!(post["id"].is_i64(), "{post}");
        assert_eq!(post["author"], "sub-alice");
        assert_eq!(post["message"], "Ran 10 km this morning");
        assert_eq!(post["client_id"], "strava");
        let created_at = post["created_at"].as_i64().unwrap();
        assert!((before..=service_kit::clock::now()).contains(&created_at));
    }
}

#[actix_rt::test]
async fn listing_answers_the_owner_posts_newest_first_on_every_backend() {
    for app in spawn_apps().await {
        let token = app.token_for("alice", "post");
        for message in ["first", "second", "third"] {
            app.create("/api/posts", &token, &json!({"message": message}))
                .await;
        }

        let posts: Vec<Value> = app.get_json("/api/posts", &token).await;

        let messages: Vec<&str> = posts
            .iter()
            .map(|p| p["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["third", "second", "first"]);
    }
}

#[actix_rt::test]
async fn one_user_never_sees_another_user_posts_on_every_backend() {
    for app in spawn_apps().await {
        let alice = app.token_for("alice", "post");
        let bob = app.token_for("bob", "post");
        let secret = json!({"message": "alice's secret run"});
        app.create("/api/posts", &alice, &secret).await;
        app.create("/api/posts", &bob, &json!({"message": "bob's run"}))
            .await;

        let bob_sees: Vec<Value> = app.get_json("/api/posts", &bob).await;
        let alice_sees: Vec<Value> = app.get_json("/api/posts", &alice).await;

        assert_eq!(bob_sees.len(), 1);
        assert_eq!(bob_sees[0]["message"], "bob's run");
        assert_eq!(alice_sees.len(), 1);
        assert_eq!(alice_sees[0]["author"], "sub-alice");
    }
}

#[actix_rt::test]
async fn the_author_is_the_token_owner_whatever_the_request_says() {
    let (app, alice) = spawn_app_with_token_of("alice", "post").await;

    let response = app
        .post_json(
            "/api/posts?author=sub-bob",
            &alice,
            &json!({"message": "hi", "author": "sub-bob", "client_id": "evil"}),
        )
        .await;

    let post: Value = response.json().await.unwrap();
    assert_eq!(post["author"], "sub-alice");
    assert_eq!(post["client_id"], "strava");
}

#[actix_rt::test]
async fn a_message_of_one_to_five_thousand_characters_is_accepted() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;

    for message in ["x".to_owned(), "é".repeat(5000)] {
        app.create("/api/posts", &token, &json!({"message": message}))
            .await;
    }
}

#[actix_rt::test]
async fn an_empty_or_too_long_message_is_an_invalid_request() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;

    for message in [String::new(), "a".repeat(5001)] {
        let response = app
            .post_json("/api/posts", &token, &json!({"message": message}))
            .await;
        app.assert_invalid_request(response).await;
    }
    let posts: Vec<Value> = app.get_json("/api/posts", &token).await;
    assert!(posts.is_empty());
}

#[actix_rt::test]
async fn a_post_without_a_message_is_an_invalid_request() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;

    let wrong = json!({"text": "wrong field"});

    let response = app.post_json("/api/posts", &token, &wrong).await;

    app.assert_invalid_request(response).await;
}
