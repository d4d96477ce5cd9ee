//! `POST /register` (RFC 7591): the three `--registration` modes, the
//! initial access token, the open-mode rate limit, every refused document,
//! and registered clients at work (a code flow, `private_key_jwt` at
//! `/token`), each rule with the mistake or attack it stops, on every
//! backend.

use authorization_server::config::RegistrationMode;
use authorization_server::testing::{Flow, TestAuthorizationServer};
use serde_json::{json, Value};

use crate::admin::{run, stdout};
use crate::helpers::{
    assert_refused, authorization_server_metadata, introspect, json, simultaneously, spawn_apps,
    spawn_apps_with,
};
use crate::private_key_jwt::{assertion, ec_key, jwks_of, post_asserted};

/// A redirect URI of the clients registered here.
pub const REDIRECT_URI: &str = "http://localhost:7100/callback";

/// A document of a confidential web client for the code flow.
pub fn web_client() -> Value {
    json!({
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "client_name": "Registered app",
        "scope": "openid profile post",
    })
}

/// POSTs `document` to `/register`, with `token` as `Bearer` if any.
pub async fn post_register(
    app: &TestAuthorizationServer,
    token: Option<&str>,
    document: &Value,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/register", app.url))
        .json(document);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json(request.send().await.unwrap()).await
}

/// Registers `document` with a fresh initial access token; the answer.
pub async fn register(app: &TestAuthorizationServer, document: &Value) -> Value {
    let token = app.registration_token(3600).await;
    let (status, registered) = post_register(app, Some(&token), document).await;
    assert_eq!(status, 201, "{registered}");
    registered
}

#[actix_rt::test]
async fn a_registered_client_gets_its_credentials_once_and_its_metadata_as_stored() {
    for app in spawn_apps().await {
        let token = app.registration_token(3600).await;
        let response = reqwest::Client::new()
            .post(format!("{}/register", app.url))
            .bearer_auth(&token)
            .json(&web_client())
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let (status, registered) = json(response).await;
        assert_eq!(status, 201, "{registered}");
        let client_id = registered["client_id"].as_str().unwrap();
        assert_eq!(
            registered["registration_client_uri"],
            format!("{}/register/{client_id}", app.url)
        );
        assert!(registered["client_secret"].as_str().unwrap().len() >= 43);
        assert_eq!(registered["client_secret_expires_at"], 0);
        assert!(
            registered["registration_access_token"]
                .as_str()
                .unwrap()
                .len()
                >= 43
        );
        assert_eq!(registered["client_id_issued_at"], app.clock.now());
        assert_eq!(
            registered["token_endpoint_auth_method"],
            "client_secret_basic"
        );
        assert_eq!(
            registered["grant_types"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(registered["response_types"], json!(["code"]));
        assert_eq!(registered["redirect_uris"], json!([REDIRECT_URI]));
        assert_eq!(registered["scope"], "openid post profile");
        assert_eq!(registered["client_name"], "Registered app");
        assert_eq!(registered["id_token_signed_response_alg"], "RS256");
        // An initial access token serves until it expires (our policy).
        let (again, _) = post_register(&app, Some(&token), &web_client()).await;
        assert_eq!(again, 201);
    }
}

#[actix_rt::test]
async fn the_database_holds_no_plaintext_secret_or_token() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let secrets = [
            registered["client_secret"].as_str().unwrap(),
            registered["registration_access_token"].as_str().unwrap(),
        ];
        let pool = app.database().pool();
        let rows = sqlx::query(
            "SELECT COALESCE(secret_hash, '') || ' ' || COALESCE(registration_token_hash, '') \
             AS stored FROM clients",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let tokens = sqlx::query("SELECT token_hash AS stored FROM initial_access_tokens")
            .fetch_all(pool)
            .await
            .unwrap();
        let stored: Vec<String> = rows
            .iter()
            .chain(&tokens)
            .map(|row| sqlx::Row::get(row, "stored"))
            .collect();
        assert!(stored.len() > 2);
        for secret in secrets {
            assert!(stored.iter().all(|value| !value.contains(secret)));
        }
        let hash = oauth_types::secret::CredentialHash::of(secrets[1]);
        assert!(stored.iter().any(|value| value.contains(hash.as_str())));
    }
}

#[actix_rt::test]
async fn secrets_are_issued_only_to_clients_that_authenticate_with_one() {
    for app in spawn_apps().await {
        let post = register(
            &app,
            &json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "client_secret_post"}),
        )
        .await;
        assert!(post["client_secret"].is_string());
        for document in [
            json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"}),
            json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "private_key_jwt",
                   "jwks": jwks_of(&ec_key()).to_json().parse::<Value>().unwrap()}),
        ] {
            let registered = register(&app, &document).await;
            assert!(registered.get("client_secret").is_none(), "{registered}");
            assert!(registered.get("client_secret_expires_at").is_none());
            assert!(registered["registration_access_token"].is_string());
        }
    }
}

#[actix_rt::test]
async fn without_a_valid_initial_access_token_nobody_registers() {
    for app in spawn_apps().await {
        // Anyone on the network minting clients.
        let response = reqwest::Client::new()
            .post(format!("{}/register", app.url))
            .json(&web_client())
            .send()
            .await
            .unwrap();
        assert!(response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        assert_refused(&json(response).await, (401, "invalid_token"));
        // A guessed token, or another scheme.
        let wrong = post_register(&app, Some("guessed"), &web_client()).await;
        assert_refused(&wrong, (401, "invalid_token"));
        let basic = reqwest::Client::new()
            .post(format!("{}/register", app.url))
            .basic_auth("strava", Some("strava-secret"))
            .json(&web_client())
            .send()
            .await
            .unwrap();
        assert_refused(&json(basic).await, (401, "invalid_token"));
        // A token past its lifetime.
        let token = app.registration_token(60).await;
        app.advance_clock(61);
        let expired = post_register(&app, Some(&token), &web_client()).await;
        assert_refused(&expired, (401, "invalid_token"));
    }
}

#[actix_rt::test]
async fn off_means_no_endpoint_and_none_in_the_metadata() {
    let off = |config: &mut authorization_server::Config| {
        config.registration = RegistrationMode::Off;
    };
    for app in spawn_apps_with(off).await {
        let token = app.registration_token(3600).await;
        let (status, _) = post_register(&app, Some(&token), &web_client()).await;
        assert_eq!(status, 404);
        let metadata = authorization_server_metadata(&app).await;
        assert!(
            metadata.get("registration_endpoint").is_none(),
            "{metadata}"
        );
    }
    for app in spawn_apps().await {
        let metadata = authorization_server_metadata(&app).await;
        assert_eq!(
            metadata["registration_endpoint"],
            format!("{}/register", app.url)
        );
    }
}

fn open(config: &mut authorization_server::Config) {
    config.registration = RegistrationMode::Open;
}

#[actix_rt::test]
async fn open_registration_needs_no_token_but_is_limited_per_address() {
    let limit = authorization_server::registration::REGISTRATIONS_PER_ADDRESS;
    for app in spawn_apps_with(open).await {
        // One address filling the table with clients.
        for _ in 0..limit {
            let (status, body) = post_register(&app, None, &web_client()).await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, body) = post_register(&app, None, &web_client()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (429, Some("temporarily_unavailable"))
        );
        // After the window, the address may register again.
        app.advance_clock(15 * 60 + 1);
        let (status, _) = post_register(&app, None, &web_client()).await;
        assert_eq!(status, 201);
    }
}

#[actix_rt::test]
async fn a_burst_of_open_registrations_gets_at_most_the_limit() {
    let limit = authorization_server::registration::REGISTRATIONS_PER_ADDRESS;
    for app in spawn_apps_with(open).await {
        let url = app.url.clone();
        let answers = simultaneously(3 * limit as usize, || {
            let url = url.clone();
            async move {
                let response = reqwest::Client::new()
                    .post(format!("{url}/register"))
                    .json(&web_client())
                    .send()
                    .await
                    .unwrap();
                json(response).await
            }
        })
        .await;
        let accepted = answers.iter().filter(|(status, _)| *status == 201).count();
        assert!(accepted as i64 <= limit, "{accepted} registered");
        assert!(answers
            .iter()
            .all(|(status, _)| [201, 429].contains(status)));
        let registered = dynamically_registered_clients(&app).await;
        assert_eq!(registered, accepted as i64);
        // Refused attempts are taken back: the address keeps the rest of its quota.
        if (accepted as i64) < limit {
            let (status, _) = post_register(&app, None, &web_client()).await;
            assert_eq!(status, 201);
        }
    }
}

/// How many clients `/register` has stored (those with a registration
/// access token).
async fn dynamically_registered_clients(app: &TestAuthorizationServer) -> i64 {
    sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM clients WHERE registration_token_hash IS NOT NULL")
            .fetch_one(app.database().pool())
            .await
            .unwrap(),
        "n",
    )
}

#[actix_rt::test]
async fn refused_documents_say_why_and_register_nothing() {
    for app in spawn_apps().await {
        let token = app.registration_token(3600).await;
        let cases = [
            (
                json!({"redirect_uris": ["http://evil.example/cb"]}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb#x"]}),
                "invalid_redirect_uri",
            ),
            (json!({"redirect_uris": ["cb"]}), "invalid_redirect_uri"),
            (
                json!({"redirect_uris": [REDIRECT_URI], "grant_types": ["password"]}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "tls_client_auth"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": [REDIRECT_URI], "scope": "admin"}),
                "invalid_client_metadata",
            ),
            (
                json!({"grant_types": ["authorization_code"]}),
                "invalid_client_metadata",
            ),
            (
                json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "private_key_jwt"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": [REDIRECT_URI], "jwks_uri": "https://app.example/jwks"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": REDIRECT_URI}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": [REDIRECT_URI], "client_name": "a\u{0}b"}),
                "invalid_client_metadata",
            ),
        ];
        for (document, error) in cases {
            let answer = post_register(&app, Some(&token), &document).await;
            assert_refused(&answer, (400, error));
            assert!(answer.1["error_description"].as_str().unwrap().len() > 10);
        }
        let clients = dynamically_registered_clients(&app).await;
        assert_eq!(clients, 0);
    }
}

#[actix_rt::test]
async fn bodies_that_are_not_json_documents_are_400_never_500() {
    for app in spawn_apps().await {
        let token = app.registration_token(3600).await;
        let send = |content_type: &'static str, body: Vec<u8>| {
            reqwest::Client::new()
                .post(format!("{}/register", app.url))
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let document = web_client().to_string().into_bytes();
        for (content_type, body) in [
            (
                "application/x-www-form-urlencoded",
                b"redirect_uris=x".to_vec(),
            ),
            ("text/plain", document.clone()),
            ("application/json", b"{\"redirect_uris\": [".to_vec()),
            ("application/json", vec![0xff, 0xfe]),
            ("application/json", Vec::new()),
        ] {
            let answer = json(send(content_type, body).await.unwrap()).await;
            assert_refused(&answer, (400, "invalid_request"));
        }
        let huge = vec![b' '; 1024 * 1024];
        let status = send("application/json", huge).await.unwrap().status();
        assert_eq!(status, 413);
    }
}

#[actix_rt::test]
async fn a_registered_client_completes_the_code_flow() {
    for app in spawn_apps().await {
        let registered = register(&app, &web_client()).await;
        let flow = Flow {
            client_id: registered["client_id"].as_str().unwrap(),
            client_secret: registered["client_secret"].as_str(),
            redirect_uri: REDIRECT_URI,
            scope: "profile post",
            resource: Some("http://localhost:9002"),
            ..Flow::demo()
        };
        let tokens = app.obtain_tokens(&flow).await;
        assert!(tokens.refresh_token.is_some());
        let introspected = introspect(&app, tokens.access_token.secret()).await;
        assert_eq!(introspected["active"], true, "{introspected}");
        assert_eq!(introspected["client_id"], flow.client_id);
    }
}

/// RFC 9126 §6: a client may register that its authorization requests
/// must be pushed; then `/authorize` refuses it without a `request_uri`,
/// and a pushed request goes through.
#[actix_rt::test]
async fn a_client_registered_to_require_pushed_requests_must_push_them() {
    for app in spawn_apps().await {
        let mut document = web_client();
        document["require_pushed_authorization_requests"] = json!(true);
        let registered = register(&app, &document).await;
        assert_eq!(registered["require_pushed_authorization_requests"], true);
        let client_id = registered["client_id"].as_str().unwrap();

        let to = crate::helpers::authorize_without_pushing(&app, client_id, REDIRECT_URI).await;
        assert!(
            to.starts_with(&format!("{REDIRECT_URI}?error=invalid_request")),
            "{to}"
        );

        let flow = Flow {
            client_id,
            client_secret: registered["client_secret"].as_str(),
            redirect_uri: REDIRECT_URI,
            scope: "profile post",
            resource: Some("http://localhost:9002"),
            pushed: true,
            ..Flow::demo()
        };
        let tokens = app.obtain_tokens(&flow).await;
        assert!(tokens.refresh_token.is_some());
    }
}

#[actix_rt::test]
async fn a_private_key_jwt_client_registers_its_keys_and_authenticates_with_them() {
    for app in spawn_apps().await {
        let key = ec_key();
        let jwks: Value = jwks_of(&key).to_json().parse().unwrap();
        let registered = register(
            &app,
            &json!({"grant_types": ["client_credentials"], "scope": "post",
                    "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks}),
        )
        .await;
        assert_eq!(registered["jwks"], jwks);
        let client_id = registered["client_id"].as_str().unwrap();
        let form = [
            ("grant_type", "client_credentials"),
            ("resource", "http://localhost:9002"),
        ];
        let signed = assertion(&app, &key, client_id, &json!({}));
        let (status, tokens) = post_asserted(&app, "/token", &form, &signed).await;
        assert_eq!(status, 200, "{tokens}");
        // Another key, claiming to be this client: refused.
        let forged = assertion(&app, &ec_key(), client_id, &json!({}));
        let answer = post_asserted(&app, "/token", &form, &forged).await;
        assert_refused(&answer, (401, "invalid_client"));
    }
}

#[actix_rt::test]
async fn the_registration_token_command_prints_one_token_and_client_list_tells_the_origin() {
    for database in service_kit::testing::test_database_urls().await {
        let db = ["--database-url", database.as_str()];
        let made = run(&[&["registration-token"][..], &db].concat(), "");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let printed = stdout(&made);
        assert_eq!(printed.lines().count(), 1, "{printed}");
        let token = printed.trim();
        assert_eq!(token.len(), 43);
        let refused = run(
            &[&["registration-token", "--expires-in", "0"][..], &db].concat(),
            "",
        );
        assert_eq!(refused.status.code(), Some(2));

        let app = authorization_server::testing::spawn(&database).await;
        let (status, registered) = post_register(&app, Some(token), &web_client()).await;
        assert_eq!(status, 201, "{registered}");
        let listed = stdout(&run(&[&["client", "list"][..], &db].concat(), ""));
        let client_id = registered["client_id"].as_str().unwrap();
        let line = |id: &str| {
            listed
                .lines()
                .find(|line| line.starts_with(&format!("{id}\t")))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            line(client_id).contains("\tregistered_by=dynamic"),
            "{listed}"
        );
        assert!(line("strava").contains("\tregistered_by=admin"), "{listed}");
        assert!(!listed.contains(token));
    }
}
