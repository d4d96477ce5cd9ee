//! `private_key_jwt` (RFC 7523) across the three real roles, on every
//! backend: Strava, added with `client add --auth-method private_key_jwt
//! --jwks FILE` and started with `--client-key`, connects, posts, and
//! refreshes its token, each time proving itself with a fresh assertion
//! signed by its key; no secret exists anywhere.

use end_to_end::{Ecosystem, Options};

/// Makes the client's stored access token look expired, so that its next
/// call refreshes first.
async fn expire_access_token(client_database: &str) {
    let database = service_kit::Database::connect(client_database)
        .await
        .unwrap();
    sqlx::query("UPDATE connections SET expires_at = 0")
        .execute(database.pool())
        .await
        .unwrap();
}

#[actix_rt::test]
async fn a_client_with_its_own_key_connects_posts_and_refreshes_on_every_backend() {
    for options in Options::every_backend().await {
        let options = options.with_client_key();
        let client_database = options.databases[2].clone();
        let ecosystem = Ecosystem::start(options).await;
        let hamza = ecosystem.user_agent("hamza", "hamza-password");

        let posted = ecosystem
            .connect_for_post_and_post(&hamza, "signed by Strava's own key")
            .await;
        assert!(posted.contains("Posted to Facebook"), "{posted}");
        expire_access_token(&client_database).await;
        let again = hamza
            .post_to_facebook(&ecosystem.client_url, "after a refresh")
            .await;

        assert!(again.contains("Posted to Facebook"), "{again}");
        let trace = hamza
            .page(&format!("{}/behind-the-scenes", ecosystem.client_url))
            .await
            .replace("&#34;", "\"");
        for shown in [
            "Refresh the access token",
            "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion: a JWT signed by Strava",
            r#""sub":"strava-e2e""#,
        ] {
            assert!(trace.contains(shown), "{shown} missing from {trace}");
        }
        assert!(!trace.contains("Authorization: Basic"), "{trace}");
        assert!(!trace.contains("client secret"), "{trace}");
    }
}
