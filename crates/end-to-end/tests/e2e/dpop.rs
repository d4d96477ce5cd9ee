//! DPoP (RFC 9449) across the three real roles, on every backend: hamza
//! connects Strava and posts; the token Strava holds is bound to the key
//! Strava made for this connection (the authorization server says so at
//! introspection, and a JWT access token names it in `cnf.jkt`), and the
//! behind-the-scenes page shows the proofs. The attack on such a token is
//! in `attacks/stolen_dpop_token.rs`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use end_to_end::ecosystem::{RESOURCE_CLIENT_ID, RESOURCE_CLIENT_SECRET};
use end_to_end::{Ecosystem, Options};
use oauth_types::dpop::DpopKey;

/// What the client keeps for its one connection: the access token, its
/// DPoP key and the token type.
pub async fn stored_connection(client_database: &str) -> (String, DpopKey, String) {
    let database = service_kit::Database::connect(client_database)
        .await
        .unwrap();
    let (token, key, token_type): (String, Option<String>, String) =
        sqlx::query_as("SELECT access_token, dpop_key, token_type FROM connections")
            .fetch_one(database.pool())
            .await
            .unwrap();
    let key = URL_SAFE_NO_PAD.decode(key.expect("a DPoP key")).unwrap();
    (token, DpopKey::from_pkcs8(&key).unwrap(), token_type)
}

#[actix_rt::test]
async fn a_person_connects_and_posts_with_dpop_bound_tokens_on_every_backend() {
    let mut every = Options::every_backend().await;
    // And with JWT access tokens, checked by the resource itself.
    every.push(Options::sqlite().jwt());
    for options in every {
        let client_database = options.databases[2].clone();
        let jwt = options.validation == end_to_end::ecosystem::Validation::Jwt;
        let ecosystem = Ecosystem::start(options).await;
        let hamza = ecosystem.user_agent("hamza", "hamza-password");

        let posted = ecosystem
            .connect_for_post_and_post(&hamza, "a run bound to a key")
            .await;

        assert!(posted.contains("Posted to Facebook"), "{posted}");
        let (token, key, token_type) = stored_connection(&client_database).await;
        assert_eq!(token_type, "DPoP");
        let thumbprint = key.thumbprint().unwrap();
        // RFC 7662, as the resource asks.
        let introspected = ecosystem
            .authorization_server
            .introspect_as(RESOURCE_CLIENT_ID, RESOURCE_CLIENT_SECRET, &token)
            .await;
        assert_eq!(introspected["active"], true, "{introspected}");
        assert_eq!(introspected["token_type"], "DPoP", "{introspected}");
        assert_eq!(introspected["cnf"]["jkt"], thumbprint.as_str());
        let trace = hamza
            .page(&format!("{}/behind-the-scenes", ecosystem.client_url))
            .await
            .replace("&#34;", "\"");
        for shown in [
            "dpop_jkt",
            r#""typ":"dpop+jwt""#,
            "Authorization: DPoP",
            r#""ath":"#,
            thumbprint.as_str(),
        ] {
            assert!(trace.contains(shown), "{shown} missing from {trace}");
        }
        if jwt {
            let claims: serde_json::Value =
                jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
            assert_eq!(claims["cnf"]["jkt"], thumbprint.as_str());
            assert!(
                trace.contains(&format!("cnf.jkt = {}: the same", thumbprint.as_str())),
                "{trace}"
            );
        }
    }
}
