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

/// Asserts that a third-party run printed every one of `steps` and ended
/// with `ok`.
fn assert_printed(printed: &str, steps: &[&str]) {
    assert!(printed.trim_end().ends_with("ok"), "{printed}");
    for step in steps {
        assert!(printed.contains(step), "{step} missing:\n{printed}");
    }
}

/// Runs `interop/SCRIPT ISSUER CA` against an HTTPS server on every
/// backend and asserts that each run printed `steps` (see [`assert_printed`]).
async fn run_on_every_backend(script: &'static str, steps: &[&str]) {
    let Some(python) = end_to_end::third_party::python() else {
        return;
    };
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
        assert_printed(&printed, steps);
    }
}

/// Authlib as an OpenID Connect relying party: discovery, the code flow
/// with `nonce` and PKCE, the ID token verified against our JWK Set with
/// `CodeIDToken` (iss, aud, exp, nonce, at_hash), UserInfo, a refresh with
/// the same `sub`, and `prompt=none` without a session
/// (`interop/authlib_oidc.py` lists the steps).
#[actix_rt::test]
async fn authlib_signs_in_with_our_openid_provider() {
    let steps = [
        "discovery: valid for Authlib",
        "ID token: signature, iss, aud, exp, nonce and at_hash valid",
    ];
    run_on_every_backend("authlib_oidc.py", &steps).await;
}

/// Authlib's client drives metadata, the code flow with PKCE for a
/// confidential and a public client, refresh, introspection, revocation
/// and a refused grant (`interop/authlib_oauth2.py` lists the steps).
#[actix_rt::test]
async fn authlib_completes_every_oauth_flow_against_our_authorization_server() {
    run_on_every_backend("authlib_oauth2.py", &["metadata: valid for Authlib"]).await;
}

/// Runs the JavaScript `script` with openid-client against an HTTPS
/// server on every backend, `hamza` at the browser approving `scopes`, and
/// asserts that each run printed `steps` (see [`assert_printed`]).
async fn run_openid_client_on_every_backend(script: &str, scopes: &str, steps: &[&str]) {
    let Some(node) = end_to_end::third_party::node() else {
        return;
    };
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
        assert_printed(&printed, steps);
    }
}

/// openid-client (npm), a strict relying party, unchanged: discovery, the
/// code flow with `nonce`, `state`, `iss` and PKCE, the ID token's
/// signature and claims, UserInfo, a refresh, and RP-initiated logout
/// (`interop/openid_client_oidc.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_signs_in_and_out_with_our_openid_provider() {
    let steps = [
        "discovery: valid for openid-client",
        "ID token valid for openid-client",
        "refresh: a new ID token with the same sub and auth_time",
        "the session is over (login_required)",
    ];
    run_openid_client_on_every_backend("openid_client_oidc.mjs", "openid profile email", &steps)
        .await;
}

/// openid-client's DPoP (RFC 9449) as the public client `strava-dpop`:
/// `dpop_jkt`, a DPoP-bound token, UserInfo and a refresh with proofs, and
/// both tokens worthless with another key
/// (`interop/openid_client_dpop.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_gets_and_uses_dpop_bound_tokens_from_our_authorization_server() {
    let steps = [
        "code flow with dpop_jkt: a DPoP-bound access token",
        "userinfo: answered with the DPoP scheme and a proof",
        "another key: the refresh token and the access token are worthless",
    ];
    run_openid_client_on_every_backend("openid_client_dpop.mjs", "openid profile post", &steps)
        .await;
}

/// The person `interop/oidc_provider.mjs` knows: the login form takes any
/// password.
const FOREIGN_PERSON: [(&str, &str); 2] = [("login", "ada"), ("password", "any password")];

/// Our client signs a person in against oidc-provider (npm), a certified
/// OpenID Provider that is not ours, and signs them out there: discovery
/// at its `/.well-known/openid-configuration`, the code flow with PKCE
/// through its login and consent pages, its ID token validated against its
/// keys (Core §3.1.3.7), the person's `name` on the home page, then
/// RP-initiated logout at its `end_session_endpoint`, which accepts the
/// `id_token_hint` and sends the browser back with `state`, its session
/// over. On every backend of the client's own database.
#[actix_rt::test]
async fn our_client_signs_in_and_out_with_oidc_provider() {
    let Some(node) = end_to_end::third_party::node() else {
        return;
    };
    for database_url in service_kit::testing::test_database_urls().await {
        // Our client's address first: the provider registers its redirect URIs.
        let mut config = client::testing::config(&database_url, "", "http://localhost:9002");
        let reserved = client::testing::reserve(&config.serve);
        let client_url = reserved.url.clone();
        let redirect_uri = format!("{client_url}/callback");
        let post_logout_redirect_uri = format!("{client_url}/");
        let provider = end_to_end::third_party::serve(
            &node,
            "oidc_provider.mjs",
            &[&redirect_uri, &post_logout_redirect_uri],
        )
        .await;
        config.issuer = provider.url.clone();
        config.trusted_issuer = vec![provider.url.clone()];
        config.redirect_uri = redirect_uri.clone();
        let _client = client::testing::start_on(reserved, config).await;
        let ada = UserAgent::new("ada", "any password");

        // Sign in: the provider's login and consent pages, back at the callback.
        let callback = ada
            .walk_through_forms(
                &format!("{client_url}/signin"),
                &redirect_uri,
                &FOREIGN_PERSON,
            )
            .await;
        let home = ada.follow_to_page(&callback).await;
        assert!(
            home.contains("Signed in as <strong>Ada Lovelace</strong>"),
            "{home}"
        );
        let trace = ada.page(&format!("{client_url}/behind-the-scenes")).await;
        assert!(trace.contains("alg = RS256"), "{trace}");
        // Core §5.4: oidc-provider releases `name` at UserInfo, not in the ID token.
        assert!(
            trace.contains("sub is the ID token&#39;s; name = Ada Lovelace"),
            "{trace}"
        );

        // Sign out: here, then at the provider, then home with `state`.
        let csrf = authorization_server::testing::hidden_input(&home, "csrf_token").unwrap();
        let response = ada
            .post_form(&format!("{client_url}/signout"), &[("csrf_token", csrf)])
            .await;
        assert_eq!(response.status(), 303);
        let end_session =
            url::Url::parse(&authorization_server::testing::location(&response).unwrap()).unwrap();
        let published: serde_json::Value = ada
            .get(&format!(
                "{}/.well-known/openid-configuration",
                provider.url
            ))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            end_session.as_str().split('?').next(),
            published["end_session_endpoint"].as_str(),
            "the end_session_endpoint it publishes"
        );
        let query: std::collections::HashMap<_, _> = end_session.query_pairs().collect();
        assert!(query.contains_key("id_token_hint"), "{end_session}");
        assert_eq!(
            query
                .get("post_logout_redirect_uri")
                .map(|uri| uri.as_ref()),
            Some(post_logout_redirect_uri.as_str())
        );
        let state = query.get("state").unwrap().to_string();
        let back = ada
            .walk_through_forms(
                end_session.as_str(),
                &post_logout_redirect_uri,
                &[("logout", "yes")],
            )
            .await;
        let back = url::Url::parse(&back).unwrap();
        assert_eq!(
            back.query_pairs().find(|(name, _)| name == "state"),
            Some(("state".into(), state.into()))
        );
        let home = ada.follow_to_page(back.as_str()).await;
        assert!(home.contains("href=\"/signin\""), "signed out: {home}");
        // Signed out at the provider too: signing in asks for a login again.
        let next_sign_in = ada.follow_to_page(&format!("{client_url}/signin")).await;
        assert!(next_sign_in.contains("name=\"login\""), "{next_sign_in}");
    }
}
