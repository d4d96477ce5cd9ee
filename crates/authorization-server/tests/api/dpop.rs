//! DPoP (RFC 9449) at `/token`: proofs checked for every grant, tokens
//! bound to the proof's key, refusals that spend nothing, on every backend.

use authorization_server::testing::{browser, Flow, IssuedCode, TestAuthorizationServer};
use oauth_types::dpop::DpopKey;
use serde_json::{json, Value};

use crate::helpers::{
    assert_refused, client_credentials_client, error_of, introspect, json, jwt_config, spawn_apps,
};

/// A proof by `key` for `POST {issuer}/token` at the server's time.
pub fn token_proof(app: &TestAuthorizationServer, key: &DpopKey) -> String {
    proof_for(app, key, "POST", "/token", None)
}

/// A proof by `key` for `method {issuer}{path}`, naming `access_token`.
pub fn proof_for(
    app: &TestAuthorizationServer,
    key: &DpopKey,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> String {
    let url = url::Url::parse(&format!("{}{path}", app.url)).unwrap();
    let token = access_token.map(oauth_types::secret::AccessToken::new);
    key.proof(method, &url, app.clock.now(), token.as_ref(), None)
        .unwrap()
}

/// Two fresh keys: the client's, and another (a thief's).
pub fn two_keys() -> (DpopKey, DpopKey) {
    (DpopKey::generate().unwrap(), DpopKey::generate().unwrap())
}

/// A proof by `key` with `claims` changed from those of a valid one.
fn proof_with(app: &TestAuthorizationServer, key: &DpopKey, changes: Value) -> String {
    let mut claims = json!({
        "jti": oauth_types::secret::generate_credential(),
        "htm": "POST",
        "htu": format!("{}/token", app.url),
        "iat": app.clock.now(),
    });
    for (name, value) in changes.as_object().unwrap() {
        claims[name] = value.clone();
    }
    key.sign(&claims).unwrap()
}

/// `strava-mobile` (public) for `hamza`, asking `openid profile post`.
pub fn mobile() -> Flow<'static> {
    Flow {
        client_id: "strava-mobile",
        client_secret: None,
        redirect_uri: "http://127.0.0.1:8765/callback",
        scope: "openid profile post",
        ..Flow::demo()
    }
}

fn dpop_client() -> Flow<'static> {
    Flow {
        client_id: "strava-dpop",
        ..mobile()
    }
}

async fn exchange(
    app: &TestAuthorizationServer,
    flow: &Flow<'_>,
    code: &IssuedCode,
    proof: Option<&str>,
) -> (u16, Value) {
    json(app.exchange_code_proving(flow, code, proof).await).await
}

/// A fresh key, and the answer to the demo client's code exchange with a
/// proof by it.
async fn demo_exchange_proven(app: &TestAuthorizationServer) -> (DpopKey, (u16, Value)) {
    let key = DpopKey::generate().unwrap();
    let code = app.obtain_code(&Flow::demo()).await;
    let answer = exchange(app, &Flow::demo(), &code, Some(&token_proof(app, &key))).await;
    (key, answer)
}

async fn refresh(
    app: &TestAuthorizationServer,
    flow: &Flow<'_>,
    refresh_token: &str,
    proof: Option<&str>,
) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    json(
        app.token_request_proving(flow.client_id, flow.client_secret, &form, proof)
            .await,
    )
    .await
}

/// Asserts that `/token` issued tokens of `token_type` (RFC 9449 §5: `DPoP`
/// when they are bound to the proof's key).
fn assert_issued((status, tokens): &(u16, Value), token_type: &str) {
    assert_eq!(
        (*status, tokens["token_type"].as_str()),
        (200, Some(token_type)),
        "{tokens}"
    );
}

#[actix_rt::test]
async fn both_metadata_documents_list_the_dpop_algorithms() {
    for app in spawn_apps().await {
        for path in [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ] {
            let (_, document) =
                json(reqwest::get(format!("{}{path}", app.url)).await.unwrap()).await;
            let algs = &document["dpop_signing_alg_values_supported"];
            assert_eq!(algs, &json!(["ES256", "EdDSA", "RS256"]), "{path}");
        }
    }
}

#[actix_rt::test]
async fn a_proof_binds_the_access_token_which_introspection_reports_with_cnf_jkt() {
    for app in spawn_apps().await {
        let (key, (status, tokens)) = demo_exchange_proven(&app).await;

        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "DPoP");
        let answer = introspect(&app, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["token_type"], "DPoP");
        assert_eq!(answer["cnf"]["jkt"], key.thumbprint().unwrap().as_str());
        // Without a proof, the same grant gives a bearer token and no cnf.
        let bearer = app.obtain_tokens(&Flow::demo()).await;
        assert_eq!(bearer.token_type, "Bearer");
        let answer = introspect(&app, bearer.access_token.secret()).await;
        assert_eq!(answer["token_type"], "Bearer");
        assert!(answer.get("cnf").is_none(), "{answer}");
    }
}

#[actix_rt::test]
async fn a_jwt_access_token_carries_the_keys_thumbprint_in_cnf() {
    for url in service_kit::testing::test_database_urls().await {
        let app = authorization_server::testing::spawn_with(jwt_config(&url)).await;
        let (key, (_, tokens)) = demo_exchange_proven(&app).await;

        let token = tokens["access_token"].as_str().unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["cnf"]["jkt"], key.thumbprint().unwrap().as_str());
    }
}

#[actix_rt::test]
async fn refused_proofs_answer_invalid_dpop_proof_and_spend_nothing() {
    for app in spawn_apps().await {
        let key = DpopKey::generate().unwrap();
        let code = app.obtain_code(&Flow::demo()).await;
        let other_server = "http://elsewhere.example/token";
        let refused = [
            (
                "another method",
                proof_with(&app, &key, json!({"htm": "GET"})),
            ),
            (
                "another URL",
                proof_with(&app, &key, json!({"htu": other_server})),
            ),
            (
                "an old iat",
                proof_with(&app, &key, json!({"iat": app.clock.now() - 300})),
            ),
            ("no jti", proof_with(&app, &key, json!({"jti": ""}))),
            ("not a JWT", "not-a-proof".to_owned()),
        ];
        for (what, proof) in &refused {
            let (status, body) = exchange(&app, &Flow::demo(), &code, Some(proof)).await;
            assert_eq!(
                error_of(status, &body),
                (400, Some("invalid_dpop_proof")),
                "{what}: {body}"
            );
        }

        let (status, tokens) =
            exchange(&app, &Flow::demo(), &code, Some(&token_proof(&app, &key))).await;
        assert_eq!(status, 200, "the code is still unspent: {tokens}");
    }
}

#[actix_rt::test]
async fn two_dpop_headers_are_refused() {
    for app in spawn_apps().await {
        app.register_client(client_credentials_client("batch", "batch-secret"))
            .await;
        let key = DpopKey::generate().unwrap();
        let response = reqwest::Client::new()
            .post(format!("{}/token", app.url))
            .basic_auth("batch", Some("batch-secret"))
            .header("DPoP", token_proof(&app, &key))
            .header("DPoP", token_proof(&app, &key))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_refused(&json(response).await, (400, "invalid_dpop_proof"));
    }
}

/// §11.1, under concurrency: of simultaneous token requests carrying one
/// proof, exactly one is answered, round after round (the replay check is
/// one conditional INSERT shared by every instance).
#[actix_rt::test]
async fn a_proof_is_accepted_once_even_when_raced() {
    const ROUNDS: usize = 12;
    const TWINS: usize = 6;
    for app in spawn_apps().await {
        app.register_client(client_credentials_client("batch", "batch-secret"))
            .await;
        let app = std::sync::Arc::new(app);
        let key = DpopKey::generate().unwrap();
        for round in 0..ROUNDS {
            let proof = token_proof(&app, &key);
            let twins: Vec<_> = (0..TWINS)
                .map(|_| {
                    let (app, proof) = (app.clone(), proof.clone());
                    actix_rt::spawn(async move {
                        let form = [("grant_type", "client_credentials")];
                        let response = app
                            .token_request_proving(
                                "batch",
                                Some("batch-secret"),
                                &form,
                                Some(&proof),
                            )
                            .await;
                        json(response).await
                    })
                })
                .collect();
            let mut answers = Vec::new();
            for twin in twins {
                answers.push(twin.await.unwrap());
            }

            let winners = answers.iter().filter(|(status, _)| *status == 200).count();
            assert_eq!(winners, 1, "round {round}: {answers:?}");
            for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
                assert_eq!(error_of(*status, body), (400, Some("invalid_dpop_proof")));
            }
        }
    }
}

#[actix_rt::test]
async fn a_dpop_bound_client_is_refused_without_a_proof() {
    for app in spawn_apps().await {
        let flow = dpop_client();
        let code = app.obtain_code(&flow).await;

        let unproven = exchange(&app, &flow, &code, None).await;
        assert_refused(&unproven, (400, "invalid_dpop_proof"));

        let key = DpopKey::generate().unwrap();
        let proven = exchange(&app, &flow, &code, Some(&token_proof(&app, &key))).await;
        assert_issued(&proven, "DPoP");
    }
}

#[actix_rt::test]
async fn a_public_clients_refresh_token_is_bound_to_its_key() {
    for app in spawn_apps().await {
        let (flow, (key, thief)) = (mobile(), two_keys());
        let code = app.obtain_code(&flow).await;
        let (_, tokens) = exchange(&app, &flow, &code, Some(&token_proof(&app, &key))).await;
        let refresh_token = tokens["refresh_token"].as_str().unwrap();

        let unproven = refresh(&app, &flow, refresh_token, None).await;
        assert_refused(&unproven, (400, "invalid_grant"));
        let by_thief = refresh(&app, &flow, refresh_token, Some(&token_proof(&app, &thief))).await;
        assert_refused(&by_thief, (400, "invalid_grant"));

        let renewed = refresh(&app, &flow, refresh_token, Some(&token_proof(&app, &key))).await;
        assert_issued(&renewed, "DPoP");
        let rotated = renewed.1["refresh_token"].as_str().unwrap();
        let (status, _) = refresh(&app, &flow, rotated, Some(&token_proof(&app, &thief))).await;
        assert_eq!(status, 400, "the rotated refresh token is bound too");
    }
}

#[actix_rt::test]
async fn a_confidential_clients_refresh_token_is_not_bound() {
    for app in spawn_apps().await {
        let (_, (_, tokens)) = demo_exchange_proven(&app).await;

        let refresh_token = tokens["refresh_token"].as_str().unwrap();
        let renewed = refresh(&app, &Flow::demo(), refresh_token, None).await;

        assert_issued(&renewed, "Bearer");
    }
}

#[actix_rt::test]
async fn a_code_requested_with_dpop_jkt_needs_a_proof_by_that_key() {
    for app in spawn_apps().await {
        let (flow, (key, other)) = (mobile(), two_keys());
        let jkt = key.thumbprint().unwrap();
        let code = app
            .obtain_code_asking(&browser(), &flow, &[("dpop_jkt", jkt.as_str())])
            .await;

        let unproven = exchange(&app, &flow, &code, None).await;
        assert_refused(&unproven, (400, "invalid_grant"));
        let by_other = exchange(&app, &flow, &code, Some(&token_proof(&app, &other))).await;
        assert_refused(&by_other, (400, "invalid_grant"));

        let proven = exchange(&app, &flow, &code, Some(&token_proof(&app, &key))).await;
        assert_issued(&proven, "DPoP");
    }
}

#[actix_rt::test]
async fn a_malformed_dpop_jkt_goes_back_to_the_client_as_invalid_request() {
    for app in spawn_apps().await {
        let response =
            crate::helpers::authorize_with(&app, "dpop_jkt", Some("not-a-thumbprint")).await;

        let answer = crate::helpers::redirect_params(&response);
        assert_eq!(
            answer.get("error").map(String::as_str),
            Some("invalid_request")
        );
        assert_eq!(answer.get("state").map(String::as_str), Some("xyz-state"));
    }
}

/// §8 under `--dpop-nonce`: a proof without a current nonce of ours is
/// `400 use_dpop_nonce` with one in `DPoP-Nonce`; a proof with it is
/// answered, by any instance sharing the database; two windows later the
/// nonce is stale and the answer is a fresh one again.
#[actix_rt::test]
async fn under_dpop_nonce_a_token_request_needs_a_current_nonce_from_any_instance() {
    for url in service_kit::testing::test_database_urls().await {
        let config = || authorization_server::Config {
            dpop_nonce: true,
            ..authorization_server::Config::for_test(&url)
        };
        let first = authorization_server::testing::spawn_with(config()).await;
        let second = authorization_server::testing::spawn_with(config()).await;
        first
            .register_client(client_credentials_client("batch", "batch-secret"))
            .await;
        let key = DpopKey::generate().unwrap();
        let asked = batch_token_request(&first, &key, None).await;
        let nonce = asked.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        let (status, body) = json(asked).await;
        assert_eq!(error_of(status, &body), (400, Some("use_dpop_nonce")));
        let with_nonce = json(batch_token_request(&second, &key, Some(&nonce)).await).await;
        assert_issued(&with_nonce, "DPoP");

        second.advance_clock(2 * oauth_types::dpop_nonce::WINDOW_SECONDS);
        let stale = batch_token_request(&second, &key, Some(&nonce)).await;
        let fresh = stale.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        assert_ne!(fresh, nonce);
        let (status, body) = json(stale).await;
        assert_eq!(error_of(status, &body), (400, Some("use_dpop_nonce")));
    }
}

/// A client_credentials request of `batch` with a proof by `key` carrying
/// `nonce`.
async fn batch_token_request(
    app: &TestAuthorizationServer,
    key: &DpopKey,
    nonce: Option<&str>,
) -> reqwest::Response {
    let url = url::Url::parse(&format!("{}/token", app.url)).unwrap();
    let proof = key
        .proof("POST", &url, app.clock.now(), None, nonce)
        .unwrap();
    let form = [("grant_type", "client_credentials")];
    app.token_request_proving("batch", Some("batch-secret"), &form, Some(&proof))
        .await
}
