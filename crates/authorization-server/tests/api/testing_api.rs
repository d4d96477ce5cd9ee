//! The harness other crates use works end to end.

use authorization_server::testing::Flow;

use crate::helpers::{introspect, spawn_apps};

#[actix_rt::test]
async fn obtain_tokens_returns_tokens_that_introspect_as_active_for_the_demo_resource() {
    for app in spawn_apps().await {
        let tokens = app.obtain_tokens(&Flow::demo()).await;

        assert_eq!(tokens.token_type, "Bearer");
        assert!(tokens.refresh_token.is_some());
        assert_eq!(tokens.scope.unwrap().to_string(), "post profile");
        let answer = introspect(&app, tokens.access_token.secret()).await;
        assert_eq!(answer["active"], true, "{answer}");
        assert_eq!(answer["username"], "hamza");
        assert_eq!(answer["client_id"], "strava");
        assert_eq!(answer["aud"], "http://localhost:9002");
        assert_eq!(answer["iss"], app.url.as_str());
    }
}
