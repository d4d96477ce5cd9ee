//! `GET /api/me`: the token's owner, nobody else.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with_token_of};

#[actix_rt::test]
async fn me_answers_the_sub_and_username_of_the_token_owner() {
    let (app, token) = spawn_app_with_token_of("alice", "profile").await;

    let response = app.get("/api/me", &token).await;

    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["sub"], "sub-alice");
    assert_eq!(me["username"], "alice");
}

#[actix_rt::test]
async fn a_request_cannot_choose_whose_profile_it_reads() {
    let app = spawn_app().await;
    app.introduce("bob").await;
    let token = app.token_for("alice", "profile");

    let me: Value = app
        .get("/api/me?sub=sub-bob&username=bob", &token)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(me["sub"], "sub-alice");
}
