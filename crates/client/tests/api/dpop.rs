//! DPoP (RFC 9449) for the Facebook connection, against the fakes: the
//! code bound with `dpop_jkt`, a proof on every token request and every
//! resource call, Bearer when DPoP is off or not offered, and the private
//! key kept off every page (security rule 38, the client's part).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth_types::dpop::{access_token_hash, verify_proof, DpopKey, ProofCheck, VerifiedProof};
use oauth_types::secret::AccessToken;

use crate::fake_dpop::now;
use crate::helpers::{spawn_app_with, Options, TestApp};

/// The client against fakes whose authorization server offers DPoP.
pub async fn dpop_app(database_url: String) -> TestApp {
    let app = spawn_app_with(Options::new(database_url)).await;
    app.world().dpop.algorithms = vec!["ES256".to_owned(), "EdDSA".to_owned()];
    app
}

/// A proof's claims, decoded.
pub fn claims(proof: &str) -> serde_json::Value {
    jsonwebtoken::dangerous::insecure_decode_claims(proof).unwrap()
}

/// Checks `proof` as a server would (RFC 9449 §4.3) for `POST url`.
pub fn verified(
    proof: &str,
    url: &str,
    token: Option<&AccessToken>,
    nonce: Option<&str>,
) -> VerifiedProof {
    let url = url::Url::parse(url).unwrap();
    let check = ProofCheck {
        method: "POST",
        url: &url,
        now: now(),
        access_token: token,
        nonce,
    };
    verify_proof(proof, &check).unwrap_or_else(|error| panic!("{error}: {:?}", claims(proof)))
}

/// The stored connection: its key (as stored) and token type.
async fn stored_connection(app: &TestApp) -> (Option<String>, String) {
    app.fetch_one("SELECT dpop_key, token_type FROM connections")
        .await
}

#[actix_rt::test]
async fn connecting_binds_the_code_to_a_new_key_and_proves_it_at_the_token_endpoint() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = dpop_app(database_url).await;

        let redirect = app.connect().await;
        let dpop_jkt = redirect.params["dpop_jkt"].clone();
        let callback = app
            .callback_of(&redirect, &[("code", "a-code-for-a-bound-token")])
            .await;

        assert_eq!(callback.status().as_u16(), 303);
        let proof = app.world().dpop.token_proofs[0].clone().expect("a proof");
        let token_endpoint = format!("{}/token", app.issuer);
        let proved = verified(&proof, &token_endpoint, None, None);
        assert_eq!(
            proved.jkt.as_str(),
            dpop_jkt,
            "dpop_jkt names the proof's key"
        );
        let claims = claims(&proof);
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], token_endpoint);
        assert!(claims.get("ath").is_none(), "no token yet to name");
        let (key, token_type) = stored_connection(&app).await;
        assert_eq!(token_type, "DPoP");
        let key = URL_SAFE_NO_PAD
            .decode(key.expect("the key is kept"))
            .unwrap();
        let key = DpopKey::from_pkcs8(&key).unwrap();
        assert_eq!(key.thumbprint().unwrap().as_str(), dpop_jkt);
    }
}

#[actix_rt::test]
async fn each_connection_gets_its_own_key() {
    let app = dpop_app(service_kit::testing::sqlite_url()).await;
    let first = app.connect().await.params["dpop_jkt"].clone();
    let second = app.connect().await.params["dpop_jkt"].clone();
    assert_ne!(first, second);
}

#[actix_rt::test]
async fn resource_calls_send_the_token_as_dpop_with_a_proof_naming_it_and_refreshes_prove_the_key()
{
    for database_url in service_kit::testing::test_database_urls().await {
        let app = dpop_app(database_url).await;
        app.connect_fully().await;
        let jkt = app.world().dpop.bound.values().next().cloned().unwrap();

        let home = app.act("/post", &[("message", "bound to a key")]).await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        let call = app.world().resource_calls.last().cloned().unwrap();
        let token = call.authorization.unwrap();
        let token = AccessToken::new(token.strip_prefix("DPoP ").expect("the DPoP scheme"));
        let proof = app.world().dpop.resource_proofs.last().cloned().unwrap();
        let proof = proof.expect("a proof with the call");
        let posts = format!("{}/api/posts", app.world().resource_url);
        assert_eq!(verified(&proof, &posts, Some(&token), None).jkt, jkt);
        let sent = claims(&proof);
        assert_eq!(sent["ath"], access_token_hash(&token));
        assert_eq!(
            (sent["htm"].as_str(), sent["htu"].as_str()),
            (Some("POST"), Some(posts.as_str()))
        );

        // Two refreshes: each proves the same key, with a fresh jti.
        for message in ["after the first refresh", "after the second"] {
            app.expire_access_token().await;
            let home = app.act("/post", &[("message", message)]).await;
            assert!(home.contains("Posted to Facebook"), "{home}");
        }
        let world = app.world();
        assert_eq!(world.token_requests.len(), 3);
        assert_eq!(world.last_token_request()["grant_type"], "refresh_token");
        let token_endpoint = format!("{}/token", world.issuer);
        let jtis: std::collections::HashSet<String> = world
            .dpop
            .token_proofs
            .iter()
            .map(|proof| {
                let proof = proof.as_deref().expect("every token request has a proof");
                assert_eq!(verified(proof, &token_endpoint, None, None).jkt, jkt);
                claims(proof)["jti"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(jtis.len(), 3, "a fresh jti for each request");
        let resource_jtis: std::collections::HashSet<String> = world
            .dpop
            .resource_proofs
            .iter()
            .flatten()
            .map(|proof| claims(proof)["jti"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(resource_jtis.len(), 3);
    }
}

#[actix_rt::test]
async fn a_bound_token_the_resource_refuses_is_refreshed_with_a_proof_and_the_call_retried() {
    let app = dpop_app(service_kit::testing::sqlite_url()).await;
    app.connect_fully().await;
    // The server forgets the token: the resource answers invalid_token.
    app.world().access_tokens.clear();

    let home = app.act("/post", &[("message", "after a refusal")]).await;

    assert!(home.contains("Posted to Facebook"), "{home}");
    let world = app.world();
    assert_eq!(world.last_token_request()["grant_type"], "refresh_token");
    let refresh_proof = world.dpop.token_proofs.last().cloned().unwrap().unwrap();
    let token_endpoint = format!("{}/token", world.issuer);
    let jkt = verified(&refresh_proof, &token_endpoint, None, None).jkt;
    let calls = &world.resource_calls;
    assert_eq!(calls.len(), 2, "refused, then retried");
    let retried = calls[1].authorization.clone().unwrap();
    let token = AccessToken::new(retried.strip_prefix("DPoP ").unwrap());
    assert_eq!(
        world.dpop.bound[token.secret()],
        jkt,
        "the new token, same key"
    );
    let proof = world.dpop.resource_proofs[1].clone().unwrap();
    let posts = format!("{}/api/posts", world.resource_url);
    assert_eq!(verified(&proof, &posts, Some(&token), None).jkt, jkt);
}

/// The calls of the first connection carried no DPoP at all.
fn assert_bearer_only(app: &TestApp) {
    let world = app.world();
    assert!(
        world.dpop.token_proofs.iter().all(Option::is_none),
        "no proof at /token"
    );
    let call = world.resource_calls.last().cloned().unwrap();
    assert!(call
        .authorization
        .unwrap()
        .starts_with("Bearer access-token-"));
    assert!(world.dpop.resource_proofs.iter().all(Option::is_none));
}

#[actix_rt::test]
async fn with_no_dpop_the_client_sends_bearer_tokens_and_no_proof() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = spawn_app_with(Options {
            no_dpop: true,
            ..Options::new(database_url)
        })
        .await;
        app.world().dpop.algorithms = vec!["ES256".to_owned()];

        let redirect = app.connect().await;
        assert!(!redirect.params.contains_key("dpop_jkt"));
        app.callback_of(&redirect, &[("code", "c")]).await;
        let home = app.act("/post", &[("message", "as a bearer")]).await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        assert_bearer_only(&app);
        assert_eq!(stored_connection(&app).await, (None, "Bearer".to_owned()));
    }
}

#[actix_rt::test]
async fn a_server_that_offers_no_algorithm_the_client_signs_with_gets_bearer_tokens() {
    // No `dpop_signing_alg_values_supported`, then only RS256: the client
    // signs ES256 only.
    for algorithms in [vec![], vec!["RS256".to_owned()]] {
        let app = spawn_app_with(Options::new(service_kit::testing::sqlite_url())).await;
        app.world().dpop.algorithms = algorithms;

        let redirect = app.connect().await;
        assert!(!redirect.params.contains_key("dpop_jkt"));
        app.callback_of(&redirect, &[("code", "c")]).await;
        app.act("/post", &[("message", "as a bearer")]).await;

        assert_bearer_only(&app);
    }
}

#[actix_rt::test]
async fn a_token_answered_as_bearer_stays_a_bearer_token() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = dpop_app(database_url).await;
        app.world().dpop.answer_bearer = true;

        app.connect_fully().await;
        let home = app.act("/post", &[("message", "unbound")]).await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        assert!(
            app.world().dpop.token_proofs[0].is_some(),
            "the proof was sent"
        );
        let call = app.world().resource_calls.last().cloned().unwrap();
        assert!(call.authorization.unwrap().starts_with("Bearer "));
        assert!(app.world().dpop.resource_proofs.iter().all(Option::is_none));
        let (key, token_type) = stored_connection(&app).await;
        assert_eq!(token_type, "Bearer");
        assert!(key.is_some(), "the key stays, for the refreshes");
    }
}

#[actix_rt::test]
async fn the_behind_the_scenes_page_shows_each_proof_decoded_and_never_the_private_key() {
    let app = dpop_app(service_kit::testing::sqlite_url()).await;
    app.connect_fully().await;
    let (stored, _) = stored_connection(&app).await;
    let stored = stored.unwrap();
    let key = DpopKey::from_pkcs8(&URL_SAFE_NO_PAD.decode(&stored).unwrap()).unwrap();
    let thumbprint = key.thumbprint().unwrap();

    let callback_page = app.behind_the_scenes().await;
    app.act("/post", &[("message", "shown")]).await;
    let post_page = app.behind_the_scenes().await;

    // askama escapes quotes; the JSON reads better unescaped.
    let callback_page = callback_page.replace("&#34;", "\"");
    let post_page = post_page.replace("&#34;", "\"");
    let at_callback = [
        "dpop_jkt",
        "RFC 9449 §5",
        r#""typ":"dpop+jwt""#,
        r#""jwk":{"#,
        r#""htu":"#,
        r#""jti":"#,
        r#""iat":"#,
        "token_type: DPoP",
        thumbprint.as_str(),
    ];
    let at_post = [
        "Authorization: DPoP",
        r#""ath":"#,
        r#""htm":"POST""#,
        "RFC 9449 §7.1",
    ];
    for (page, expected) in [
        (&callback_page, &at_callback[..]),
        (&post_page, &at_post[..]),
    ] {
        for wanted in expected {
            assert!(page.contains(wanted), "{wanted} missing from {page}");
        }
    }
    let private = client::testing::private_scalar(key.pkcs8());
    let home = app.home().await;
    for page in [&callback_page, &post_page, &home] {
        assert!(!page.contains(&stored), "the stored key on a page");
        assert!(!page.contains(&private), "the private scalar on a page");
        assert!(!page.contains(r#""d":"#), "a private JWK member on a page");
    }
    let proof = app.world().dpop.token_proofs[0].clone().unwrap();
    assert!(
        !callback_page.contains(&proof),
        "the compact proof is not shown"
    );
}
