//! Third-party OAuth libraries against our authorization server, over
//! HTTPS as in production (see `end_to_end::third_party`).

use authorization_server::Config;
use end_to_end::user_agent::UserAgent;
use service_kit::testing::pki::TestPki;

/// The authorization server over HTTPS with a fresh test authority, on
/// `database_url`: the server (keep it alive) and the CA file.
async fn https_server(
    database_url: &str,
) -> (
    authorization_server::testing::TestAuthorizationServer,
    TestPki,
) {
    let pki = TestPki::generate();
    let mut config = Config::for_test(database_url);
    config.serve.tls_cert = Some(pki.cert_path.clone());
    config.serve.tls_key = Some(pki.key_path.clone());
    let server = authorization_server::testing::spawn_with(config).await;
    assert!(server.url.starts_with("https://"), "{}", server.url);
    (server, pki)
}

/// Runs `interop/SCRIPT ISSUER CA` against an HTTPS server on every
/// backend; what it printed each time, which ends with `ok`.
async fn run_on_every_backend(script: &'static str) -> Vec<String> {
    let Some(python) = end_to_end::third_party::python() else {
        return Vec::new();
    };
    let mut runs = Vec::new();
    for database_url in service_kit::testing::test_database_urls().await {
        let (server, pki) = https_server(&database_url).await;
        let ca = pki.ca_path.display().to_string();
        let python = python.clone();
        let issuer = server.url.clone();
        let printed = actix_web::rt::task::spawn_blocking(move || {
            end_to_end::third_party::run(&python, script, &[&issuer, &ca])
        })
        .await
        .unwrap();
        assert!(printed.trim_end().ends_with("ok"), "{printed}");
        runs.push(printed);
    }
    runs
}

/// Authlib as an OpenID Connect relying party: discovery, the code flow
/// with `nonce` and PKCE, the ID token verified against our JWK Set with
/// `CodeIDToken` (iss, aud, exp, nonce, at_hash), UserInfo, a refresh with
/// the same `sub`, and `prompt=none` without a session
/// (`interop/authlib_oidc.py` lists the steps).
#[actix_rt::test]
async fn authlib_signs_in_with_our_openid_provider() {
    for printed in run_on_every_backend("authlib_oidc.py").await {
        assert!(
            printed.contains("discovery: valid for Authlib"),
            "{printed}"
        );
        assert!(
            printed.contains("ID token: signature, iss, aud, exp, nonce and at_hash valid"),
            "{printed}"
        );
    }
}

/// Authlib's client drives metadata, the code flow with PKCE for a
/// confidential and a public client, refresh, introspection, revocation
/// and a refused grant (`interop/authlib_oauth2.py` lists the steps).
#[actix_rt::test]
async fn authlib_completes_every_oauth_flow_against_our_authorization_server() {
    for printed in run_on_every_backend("authlib_oauth2.py").await {
        assert!(printed.contains("metadata: valid for Authlib"), "{printed}");
    }
}

/// Runs the JavaScript `script` with openid-client against an HTTPS
/// server on every backend, `hamza` at the browser approving `scopes`;
/// what it printed each time, which ends with `ok`.
async fn run_openid_client_on_every_backend(script: &str, scopes: &str) -> Vec<String> {
    let Some(node) = end_to_end::third_party::node() else {
        return Vec::new();
    };
    let mut runs = Vec::new();
    for database_url in service_kit::testing::test_database_urls().await {
        let (server, pki) = https_server(&database_url).await;
        let person = UserAgent::trusting("hamza", "hamza-password", &pki.ca_pem);
        let printed = end_to_end::third_party::run_with_browser(
            &node,
            script,
            &server.url,
            &pki.ca_path,
            &person,
            scopes,
        )
        .await;
        assert!(printed.trim_end().ends_with("ok"), "{printed}");
        runs.push(printed);
    }
    runs
}

/// openid-client (npm), a strict relying party, unchanged: discovery, the
/// code flow with `nonce`, `state`, `iss` and PKCE, the ID token's
/// signature and claims, UserInfo, a refresh, and RP-initiated logout
/// (`interop/openid_client_oidc.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_signs_in_and_out_with_our_openid_provider() {
    let runs =
        run_openid_client_on_every_backend("openid_client_oidc.mjs", "openid profile email").await;
    for printed in runs {
        for step in [
            "discovery: valid for openid-client",
            "ID token valid for openid-client",
            "refresh: a new ID token with the same sub and auth_time",
            "the session is over (login_required)",
        ] {
            assert!(printed.contains(step), "{step} missing:\n{printed}");
        }
    }
}

/// openid-client's DPoP (RFC 9449) as the public client `strava-dpop`:
/// `dpop_jkt`, a DPoP-bound token, UserInfo and a refresh with proofs, and
/// both tokens worthless with another key
/// (`interop/openid_client_dpop.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_gets_and_uses_dpop_bound_tokens_from_our_authorization_server() {
    let runs =
        run_openid_client_on_every_backend("openid_client_dpop.mjs", "openid profile post").await;
    for printed in runs {
        for step in [
            "code flow with dpop_jkt: a DPoP-bound access token",
            "userinfo: answered with the DPoP scheme and a proof",
            "another key: the refresh token and the access token are worthless",
        ] {
            assert!(printed.contains(step), "{step} missing:\n{printed}");
        }
    }
}
