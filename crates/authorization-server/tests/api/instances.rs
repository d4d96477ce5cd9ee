//! Two instances on one database behave as one: nothing a request needs
//! lives in one process's memory.

use authorization_server::testing::{self, browser, hidden_input, location};
use oauth_types::token_response::TokenResponse;

use crate::helpers::{demo_authorize_params, introspect, page_text, pkce_pair, post_form};

#[actix_rt::test]
async fn a_flow_and_a_revocation_can_hop_between_two_instances_sharing_one_database() {
    for database in service_kit::testing::test_database_urls().await {
        let first = testing::spawn(&database).await;
        let second = testing::spawn(&database).await;
        let browser = browser();
        let (verifier, challenge) = pkce_pair();

        // /authorize on the first, login and consent on the second.
        let response = browser
            .get(format!("{}/authorize", first.url))
            .query(&demo_authorize_params(&challenge))
            .send()
            .await
            .unwrap();
        let consent_path = location(&response).unwrap();
        let to_login = browser
            .get(format!("{}{consent_path}", second.url))
            .send()
            .await
            .unwrap();
        let login_path = location(&to_login).unwrap();
        let page = page_text(&browser, format!("{}{login_path}", second.url)).await;
        let logged_in = post_form(
            &browser,
            format!("{}/login", second.url),
            &[
                ("username", "hamza"),
                ("password", "hamza-password"),
                ("csrf_token", &hidden_input(&page, "csrf_token").unwrap()),
                ("request", &hidden_input(&page, "request").unwrap()),
            ],
        )
        .await;
        let consent = page_text(
            &browser,
            format!("{}{}", first.url, location(&logged_in).unwrap()),
        )
        .await;
        let answered = post_form(
            &browser,
            format!("{}/consent", second.url),
            &[
                (
                    "csrf_token",
                    hidden_input(&consent, "csrf_token").unwrap().as_str(),
                ),
                (
                    "request",
                    hidden_input(&consent, "request").unwrap().as_str(),
                ),
                ("scope", "profile"),
                ("decision", "approve"),
            ],
        )
        .await;
        let callback = url::Url::parse(&location(&answered).unwrap()).unwrap();
        let code = callback
            .query_pairs()
            .find(|(n, _)| n == "code")
            .unwrap()
            .1
            .into_owned();

        // The code is redeemed on the first, the token introspected on the second.
        let response = first
            .token_request(
                "strava",
                Some("strava-secret"),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", "http://localhost:9000/callback"),
                    ("code_verifier", verifier.as_str()),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        let tokens: TokenResponse = response.json().await.unwrap();
        let answer = introspect(&second, tokens.access_token.secret()).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["scope"], "profile");

        // Revoked at the second (RFC 7009), inactive at the first.
        let revoked = reqwest::Client::new()
            .post(format!("{}/revoke", second.url))
            .basic_auth("strava", Some("strava-secret"))
            .form(&[("token", tokens.access_token.secret())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        let answer = introspect(&first, tokens.access_token.secret()).await;
        assert_eq!(answer, serde_json::json!({"active": false}));
    }
}
