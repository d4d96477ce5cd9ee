//! `GET /`: the public wall shows who posted what, through which client.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with_token_of};

#[actix_rt::test]
async fn the_wall_shows_recent_posts_with_their_author_and_client() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;
    app.create(
        "/api/posts",
        &token,
        &json!({"message": "Half marathon done"}),
    )
    .await;

    let response = app.get_anonymous("/").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let page = response.text().await.unwrap();
    assert!(page.contains("Half marathon done"), "{page}");
    assert!(page.contains("alice"), "{page}");
    assert!(page.contains("strava"), "{page}");
}

#[actix_rt::test]
async fn the_wall_escapes_what_users_wrote() {
    let (app, token) = spawn_app_with_token_of("alice", "post").await;
    let hostile = json!({"message": "<script>alert(1)</script>"});
    app.create("/api/posts", &token, &hostile).await;

    let page = app.page("/").await;

    assert!(!page.contains("<script>alert(1)</script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
        "{page}"
    );
}

#[actix_rt::test]
async fn an_empty_wall_says_so() {
    let app = spawn_app().await;

    let page = app.page("/").await;

    assert!(page.contains("Nothing posted yet"), "{page}");
}
