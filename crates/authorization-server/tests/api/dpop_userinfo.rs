//! DPoP (RFC 9449 §7) at `/userinfo`: a bound token counts only with a
//! proof by its key for this very request, on every backend.

use authorization_server::testing::TestAuthorizationServer;
use oauth_types::dpop::DpopKey;
use service_kit::testing::challenges;

use crate::dpop::{mobile, proof_for, token_proof};
use crate::helpers::{assert_refused, error_of, json, spawn_apps};

/// A fresh key, an access token of `strava-mobile` bound to it, and a
/// proof by the key for `GET /userinfo` with that token.
async fn bound_token_and_proof(app: &TestAuthorizationServer) -> (DpopKey, String, String) {
    let key = DpopKey::generate().unwrap();
    let code = app.obtain_code(&mobile()).await;
    let response = app
        .exchange_code_proving(&mobile(), &code, Some(&token_proof(app, &key)))
        .await;
    let (status, tokens) = json(response).await;
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let proof = proof_for(app, &key, "GET", "/userinfo", Some(&token));
    (key, token, proof)
}

async fn userinfo(
    app: &TestAuthorizationServer,
    authorization: &str,
    proof: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(format!("{}/userinfo", app.url))
        .header("Authorization", authorization);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    request.send().await.unwrap()
}

#[actix_rt::test]
async fn a_bound_token_with_a_proof_by_its_key_is_answered() {
    for app in spawn_apps().await {
        let (_, token, proof) = bound_token_and_proof(&app).await;

        let (status, claims) =
            json(userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await).await;

        assert_eq!(status, 200, "{claims}");
        assert_eq!(claims["name"], "Hamza Ali");
    }
}

#[actix_rt::test]
async fn a_bound_token_sent_as_a_bearer_token_is_invalid() {
    for app in spawn_apps().await {
        let (_, token, proof) = bound_token_and_proof(&app).await;

        let as_bearer = userinfo(&app, &format!("Bearer {token}"), Some(&proof)).await;
        let in_a_form = reqwest::Client::new()
            .post(format!("{}/userinfo", app.url))
            .form(&[("access_token", token.as_str())])
            .send()
            .await
            .unwrap();

        for response in [as_bearer, in_a_form] {
            assert_refused(&json(response).await, (401, "invalid_token"));
        }
    }
}

#[actix_rt::test]
async fn proofs_by_another_key_for_another_token_or_replayed_are_refused() {
    for app in spawn_apps().await {
        let (key, token, good) = bound_token_and_proof(&app).await;
        let thief = DpopKey::generate().unwrap();
        let authorization = format!("DPoP {token}");
        let refused = [
            (
                "another key",
                proof_for(&app, &thief, "GET", "/userinfo", Some(&token)),
            ),
            (
                "another token",
                proof_for(&app, &key, "GET", "/userinfo", Some("other")),
            ),
            ("no ath", proof_for(&app, &key, "GET", "/userinfo", None)),
            (
                "another method",
                proof_for(&app, &key, "POST", "/userinfo", Some(&token)),
            ),
            ("no proof", String::new()),
        ];
        for (what, proof) in &refused {
            let proof = (!proof.is_empty()).then_some(proof.as_str());
            let response = userinfo(&app, &authorization, proof).await;
            let challenge = challenges(&response).join(", ");
            let (status, body) = json(response).await;
            assert_eq!(
                error_of(status, &body),
                (401, Some("invalid_dpop_proof")),
                "{what}"
            );
            assert!(challenge.starts_with("DPoP "), "{what}: {challenge}");
        }

        let first = userinfo(&app, &authorization, Some(&good)).await;
        let replay = userinfo(&app, &authorization, Some(&good)).await;
        assert_eq!(first.status(), 200);
        let (status, body) = json(replay).await;
        assert_eq!(error_of(status, &body), (401, Some("invalid_dpop_proof")));
    }
}

#[actix_rt::test]
async fn an_unbound_token_is_not_sent_as_dpop() {
    for app in spawn_apps().await {
        let key = DpopKey::generate().unwrap();
        let code = app.obtain_code(&mobile()).await;
        let (_, tokens) = json(app.exchange_code(&mobile(), &code).await).await;
        let token = tokens["access_token"].as_str().unwrap();
        let proof = proof_for(&app, &key, "GET", "/userinfo", Some(token));

        let (status, body) =
            json(userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await).await;

        assert_eq!(error_of(status, &body), (401, Some("invalid_token")));
    }
}

#[actix_rt::test]
async fn without_a_token_userinfo_sends_a_bearer_and_a_dpop_challenge() {
    for app in spawn_apps().await {
        let response = reqwest::get(format!("{}/userinfo", app.url)).await.unwrap();

        let challenges = challenges(&response);
        assert_eq!(response.status(), 401);
        assert_eq!(challenges.len(), 2, "{challenges:?}");
        assert!(challenges[0].starts_with("Bearer "), "{challenges:?}");
        assert!(
            challenges[1].starts_with("DPoP ")
                && challenges[1].contains("algs=\"ES256 EdDSA RS256\"")
        );
        assert!(challenges
            .iter()
            .all(|challenge| !challenge.contains("error=")));
    }
}

/// §9 at `/userinfo` under `--dpop-nonce`: a proof without a current nonce
/// is `401 use_dpop_nonce` with a `DPoP` challenge and a fresh nonce; the
/// retry with it is answered.
#[actix_rt::test]
async fn under_dpop_nonce_userinfo_asks_for_a_nonce_and_answers_the_retry() {
    for url in service_kit::testing::test_database_urls().await {
        let app = authorization_server::testing::spawn_with(authorization_server::Config {
            dpop_nonce: true,
            ..authorization_server::Config::for_test(&url)
        })
        .await;
        let key = DpopKey::generate().unwrap();
        let code = app.obtain_code(&mobile()).await;
        let asked = app
            .exchange_code_proving(&mobile(), &code, Some(&token_proof(&app, &key)))
            .await;
        let nonce = asked.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        let token_url = url::Url::parse(&format!("{}/token", app.url)).unwrap();
        let proof = key
            .proof("POST", &token_url, app.clock.now(), None, Some(&nonce))
            .unwrap();
        let (status, tokens) = json(
            app.exchange_code_proving(&mobile(), &code, Some(&proof))
                .await,
        )
        .await;
        assert_eq!(
            status, 200,
            "the code was not spent by the nonce refusal: {tokens}"
        );
        let token = tokens["access_token"].as_str().unwrap();
        let authorization = format!("DPoP {token}");

        let without = userinfo(
            &app,
            &authorization,
            Some(&proof_for(&app, &key, "GET", "/userinfo", Some(token))),
        )
        .await;
        let challenge = challenges(&without).join(", ");
        let fresh = without.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        let (status, body) = json(without).await;
        assert_eq!(error_of(status, &body), (401, Some("use_dpop_nonce")));
        assert!(
            challenge.starts_with("DPoP ") && challenge.contains("use_dpop_nonce"),
            "{challenge}"
        );

        let userinfo_url = url::Url::parse(&format!("{}/userinfo", app.url)).unwrap();
        let bound = oauth_types::secret::AccessToken::new(token);
        let retry = key
            .proof(
                "GET",
                &userinfo_url,
                app.clock.now(),
                Some(&bound),
                Some(&fresh),
            )
            .unwrap();
        let (status, claims) = json(userinfo(&app, &authorization, Some(&retry)).await).await;
        assert_eq!(status, 200, "{claims}");
    }
}
