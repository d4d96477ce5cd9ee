//! Third-party OAuth libraries against our authorization server, over
//! HTTPS as in production (see `end_to_end::third_party`).

use authorization_server::Config;
use end_to_end::client_key::ClientKeyFiles;
use end_to_end::third_party::ScriptServer;
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

/// What an openid-client script is run against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OurRoles {
    /// The authorization server alone: the script gets its issuer.
    AuthorizationServer,
    /// Our protected resource too, over HTTPS, named by its URL and
    /// registered at the authorization server, introspecting there: the
    /// script gets the issuer and the resource's identifier.
    WithProtectedResource,
    /// A `private_key_jwt` client registered with the JWK Set of a fresh
    /// key: the script gets the issuer, the client id and the key's PEM
    /// file.
    WithSigningClient,
    /// Nothing registered: the script registers itself (RFC 7591) and
    /// gets the issuer and an initial access token.
    WithInitialAccessToken,
}

/// The `private_key_jwt` client of [`OurRoles::WithSigningClient`].
const SIGNING_CLIENT_ID: &str = "strava-signer";

/// Registers [`SIGNING_CLIENT_ID`] at `server` with the public key of
/// `files`: code and refresh grants, `profile post`, the demo client's
/// redirect URI and default resource; it must push its requests (RFC 9126).
async fn register_signing_client(
    server: &authorization_server::testing::TestAuthorizationServer,
    files: &ClientKeyFiles,
) {
    let jwks = std::fs::read_to_string(&files.jwks).unwrap();
    let jwks = oauth_types::client_assertion::ClientJwkSet::parse(&jwks).unwrap();
    let client = authorization_server::testing::NewClient {
        client_id: SIGNING_CLIENT_ID.to_owned(),
        kind: authorization_server::testing::ClientKind::Confidential,
        secret: None,
        redirect_uris: vec!["http://localhost:9000/callback".to_owned()],
        scopes: oauth_types::ScopeSet::parse("profile post").unwrap(),
        grant_types: vec![
            oauth_types::GrantType::AuthorizationCode,
            oauth_types::GrantType::RefreshToken,
        ],
        resource_id: None,
        default_resource: Some("http://localhost:9002".to_owned()),
    };
    server.register_private_key_jwt_client(client, &jwks).await;
    // `client add --require-par`: the FAPI 2.0 shape, every request pushed.
    let pool = server.database().pool();
    let required = authorization_server::store::clients::set_require_pushed_requests(
        pool,
        SIGNING_CLIENT_ID,
        true,
    )
    .await
    .unwrap();
    assert!(required);
}

/// Another fresh database on the backend of `database_url`.
async fn another_database_like(database_url: &str) -> String {
    if database_url.starts_with("sqlite:") {
        service_kit::testing::sqlite_url()
    } else {
        service_kit::testing::postgres_url().await.unwrap()
    }
}

/// Runs the JavaScript `script` with openid-client against an HTTPS
/// server (and, as `roles` says, our resource) on every backend, `hamza`
/// at the browser approving `scopes`, and asserts that each run printed
/// `steps` (see [`assert_printed`]).
async fn run_openid_client_on_every_backend(
    script: &str,
    scopes: &str,
    roles: OurRoles,
    steps: &[&str],
) {
    let Some(node) = end_to_end::third_party::node() else {
        return;
    };
    for database_url in service_kit::testing::test_database_urls().await {
        let (server, pki) = https_server(&database_url).await;
        let resource = match roles {
            OurRoles::AuthorizationServer
            | OurRoles::WithSigningClient
            | OurRoles::WithInitialAccessToken => None,
            OurRoles::WithProtectedResource => {
                let tls = end_to_end::Tls {
                    pki: pki.clone(),
                    back_channels_trust_ca: true,
                };
                let resource_database = another_database_like(&database_url).await;
                let validation = end_to_end::Validation::Introspection;
                let resource = end_to_end::ecosystem::start_resource(
                    &server,
                    &resource_database,
                    validation,
                    Some(&tls),
                )
                .await;
                assert!(resource.url.starts_with("https://"), "{}", resource.url);
                Some(resource)
            }
        };
        let key_files = (roles == OurRoles::WithSigningClient).then(ClientKeyFiles::generate);
        if let Some(files) = &key_files {
            register_signing_client(&server, files).await;
        }
        let mut args = vec![server.url.as_str()];
        args.extend(resource.as_ref().map(|resource| resource.url.as_str()));
        if let Some(files) = &key_files {
            args.extend([SIGNING_CLIENT_ID, files.pem.to_str().unwrap()]);
        }
        let initial_access_token = match roles {
            OurRoles::WithInitialAccessToken => Some(server.registration_token(3600).await),
            _ => None,
        };
        args.extend(initial_access_token.as_deref());
        let person = UserAgent::trusting("hamza", "hamza-password", &pki.ca_pem);
        let printed = end_to_end::third_party::run_with_browser(
            &node,
            script,
            &args,
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
    let roles = OurRoles::AuthorizationServer;
    run_openid_client_on_every_backend(
        "openid_client_oidc.mjs",
        "openid profile email",
        roles,
        &steps,
    )
    .await;
}

/// openid-client as a device (RFC 8628), the public client `strava-watch`:
/// the metadata, a device authorization, polling while hamza approves at
/// `/device` (tokens, then a refresh), and polling that ends with
/// `access_denied` when he denies (`interop/openid_client_device.mjs`
/// lists the steps).
#[actix_rt::test]
async fn openid_client_gets_tokens_as_a_device_from_our_authorization_server() {
    let steps = [
        "metadata: the device authorization endpoint and grant",
        "device authorization: a user code, where to type it, and the interval",
        "polling: tokens once the person approved",
        "refresh: new tokens for the device",
        "polling: access_denied once the person denied",
    ];
    let roles = OurRoles::AuthorizationServer;
    run_openid_client_on_every_backend("openid_client_device.mjs", "profile post", roles, &steps)
        .await;
}

/// openid-client's DPoP (RFC 9449) as the public client `strava-dpop`:
/// `dpop_jkt`, a DPoP-bound token for our protected resource (RFC 8707
/// `resource`), UserInfo, the resource's `/api/me` with openid-client's
/// own proofs (`ath` included) and a refresh; the token refused at the
/// resource with another key's proof (`invalid_dpop_proof`) and as a
/// Bearer token (`invalid_token`), both tokens worthless with another
/// key at the authorization server, and a request pushed to `/par` with
/// openid-client's proof binding its code to the key (§10.1;
/// `interop/openid_client_dpop.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_gets_and_uses_dpop_bound_tokens_from_our_authorization_server() {
    let steps = [
        "code flow with dpop_jkt: a DPoP-bound access token",
        "userinfo: answered with the DPoP scheme and a proof",
        "resource: /api/me answered for hamza with the DPoP scheme and a proof",
        "resource: the same token with another key's proof is invalid_dpop_proof",
        "resource: the same token as a Bearer token is invalid_token",
        "resource: with its own key, the token still works",
        "another key: the refresh token and the access token are worthless",
        "pushed with a proof: the code is bound to the key, not another's",
    ];
    let roles = OurRoles::WithProtectedResource;
    run_openid_client_on_every_backend(
        "openid_client_dpop.mjs",
        "openid profile post",
        roles,
        &steps,
    )
    .await;
}

/// openid-client's own `private_key_jwt` (RFC 7523, its `PrivateKeyJwt`)
/// as a client registered with `--auth-method private_key_jwt
/// --require-par`: the metadata offering it, the authorization request
/// pushed (RFC 9126), the code flow with PKCE and a refresh, each request
/// authenticated by its assertions, and the same client with another key
/// refused (`interop/openid_client_private_key_jwt.mjs` lists the steps).
/// PAR, PKCE and asymmetric client authentication: the FAPI 2.0 shape.
#[actix_rt::test]
async fn openid_client_authenticates_with_private_key_jwt_at_our_authorization_server() {
    let steps = [
        "metadata: private_key_jwt with ES256 offered",
        "pushed with a private_key_jwt assertion: the browser carries only client_id and request_uri",
        "code flow with PKCE: the code exchanged with a private_key_jwt assertion",
        "refresh: a new access token with a fresh assertion",
        "another key: invalid_client",
    ];
    let roles = OurRoles::WithSigningClient;
    run_openid_client_on_every_backend(
        "openid_client_private_key_jwt.mjs",
        "profile post",
        roles,
        &steps,
    )
    .await;
}

/// openid-client's pushed authorization requests (RFC 9126) as `strava`,
/// with `client_secret_basic` and `client_secret_post`: the browser carries
/// only `client_id` and `request_uri`, the code of the pushed request and a
/// refresh are answered, and a push with an unregistered redirect URI is
/// refused at once (`interop/openid_client_par.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_pushes_its_authorization_requests_to_our_authorization_server() {
    let mut steps = Vec::new();
    for method in ["client_secret_basic", "client_secret_post"] {
        steps.extend([
            format!("{method}: metadata names the pushed authorization request endpoint"),
            format!("{method}: pushed; the browser carries only client_id and request_uri"),
            format!("{method}: code of the pushed request redeemed, then refreshed"),
            format!("{method}: an unregistered redirect URI is refused at push time"),
        ]);
    }
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let roles = OurRoles::AuthorizationServer;
    run_openid_client_on_every_backend("openid_client_par.mjs", "profile post", roles, &steps)
        .await;
}

/// openid-client (npm), unchanged, registers itself with
/// `dynamicClientRegistration` and an initial access token (RFC 7591),
/// runs the code flow with PKCE and a refresh as that client, then deletes
/// its registration (RFC 7592) and is refused
/// (`interop/openid_client_registration.mjs` lists the steps).
#[actix_rt::test]
async fn openid_client_registers_itself_and_completes_the_code_flow_at_our_authorization_server() {
    let steps = [
        "registration without an initial access token: 401",
        "registration: a client id, a secret and a registration access token",
        "code flow with PKCE and a refresh as the registered client",
        "deleted: the client is refused (invalid_client)",
    ];
    let roles = OurRoles::WithInitialAccessToken;
    run_openid_client_on_every_backend(
        "openid_client_registration.mjs",
        "profile post",
        roles,
        &steps,
    )
    .await;
}

/// The person `interop/oidc_provider.mjs` knows: the login form takes any
/// password.
const FOREIGN_PERSON: [(&str, &str); 2] = [("login", "ada"), ("password", "any password")];

/// Our client on `reserved`, with `provider` as its issuer (the only one
/// it trusts) and `redirect_uri` registered there.
async fn start_client_of(
    provider: &ScriptServer,
    reserved: client::testing::Reserved,
    mut config: client::Config,
    redirect_uri: &str,
) -> client::testing::TestClient {
    config.issuer = provider.url.clone();
    config.trusted_issuer = vec![provider.url.clone()];
    config.redirect_uri = redirect_uri.to_owned();
    client::testing::start_on(reserved, config).await
}

/// `person` from the client's `start` through the provider's login and
/// consent pages back to `redirect_uri`: the page the callback leads to.
async fn through_the_provider(person: &UserAgent, start: &str, redirect_uri: &str) -> String {
    let callback = person
        .walk_through_forms(start, redirect_uri, &FOREIGN_PERSON)
        .await;
    person.follow_to_page(&callback).await
}

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
        let config = client::testing::config(&database_url, "", "http://localhost:9002");
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
        let _client = start_client_of(&provider, reserved, config, &redirect_uri).await;
        let ada = UserAgent::new("ada", "any password");

        // Sign in: the provider's login and consent pages, back at the callback.
        let home = through_the_provider(&ada, &format!("{client_url}/signin"), &redirect_uri).await;
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

/// Our client and our resource with oidc-provider (npm) as the
/// authorization server, issuing DPoP-bound RFC 9068 JWT access tokens for
/// our resource (`interop/oidc_provider.mjs`: `features.dPoP`,
/// `features.resourceIndicators`): ada connects Strava through the
/// provider's login and consent pages, Strava exchanges the code with a
/// DPoP proof (`token_type` DPoP) and posts to our resource in `jwt` mode,
/// which checks the provider's token (`typ` `at+jwt`, signature against
/// its JWK Set, `iss`, `aud`, `cnf.jkt` = Strava's key) and Strava's proof.
/// The token copied out of Strava's database is refused as a Bearer token.
/// On every backend of the client's and the resource's databases.
#[actix_rt::test]
async fn our_client_and_resource_use_dpop_bound_jwt_access_tokens_of_oidc_provider() {
    let Some(node) = end_to_end::third_party::node() else {
        return;
    };
    for database_url in service_kit::testing::test_database_urls().await {
        // Addresses first: the provider registers the redirect URI and
        // issues tokens for the resource's identifier, its URL.
        let resource_database = another_database_like(&database_url).await;
        let mut resource_config = protected_resource::testing::config(&resource_database, "");
        let reserved_resource = protected_resource::testing::reserve(&resource_config.serve);
        let resource_url = reserved_resource.url.clone();
        let config = client::testing::config(&database_url, "", &resource_url);
        let reserved = client::testing::reserve(&config.serve);
        let client_url = reserved.url.clone();
        let redirect_uri = format!("{client_url}/callback");
        let provider = end_to_end::third_party::serve(
            &node,
            "oidc_provider.mjs",
            &[&redirect_uri, &format!("{client_url}/"), "0", &resource_url],
        )
        .await;
        resource_config.issuer = provider.url.clone();
        resource_config.resource_id = resource_url.clone();
        resource_config.validation = protected_resource::ValidationMethod::Jwt;
        let _resource =
            protected_resource::testing::start_on(reserved_resource, resource_config).await;
        let _client = start_client_of(&provider, reserved, config, &redirect_uri).await;
        let ada = UserAgent::new("ada", "any password");

        let connected =
            through_the_provider(&ada, &format!("{client_url}/connect"), &redirect_uri).await;
        assert!(connected.contains("Facebook is connected"), "{connected}");
        ada.post_to_facebook(&client_url, "a run through a foreign provider")
            .await;

        let wall = ada.page(&format!("{resource_url}/")).await;
        assert!(
            wall.contains("a run through a foreign provider") && wall.contains("strava"),
            "the post, by Strava: {wall}"
        );
        let (token, key, token_type) = crate::dpop::stored_connection(&database_url).await;
        assert_eq!(token_type, "DPoP");
        let published: serde_json::Value = ada
            .get(&format!("{}/jwks", provider.url))
            .await
            .json()
            .await
            .unwrap();
        assert_provider_jwt_bound_to(&token, &key, &published, &provider.url, &resource_url);
        // The proofs Strava sent, at the token endpoint and the resource.
        let thumbprint = key.thumbprint().unwrap();
        let trace = ada
            .page(&format!("{client_url}/behind-the-scenes"))
            .await
            .replace("&#34;", "\"");
        for shown in [
            r#""typ":"dpop+jwt""#,
            "Authorization: DPoP",
            r#""ath":"#,
            &format!("cnf.jkt = {}: the same", thumbprint.as_str()),
        ] {
            assert!(trace.contains(shown), "{shown} missing from {trace}");
        }

        // RFC 9449 §7.2: a DPoP-bound token is no bearer token.
        let replayed = reqwest::Client::new()
            .get(format!("{resource_url}/api/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(replayed.status(), 401);
        let challenge = replayed.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
}

/// `token` is the provider's RFC 9068 JWT access token for `resource`
/// (`typ` `at+jwt`, signed with a key of its JWK Set `published`), bound
/// to `key` (RFC 9449 §6.1 `cnf.jkt`), for ada through Strava.
fn assert_provider_jwt_bound_to(
    token: &str,
    key: &oauth_types::dpop::DpopKey,
    published: &serde_json::Value,
    issuer: &str,
    resource: &str,
) {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let kid = header.kid.unwrap();
    let kids: Vec<_> = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|jwk| jwk["kid"].as_str())
        .collect();
    assert!(kids.contains(&kid.as_str()), "{kid} not in {published}");
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(token).unwrap();
    assert_eq!(claims["iss"], issuer, "{claims}");
    assert_eq!(claims["aud"], resource, "{claims}");
    assert_eq!(claims["sub"], "ada", "{claims}");
    assert_eq!(claims["client_id"], "strava", "{claims}");
    let scope = claims["scope"].as_str().unwrap_or_default();
    assert!(scope.split(' ').any(|scope| scope == "post"), "{claims}");
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint().unwrap().as_str());
}
