//! Rule 38, the client's part: an access token copied out of the client's
//! database is bound to the client's DPoP key, so without that key it is
//! worthless: sent as a Bearer token it is `invalid_token`, with a proof
//! signed by another key `invalid_dpop_proof`. The client, which holds
//! the key, goes on posting.

use end_to_end::{Ecosystem, Options};
use oauth_types::dpop::DpopKey;
use oauth_types::secret::AccessToken;
use reqwest::StatusCode;

use crate::dpop::stored_connection;

#[actix_rt::test]
async fn a_token_stolen_from_the_clients_database_is_refused_without_the_clients_key() {
    for options in Options::every_backend().await {
        let client_database = options.databases[2].clone();
        let ecosystem = Ecosystem::start(options).await;
        let hamza = ecosystem.user_agent("hamza", "hamza-password");
        ecosystem
            .connect_for_post_and_post(&hamza, "before the theft")
            .await;
        let (stolen, _, _) = stored_connection(&client_database).await;
        let posts = format!("{}/api/posts", ecosystem.resource_url);
        let body = serde_json::json!({ "message": "posted by a thief" });
        let thief = reqwest::Client::new();

        // As a Bearer token: the binding cannot be shed (RFC 9449 §7.1).
        let as_bearer = thief
            .post(&posts)
            .bearer_auth(&stolen)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(as_bearer.status(), StatusCode::UNAUTHORIZED);
        let refusal: serde_json::Value = as_bearer.json().await.unwrap();
        assert_eq!(refusal["error"], "invalid_token", "{refusal}");

        // With a well-formed proof for this very request, by the thief's key.
        let thiefs_key = DpopKey::generate().unwrap();
        let proof = thiefs_key
            .proof(
                "POST",
                &url::Url::parse(&posts).unwrap(),
                service_kit::clock::now(),
                Some(&AccessToken::new(stolen.as_str())),
                None,
            )
            .unwrap();
        let with_another_key = thief
            .post(&posts)
            .header("Authorization", format!("DPoP {stolen}"))
            .header("DPoP", proof)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(with_another_key.status(), StatusCode::UNAUTHORIZED);
        let challenge = with_another_key.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("DPoP") && challenge.contains("invalid_dpop_proof"),
            "{challenge}"
        );

        // Nothing was posted by the thief; the client still posts.
        let wall = hamza.page(&format!("{}/", ecosystem.resource_url)).await;
        assert!(!wall.contains("posted by a thief"), "{wall}");
        let posted = hamza
            .post_to_facebook(&ecosystem.client_url, "after the theft")
            .await;
        assert!(posted.contains("Posted to Facebook"), "{posted}");
    }
}
