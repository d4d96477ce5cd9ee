//! DPoP at the resource (RFC 9449 §7): a bound token opens the API only as
//! `Authorization: DPoP` with a fresh proof of its key for this request.

use oauth_types::dpop::DpopKey;
use oauth_types::secret::AccessToken;
use serde_json::{json, Value};
use service_kit::testing::challenges;

use crate::helpers::{active_answer, spawn_app, FakeAnswer, TestApp};

/// A token the fake authorization server calls active and bound to `key`.
fn bound_token(app: &TestApp, key: &DpopKey) -> String {
    let token = AccessToken::generate().secret().to_owned();
    let mut answer = active_answer(&app.resource_id, "sub-alice", "alice", "profile post");
    answer["token_type"] = json!("DPoP");
    answer["cnf"] = json!({"jkt": key.thumbprint().unwrap()});
    app.fake.answer(&token, FakeAnswer::Json(answer));
    token
}

/// The resource, a DPoP key, and a token bound to it.
async fn spawn_app_with_bound_token() -> (TestApp, DpopKey, String) {
    let app = spawn_app().await;
    let key = DpopKey::generate().unwrap();
    let token = bound_token(&app, &key);
    (app, key, token)
}

fn proof_for(app: &TestApp, key: &DpopKey, method: &str, path: &str, token: &str) -> String {
    let url = url::Url::parse(&app.url(path)).unwrap();
    let token = AccessToken::new(token);
    key.proof(method, &url, service_kit::clock::now(), Some(&token), None)
        .unwrap()
}

async fn dpop_get(app: &TestApp, path: &str, token: &str, proofs: &[&str]) -> reqwest::Response {
    let mut request = app
        .http
        .get(app.url(path))
        .header("Authorization", format!("DPoP {token}"));
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    request.send().await.unwrap()
}

/// A 401 whose only challenge is `DPoP` with `error` and the algorithms.
async fn assert_dpop_refused(response: reqwest::Response, error: &str) -> Value {
    assert_eq!(response.status(), 401);
    let challenges = challenges(&response);
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    assert!(challenges[0].starts_with("DPoP "), "{challenges:?}");
    assert!(
        challenges[0].contains(&format!("error=\"{error}\"")),
        "{challenges:?}"
    );
    assert!(
        challenges[0].contains("algs=\"ES256 EdDSA RS256\""),
        "{challenges:?}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error);
    body
}

#[actix_rt::test]
async fn a_bound_token_with_a_proof_of_its_key_opens_the_api() {
    let (app, key, token) = spawn_app_with_bound_token().await;

    let proof = proof_for(&app, &key, "GET", "/api/me", &token);
    let me = dpop_get(&app, "/api/me", &token, &[&proof]).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "alice");

    let proof = proof_for(&app, &key, "POST", "/api/posts", &token);
    let posted = app
        .http
        .post(app.url("/api/posts"))
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof)
        .json(&json!({"message": "10 km, key in hand"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
}

/// §7.1: the binding cannot be shed by presenting the token another way.
#[actix_rt::test]
async fn a_bound_token_sent_as_bearer_in_a_form_or_in_the_query_is_invalid_token() {
    let (app, key, token) = spawn_app_with_bound_token().await;
    let proof = proof_for(&app, &key, "GET", "/api/me", &token);

    let as_bearer = app
        .http
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .header("DPoP", &proof)
        .send()
        .await
        .unwrap();
    let in_query = app
        .http
        .get(app.url(&format!("/api/me?access_token={token}")))
        .send()
        .await
        .unwrap();
    let in_form = app
        .http
        .post(app.url("/api/posts"))
        .form(&[("access_token", token.as_str()), ("message", "hello")])
        .send()
        .await
        .unwrap();
    for response in [as_bearer, in_query, in_form] {
        assert_eq!(response.status(), 401);
        let challenge = challenges(&response).join(" | ");
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
}

#[actix_rt::test]
async fn a_proof_that_is_missing_doubled_or_by_another_key_is_refused() {
    let app = spawn_app().await;
    let key = DpopKey::generate().unwrap();
    let thief = DpopKey::generate().unwrap();
    let token = bound_token(&app, &key);
    let good = proof_for(&app, &key, "GET", "/api/me", &token);
    let stolen = proof_for(&app, &thief, "GET", "/api/me", &token);

    assert_dpop_refused(
        dpop_get(&app, "/api/me", &token, &[]).await,
        "invalid_dpop_proof",
    )
    .await;
    let doubled = dpop_get(&app, "/api/me", &token, &[&good, &good]).await;
    assert_dpop_refused(doubled, "invalid_dpop_proof").await;
    let body = assert_dpop_refused(
        dpop_get(&app, "/api/me", &token, &[&stolen]).await,
        "invalid_dpop_proof",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another key"),
        "{body}"
    );
    assert_eq!(
        dpop_get(&app, "/api/me", &token, &[&good]).await.status(),
        200
    );
}

#[actix_rt::test]
async fn a_proof_for_another_method_url_or_token_is_refused() {
    let (app, key, token) = spawn_app_with_bound_token().await;
    let other_token = bound_token(&app, &key);

    for proof in [
        proof_for(&app, &key, "POST", "/api/me", &token),
        proof_for(&app, &key, "GET", "/api/posts", &token),
        proof_for(&app, &key, "GET", "/api/me", &other_token),
    ] {
        let response = dpop_get(&app, "/api/me", &token, &[&proof]).await;
        assert_dpop_refused(response, "invalid_dpop_proof").await;
    }
}

/// §11.1: a proof is single-use, however many copies arrive at once.
#[actix_rt::test]
async fn of_simultaneous_copies_of_one_proof_exactly_one_is_accepted() {
    let app = std::rc::Rc::new(spawn_app().await);
    let key = DpopKey::generate().unwrap();
    for _round in 0..8 {
        let token = bound_token(&app, &key);
        let proof = proof_for(&app, &key, "GET", "/api/me", &token);
        let copies: Vec<_> = (0..12)
            .map(|_| {
                let (app, token, proof) = (app.clone(), token.clone(), proof.clone());
                actix_rt::spawn(async move {
                    dpop_get(&app, "/api/me", &token, &[&proof])
                        .await
                        .status()
                        .as_u16()
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for copy in copies {
            statuses.push(copy.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|status| **status == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|status| matches!(status, 200 | 401)),
            "{statuses:?}"
        );
    }
}

#[actix_rt::test]
async fn an_unbound_token_sent_with_the_dpop_scheme_is_invalid_token() {
    let app = spawn_app().await;
    let key = DpopKey::generate().unwrap();
    let token = app.token_for("alice", "profile");
    let proof = proof_for(&app, &key, "GET", "/api/me", &token);

    let response = dpop_get(&app, "/api/me", &token, &[&proof]).await;
    assert_dpop_refused(response, "invalid_token").await;
}

/// §7.1: a request without a token hears both schemes, and the RFC 9728
/// document names the proof algorithms.
#[actix_rt::test]
async fn without_a_token_both_schemes_are_challenged_and_the_metadata_lists_the_algorithms() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenges = challenges(&response);
    assert_eq!(challenges.len(), 2, "{challenges:?}");
    assert!(challenges[0].starts_with("Bearer realm="), "{challenges:?}");
    assert!(challenges[1].starts_with("DPoP realm="), "{challenges:?}");
    assert!(challenges
        .iter()
        .all(|challenge| !challenge.contains("error=")));

    let metadata = app.fetch_json(&app.metadata_url()).await;
    assert_eq!(
        metadata["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA", "RS256"])
    );
}

/// §9 under `--dpop-nonce`: a proof without a nonce of ours is answered
/// `use_dpop_nonce` with one in `DPoP-Nonce`; a proof made with it opens
/// the API; a forged nonce is refused the same way (stale ones: the unit
/// tests of `oauth_types::dpop_nonce`).
#[actix_rt::test]
async fn under_dpop_nonce_a_proof_needs_a_current_nonce_of_this_resource() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = crate::helpers::spawn_app_with(crate::helpers::Options {
            database_url: Some(database_url),
            dpop_nonce: true,
            ..crate::helpers::Options::default()
        })
        .await;
        let key = DpopKey::generate().unwrap();
        let token = bound_token(&app, &key);
        let url = url::Url::parse(&app.url("/api/me")).unwrap();
        let with_nonce = |nonce: &str| {
            key.proof(
                "GET",
                &url,
                service_kit::clock::now(),
                Some(&AccessToken::new(&token)),
                Some(nonce),
            )
            .unwrap()
        };

        let first = dpop_get(
            &app,
            "/api/me",
            &token,
            &[&proof_for(&app, &key, "GET", "/api/me", &token)],
        )
        .await;
        let nonce = first.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        assert_dpop_refused(first, "use_dpop_nonce").await;
        let foreign = dpop_get(&app, "/api/me", &token, &[&with_nonce("1.AAAA")]).await;
        assert_dpop_refused(foreign, "use_dpop_nonce").await;

        let answered = dpop_get(&app, "/api/me", &token, &[&with_nonce(&nonce)]).await;
        assert_eq!(answered.status(), 200);
    }
}
