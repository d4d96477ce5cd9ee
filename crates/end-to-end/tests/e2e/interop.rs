//! Third-party OAuth libraries against our authorization server, over
//! HTTPS as in production (see `end_to_end::third_party`).

use authorization_server::Config;
use service_kit::testing::pki::TestPki;

/// Authlib's client drives metadata, the code flow with PKCE for a
/// confidential and a public client, refresh, introspection, revocation
/// and a refused grant (`interop/authlib_oauth2.py` lists the steps).
#[actix_rt::test]
async fn authlib_completes_every_oauth_flow_against_our_authorization_server() {
    let Some(python) = end_to_end::third_party::python() else {
        return;
    };
    for database_url in service_kit::testing::test_database_urls().await {
        let pki = TestPki::generate();
        let mut config = Config::for_test(&database_url);
        config.serve.tls_cert = Some(pki.cert_path.clone());
        config.serve.tls_key = Some(pki.key_path.clone());
        let server = authorization_server::testing::spawn_with(config).await;
        assert!(server.url.starts_with("https://"), "{}", server.url);
        let ca = pki.ca_path.display().to_string();
        let python = python.clone();
        let issuer = server.url.clone();
        let printed = actix_web::rt::task::spawn_blocking(move || {
            end_to_end::third_party::run(&python, "authlib_oauth2.py", &[&issuer, &ca])
        })
        .await
        .unwrap();
        assert!(printed.trim_end().ends_with("ok"), "{printed}");
        assert!(printed.contains("metadata: valid for Authlib"), "{printed}");
    }
}
