//! Rules 23 and 31: no secret in the logs of the three real binaries.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::path::Path;

use authorization_server::testing::hidden_input;
use end_to_end::{AtConsent, UserAgent};
use oauth_types::pkce::{CodeChallenge, CodeVerifier};
use oauth_types::secret::generate_credential;
use reqwest::StatusCode;
use service_kit::testing::binary::{self, ChildServer};
use service_kit::testing::free_port;

/// A role binary running at debug level, its standard error in a file of
/// `directory`.
fn start_role(directory: &Path, name: &str, args: &[&str]) -> ChildServer {
    let log = directory.join(format!("{name}.stderr"));
    binary::start_logging(
        binary::workspace_binary(name),
        args,
        &[("RUST_LOG", "debug")],
        &log,
    )
}

/// Stops it with SIGTERM and returns everything it logged.
fn stop(role: ChildServer) -> String {
    role.terminate_and_read_log().1
}

/// The query parameter `name` of `url`.
fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// The refresh token grant for `strava-logs` with `client_secret`.
async fn refresh_grant(
    token_url: &str,
    client_secret: &str,
    refresh_token: &str,
) -> (StatusCode, serde_json::Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    post_with_basic(token_url, "strava-logs", client_secret, &form).await
}

/// POSTs a form with HTTP Basic credentials; the JSON answer.
async fn post_with_basic(
    url: &str,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(url)
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

/// `person` approves `profile post` for `strava-logs` at `/authorize`, with
/// a fresh PKCE pair (RFC 7636) and `state`, which comes back: the
/// verifier and the code.
async fn approve_strava_logs(
    person: &UserAgent,
    as_url: &str,
    redirect_uri: &str,
    state: &str,
) -> (String, String) {
    let verifier = generate_credential();
    let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&verifier).unwrap());
    let authorize = url::Url::parse_with_params(
        &format!("{as_url}/authorize"),
        &[
            ("response_type", "code"),
            ("client_id", "strava-logs"),
            ("redirect_uri", redirect_uri),
            ("scope", "profile post"),
            ("state", state),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let back = person
        .walk_to(
            authorize.as_str(),
            redirect_uri,
            AtConsent::Approve("profile post"),
        )
        .await;
    assert_eq!(query_param(&back, "state"), state);
    (verifier, query_param(&back, "code"))
}

#[actix_rt::test]
async fn no_secret_of_a_whole_flow_reaches_the_debug_logs_of_the_three_binaries() {
    let directory = std::env::temp_dir().join(format!("e2e-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&directory).unwrap();
    let database = |name: &str| format!("sqlite://{}", directory.join(name).display());
    let [as_port, rs_port, client_port] = [free_port(), free_port(), free_port()];
    let as_url = format!("http://127.0.0.1:{as_port}");
    let rs_url = format!("http://127.0.0.1:{rs_port}");
    let client_url = format!("http://127.0.0.1:{client_port}");
    let redirect_uri = format!("{client_url}/callback");

    // Register a client whose redirect URI is the client's port, with the
    // admin command, as an operator would; it prints the secret once.
    let as_database = database("as.db");
    let added = binary::run(
        binary::workspace_binary("authorization-server"),
        &[
            "client",
            "add",
            "--client-id",
            "strava-logs",
            "--kind",
            "confidential",
            "--redirect-uri",
            &redirect_uri,
            "--scope",
            "profile post",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--default-resource",
            "http://localhost:9002",
            "--database-url",
            &as_database,
        ],
        &[],
    );
    assert!(added.status.success(), "{added:?}");
    let printed = String::from_utf8(added.stdout).unwrap();
    let client_secret = printed
        .lines()
        .find_map(|line| line.strip_prefix("client_secret: "))
        .unwrap_or_else(|| panic!("no secret printed: {printed}"))
        .trim()
        .to_owned();

    let authorization_server = start_role(
        &directory,
        "authorization-server",
        &[
            "--addr",
            &format!("127.0.0.1:{as_port}"),
            "--database-url",
            &as_database,
            "--issuer",
            &as_url,
            "--demo",
        ],
    );
    let resource = start_role(
        &directory,
        "protected-resource",
        &[
            "--addr",
            &format!("127.0.0.1:{rs_port}"),
            "--database-url",
            &database("rs.db"),
            "--introspection-url",
            &format!("{as_url}/introspect"),
            "--issuer",
            &as_url,
        ],
    );
    let client = start_role(
        &directory,
        "client",
        &[
            "--addr",
            &format!("127.0.0.1:{client_port}"),
            "--database-url",
            &database("client.db"),
            "--issuer",
            &as_url,
            "--client-id",
            "strava-logs",
            "--client-secret",
            &client_secret,
            "--redirect-uri",
            &redirect_uri,
            // The demo resource's identifier (RFC 8707 `resource`), reached
            // on its real port.
            "--resource-url",
            "http://localhost:9002",
            "--resource-internal-url",
            &rs_url,
        ],
    );

    let mut secrets: Vec<(String, String)> = vec![
        ("hamza's password".into(), "hamza-password".into()),
        ("alice's password".into(), "alice-password".into()),
        ("the client secret".into(), client_secret.clone()),
        (
            "the resource's secret".into(),
            "protected-resource-secret-1".into(),
        ),
    ];

    // 1. hamza connects through the client and posts; the code and state
    // are those of the redirect his browser followed.
    let hamza = UserAgent::new("hamza", "hamza-password");
    let callback = hamza
        .walk_to(
            &format!("{client_url}/connect"),
            &redirect_uri,
            AtConsent::Approve("profile post"),
        )
        .await;
    secrets.push(("hamza's code".into(), query_param(&callback, "code")));
    secrets.push(("hamza's state".into(), query_param(&callback, "state")));
    let connected = hamza.follow_to_page(&callback).await;
    assert!(connected.contains("Facebook is connected"), "{connected}");
    hamza
        .post_to_facebook(&client_url, "a run by the river")
        .await;
    // A wrong password too: refused logins are logged, the password is not.
    let wrong = UserAgent::new("hamza", "a-wrong-password-never-logged");
    let login_page = wrong.page(&format!("{as_url}/login")).await;
    let refused = wrong
        .post_form(
            &format!("{as_url}/login"),
            &[
                ("username", "hamza".to_owned()),
                ("password", "a-wrong-password-never-logged".to_owned()),
                (
                    "csrf_token",
                    hidden_input(&login_page, "csrf_token").unwrap(),
                ),
            ],
        )
        .await;
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Wrong username or password."), "{refused}");
    secrets.push((
        "a wrong password".into(),
        "a-wrong-password-never-logged".into(),
    ));

    // 2. alice's flow by hand against the same binaries, so that every
    // credential is known: state, verifier, code, access and refresh
    // tokens, the refreshed pair; each used where it goes.
    let alice = UserAgent::new("alice", "alice-password");
    let state = generate_credential();
    let (verifier, code) = approve_strava_logs(&alice, &as_url, &redirect_uri, &state).await;
    secrets.push(("alice's state".into(), state.clone()));
    secrets.push(("alice's verifier".into(), verifier.clone()));
    secrets.push(("alice's code".into(), code.clone()));

    let token_url = format!("{as_url}/token");
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, tokens) =
        post_with_basic(&token_url, "strava-logs", &client_secret, &exchange).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // The code replayed (refused, and logged as refused).
    let (replay, _) = post_with_basic(&token_url, "strava-logs", &client_secret, &exchange).await;
    assert_eq!(replay, StatusCode::BAD_REQUEST);

    // A fresh flow's tokens, refreshed, used at the resource, introspected
    // and revoked.
    let (verifier, code) = approve_strava_logs(&alice, &as_url, &redirect_uri, "second-flow").await;
    secrets.push(("the second verifier".into(), verifier.clone()));
    secrets.push(("the second code".into(), code.clone()));
    let (_, tokens) = post_with_basic(
        &token_url,
        "strava-logs",
        &client_secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, refreshed) = refresh_grant(&token_url, &client_secret, &first_refresh).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let refreshed_access = refreshed["access_token"].as_str().unwrap().to_owned();
    let refreshed_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(("alice's access token".into(), access.clone()));
    secrets.push(("alice's refresh token".into(), refresh.clone()));
    secrets.push((
        "the second access token".into(),
        tokens["access_token"].as_str().unwrap().to_owned(),
    ));
    secrets.push(("the spent refresh token".into(), first_refresh.clone()));
    secrets.push((
        "the refreshed access token".into(),
        refreshed_access.clone(),
    ));
    secrets.push((
        "the refreshed refresh token".into(),
        refreshed_refresh.clone(),
    ));

    let http = reqwest::Client::new();
    // The three RFC 6750 ways, and one refused (replayed spent refresh).
    let me = http
        .get(format!("{rs_url}/api/me"))
        .bearer_auth(&refreshed_access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let _ = http
        .get(format!("{rs_url}/api/posts?access_token={access}"))
        .send()
        .await
        .unwrap();
    let _ = http
        .post(format!("{rs_url}/api/posts"))
        .form(&[("access_token", access.as_str()), ("message", "hi")])
        .send()
        .await
        .unwrap();
    let (spent, _) = refresh_grant(&token_url, &client_secret, &first_refresh).await;
    assert_eq!(
        spent,
        StatusCode::BAD_REQUEST,
        "a spent refresh token is refused"
    );
    let (status, introspected) = post_with_basic(
        &format!("{as_url}/introspect"),
        "protected-resource-1",
        "protected-resource-secret-1",
        &[("token", &access)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{introspected}");
    let (status, _) = post_with_basic(
        &format!("{as_url}/revoke"),
        "strava-logs",
        &client_secret,
        &[("token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Wrong client credentials, which are logged as a failure only.
    let (status, _) = refresh_grant(&token_url, "a-wrong-client-secret", &refreshed_refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    secrets.push((
        "a wrong client secret".into(),
        "a-wrong-client-secret".into(),
    ));

    // 3. The tokens the client itself holds for hamza.
    let client_database = service_kit::Database::connect(&database("client.db"))
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT access_token, refresh_token, dpop_key FROM connections")
            .fetch_all(client_database.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "hamza's connection");
    for (access, refresh, dpop_key) in rows {
        secrets.push(("the client's access token".into(), access));
        if let Some(refresh) = refresh {
            secrets.push(("the client's refresh token".into(), refresh));
        }
        // The connection's DPoP private key, as stored and as a JWK's `d`.
        let dpop_key = dpop_key.expect("the demo server offers DPoP");
        secrets.push((
            "the private scalar of the client's DPoP key".into(),
            client::testing::private_scalar(&URL_SAFE_NO_PAD.decode(&dpop_key).unwrap()),
        ));
        secrets.push(("the client's DPoP key".into(), dpop_key));
    }

    let logs = [
        ("authorization-server", stop(authorization_server)),
        ("protected-resource", stop(resource)),
        ("client", stop(client)),
    ];
    // The logs are real debug logs of this flow, not empty files.
    for ((role, log), path) in logs.iter().zip(["/token", "/api/me", "/callback"]) {
        assert!(log.contains(path), "{role} logged its requests:\n{log}");
    }
    for (role, log) in &logs {
        for (what, secret) in &secrets {
            assert!(secret.len() >= 8, "{what} is too short to search for");
            assert!(!log.contains(secret.as_str()), "{role} logged {what}");
        }
    }
    let _ = std::fs::remove_dir_all(&directory);
}
