//! ID tokens of the code flow and of a refresh (OpenID Connect Core
//! §3.1.3.6, §12.2), on every backend.

use authorization_server::jwt::SigningAlgorithm;
use authorization_server::store::clients;
use authorization_server::testing::browser;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;

use crate::helpers::{introspect, json, refresh_as_strava, spawn_apps};
use crate::oidc_flow::{id_token, tokens, verify_id_token};

const EVERYTHING: &str = "openid profile email post";

/// Core §3.1.3.6: base64url of the left half of SHA-256 of the token.
fn rs256_at_hash(access_token: &str) -> String {
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
}

#[actix_rt::test]
async fn an_openid_code_flow_answers_an_rs256_id_token_with_every_claim_the_scopes_allow() {
    for app in spawn_apps().await {
        let before = app.clock.now();
        let answer = tokens(
            &app,
            &browser(),
            EVERYTHING,
            &[("nonce", "n-0S6_WzA2Mj")],
            "hamza",
        )
        .await;

        let (header, claims) = verify_id_token(&app, id_token(&answer), "strava").await;

        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(claims["iss"], app.url);
        assert_eq!(claims["aud"], "strava");
        assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
        let access_token = answer["access_token"].as_str().unwrap();
        assert_eq!(claims["at_hash"], rs256_at_hash(access_token));
        let introspected = introspect(&app, access_token).await;
        assert_eq!(
            claims["sub"], introspected["sub"],
            "the same sub everywhere"
        );
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        let auth_time = claims["auth_time"].as_i64().unwrap();
        assert!(
            before <= auth_time && auth_time <= iat && iat < exp,
            "{claims}"
        );
        assert_eq!(claims["name"], "Hamza Ali");
        assert_eq!(claims["preferred_username"], "hamza");
        assert_eq!(claims["email"], "hamza@example.com");
        assert_eq!(claims["email_verified"], true);
    }
}

#[actix_rt::test]
async fn without_openid_there_is_no_id_token_and_without_nonce_no_nonce_claim() {
    for app in spawn_apps().await {
        let oauth = tokens(
            &app,
            &browser(),
            "profile post",
            &[("nonce", "ignored")],
            "hamza",
        )
        .await;
        let openid = tokens(&app, &browser(), "openid", &[], "alice").await;

        assert!(oauth.get("id_token").is_none(), "{oauth}");
        let (_, claims) = verify_id_token(&app, id_token(&openid), "strava").await;
        assert!(claims.get("nonce").is_none(), "{claims}");
        for claim in ["name", "preferred_username", "email", "email_verified"] {
            assert!(claims.get(claim).is_none(), "{claim} without its scope");
        }
    }
}

#[actix_rt::test]
async fn scope_email_releases_the_email_claims_and_profile_the_names_each_alone() {
    for app in spawn_apps().await {
        let email = tokens(&app, &browser(), "openid email", &[], "alice").await;
        let profile = tokens(&app, &browser(), "openid profile", &[], "alice").await;

        let (_, email) = verify_id_token(&app, id_token(&email), "strava").await;
        let (_, profile) = verify_id_token(&app, id_token(&profile), "strava").await;

        assert_eq!(email["email"], "alice@example.com");
        assert_eq!(email["email_verified"], true);
        assert!(email.get("name").is_none(), "{email}");
        assert_eq!(profile["name"], "Alice Martin");
        assert_eq!(profile["preferred_username"], "alice");
        assert!(profile.get("email").is_none(), "{profile}");
    }
}

#[actix_rt::test]
async fn a_refresh_answers_a_new_id_token_with_the_same_sub_and_auth_time_and_no_nonce() {
    for app in spawn_apps().await {
        let first = tokens(&app, &browser(), EVERYTHING, &[("nonce", "once")], "hamza").await;
        let (_, original) = verify_id_token(&app, id_token(&first), "strava").await;
        app.advance_clock(120);

        let refresh = first["refresh_token"].as_str().unwrap();
        let (status, second) = json(refresh_as_strava(&app, refresh).await).await;

        assert_eq!(status, 200, "{second}");
        let (_, renewed) = verify_id_token(&app, id_token(&second), "strava").await;
        assert_eq!(renewed["sub"], original["sub"]);
        assert_eq!(renewed["auth_time"], original["auth_time"]);
        assert!(renewed["iat"].as_i64() >= Some(original["iat"].as_i64().unwrap() + 120));
        assert!(renewed.get("nonce").is_none(), "Core §12.2: {renewed}");
        let access_token = second["access_token"].as_str().unwrap();
        assert_eq!(renewed["at_hash"], rs256_at_hash(access_token));
    }
}

#[actix_rt::test]
async fn auth_time_is_when_the_user_logged_in_not_when_the_token_was_issued() {
    for app in spawn_apps().await {
        let browser = browser();
        let first = tokens(&app, &browser, "openid profile", &[], "hamza").await;
        app.advance_clock(300);

        let second = tokens(&app, &browser, "openid profile", &[], "hamza").await;

        let (_, first) = verify_id_token(&app, id_token(&first), "strava").await;
        let (_, second) = verify_id_token(&app, id_token(&second), "strava").await;
        assert_eq!(second["auth_time"], first["auth_time"], "the same login");
        assert!(second["iat"].as_i64() >= Some(first["iat"].as_i64().unwrap() + 300));
    }
}

#[actix_rt::test]
async fn a_client_registered_for_eddsa_gets_eddsa_id_tokens_verifiable_with_the_jwk_set() {
    for app in spawn_apps().await {
        let registered = clients::set_openid_settings(
            app.database().pool(),
            "strava",
            &[],
            SigningAlgorithm::EdDSA,
        )
        .await
        .unwrap();
        assert!(registered);

        let answer = tokens(&app, &browser(), "openid", &[], "hamza").await;

        let (header, claims) = verify_id_token(&app, id_token(&answer), "strava").await;
        assert_eq!(header.alg, Algorithm::EdDSA);
        let hash = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA512,
            answer["access_token"].as_str().unwrap().as_bytes(),
        );
        assert_eq!(
            claims["at_hash"],
            URL_SAFE_NO_PAD.encode(&hash.as_ref()[..32])
        );
    }
}
