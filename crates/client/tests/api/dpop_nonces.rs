//! Server-provided DPoP nonces (RFC 9449 §8 at the authorization server,
//! §9 at the resource): a `use_dpop_nonce` answer gets the request once
//! more with the nonce, never a third time, and the nonce is used from
//! then on.

use oauth_types::secret::AccessToken;

use crate::dpop::{claims, dpop_app, verified};
use crate::fake_dpop::NonceDemand;

#[actix_rt::test]
async fn the_authorization_server_asking_for_a_nonce_gets_the_token_request_once_more_with_it() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = dpop_app(database_url).await;
        app.world().dpop.nonce_at_token = NonceDemand::Require("as-nonce-1".to_owned());

        let callback = app.connect_fully().await;

        assert_eq!(callback.status().as_u16(), 303, "connected");
        let token_endpoint = format!("{}/token", app.issuer);
        let proofs = app.world().dpop.token_proofs.clone();
        assert_eq!(proofs.len(), 2, "refused for want of a nonce, then retried");
        let first = proofs[0].as_deref().unwrap();
        let second = proofs[1].as_deref().unwrap();
        assert!(claims(first).get("nonce").is_none());
        verified(second, &token_endpoint, None, Some("as-nonce-1"));
        assert_ne!(claims(first)["jti"], claims(second)["jti"]);
        let trace = app.behind_the_scenes().await;
        assert!(trace.contains("use_dpop_nonce"), "{trace}");
        assert!(
            trace.contains("DPoP-Nonce: as-nonce-1") || trace.contains("dpop-nonce: as-nonce-1"),
            "{trace}"
        );

        // The refresh starts with the nonce it was given: one request.
        app.expire_access_token().await;
        let home = app.act("/post", &[("message", "with the nonce")]).await;
        assert!(home.contains("Posted to Facebook"), "{home}");
        let proofs = app.world().dpop.token_proofs.clone();
        assert_eq!(proofs.len(), 3);
        verified(
            proofs[2].as_deref().unwrap(),
            &token_endpoint,
            None,
            Some("as-nonce-1"),
        );
    }
}

#[actix_rt::test]
async fn an_authorization_server_that_keeps_asking_for_nonces_is_asked_twice_and_nothing_is_stored()
{
    let app = dpop_app(service_kit::testing::sqlite_url()).await;
    app.world().dpop.nonce_at_token = NonceDemand::Endlessly;

    let callback = app.connect_fully().await;

    assert_eq!(callback.status().as_u16(), 400);
    let page = callback.text().await.unwrap();
    assert!(page.contains("use_dpop_nonce"), "{page}");
    assert_eq!(app.world().dpop.token_proofs.len(), 2, "twice, not forever");
    assert_eq!(app.count("connections").await, 0);
}

#[actix_rt::test]
async fn the_resource_asking_for_a_nonce_gets_the_call_once_more_with_it() {
    for database_url in service_kit::testing::test_database_urls().await {
        let app = dpop_app(database_url).await;
        app.connect_fully().await;
        app.world().dpop.nonce_at_resource = NonceDemand::Require("rs-nonce-1".to_owned());

        let home = app
            .act("/post", &[("message", "with the resource's nonce")])
            .await;

        assert!(home.contains("Posted to Facebook"), "{home}");
        {
            let world = app.world();
            assert_eq!(world.resource_calls.len(), 2, "refused, then retried");
            let token = world.resource_calls[1].authorization.clone().unwrap();
            let token = AccessToken::new(token.strip_prefix("DPoP ").unwrap());
            let posts = format!("{}/api/posts", world.resource_url);
            let first = world.dpop.resource_proofs[0].clone().unwrap();
            let second = world.dpop.resource_proofs[1].clone().unwrap();
            assert!(claims(&first).get("nonce").is_none());
            verified(&second, &posts, Some(&token), Some("rs-nonce-1"));
            // Each server's nonce is its own: the token endpoint's proofs had none.
            assert!(world
                .dpop
                .token_proofs
                .iter()
                .flatten()
                .all(|proof| claims(proof).get("nonce").is_none()));
        }

        // The next call carries the nonce at once.
        app.act("/post", &[("message", "again")]).await;
        let world = app.world();
        assert_eq!(world.resource_calls.len(), 3);
        let third = world.dpop.resource_proofs[2].clone().unwrap();
        assert_eq!(claims(&third)["nonce"], "rs-nonce-1");
    }
}

#[actix_rt::test]
async fn a_resource_that_keeps_asking_for_nonces_is_asked_twice_and_the_refusal_shown() {
    let app = dpop_app(service_kit::testing::sqlite_url()).await;
    app.connect_fully().await;
    app.world().dpop.nonce_at_resource = NonceDemand::Endlessly;

    let home = app.act("/post", &[("message", "never accepted")]).await;

    assert!(home.contains("use_dpop_nonce"), "{home}");
    assert_eq!(app.world().resource_calls.len(), 2, "twice, not forever");
    assert_eq!(app.world().token_requests.len(), 1, "no refresh for it");
}
