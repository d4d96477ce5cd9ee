//! `private_key_jwt` through whole flows: the code grant and a refresh
//! authenticated by assertions, and clients registered with `client add
//! --auth-method private_key_jwt --jwks FILE`, on every backend.

use authorization_server::testing::{self, Flow, TestAuthorizationServer};
use oauth_types::client_assertion::ClientAssertionKey;
use serde_json::{json, Value};

use crate::admin::{run, stdout};
use crate::private_key_jwt::{
    assertion, post_asserted, spawn_with_signers, SIGNER, SIGNER_REDIRECT_URI,
};

fn signer_flow() -> Flow<'static> {
    Flow {
        client_id: SIGNER,
        client_secret: None,
        redirect_uri: SIGNER_REDIRECT_URI,
        scope: "profile post",
        ..Flow::demo()
    }
}

async fn refresh(
    app: &TestAuthorizationServer,
    key: &ClientAssertionKey,
    client_id: &str,
    refresh_token: &str,
) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    let signed = assertion(app, key, client_id, &json!({}));
    post_asserted(app, "/token", &form, &signed).await
}

#[actix_rt::test]
async fn a_code_is_exchanged_and_refreshed_with_fresh_assertions() {
    for (app, keys) in spawn_with_signers().await {
        let issued = app.obtain_code(&signer_flow()).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", issued.code.as_str()),
            ("redirect_uri", SIGNER_REDIRECT_URI),
            ("code_verifier", issued.code_verifier.as_str()),
        ];
        let signed = assertion(&app, &keys.client, SIGNER, &json!({}));
        let (status, tokens) = post_asserted(&app, "/token", &form, &signed).await;
        assert_eq!(status, 200, "{tokens}");

        let refresh_token = tokens["refresh_token"].as_str().unwrap();
        let (status, refreshed) = refresh(&app, &keys.client, SIGNER, refresh_token).await;
        assert_eq!(status, 200, "{refreshed}");
        assert_eq!(refreshed["scope"], tokens["scope"]);
        assert!(refreshed["access_token"].is_string());
    }
}

/// A scratch directory for key files.
fn scratch_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pkjwt-{}",
        oauth_types::secret::generate_credential()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The commands of docs/authorization-server.md that make an Ed25519 key
/// pair and its JWK Set with `openssl`, run in `dir`.
const MAKE_KEY_AND_JWKS: &str = r#"
openssl genpkey -algorithm ed25519 -out client-key.pem
x=$(openssl pkey -in client-key.pem -pubout -outform DER | tail -c 32 | basenc --base64url | tr -d '=\n')
printf '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s"}]}\n' "$x" > client-jwks.json
"#;

#[actix_rt::test]
async fn a_client_added_with_an_openssl_made_jwk_set_authenticates_with_its_pem_key() {
    for database in service_kit::testing::test_database_urls().await {
        let dir = scratch_dir();
        let made = std::process::Command::new("sh")
            .args(["-e", "-c", MAKE_KEY_AND_JWKS])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let jwks = dir.join("client-jwks.json");
        let added = run(
            &[
                "client",
                "add",
                "--client-id",
                "batch",
                "--kind",
                "confidential",
                "--scope",
                "post",
                "--grant",
                "client_credentials",
                "--default-resource",
                "http://localhost:9002",
                "--auth-method",
                "private_key_jwt",
                "--jwks",
                jwks.to_str().unwrap(),
                "--database-url",
                &database,
            ],
            "",
        );
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        assert!(
            !stdout(&added).contains("client_secret"),
            "{}",
            stdout(&added)
        );
        let listed = stdout(&run(&["client", "list", "--database-url", &database], ""));
        let batch = listed
            .lines()
            .find(|line| line.starts_with("batch\t"))
            .unwrap();
        assert!(batch.contains("\tauth_method=private_key_jwt"), "{listed}");

        let pem = std::fs::read_to_string(dir.join("client-key.pem")).unwrap();
        let key = ClientAssertionKey::from_pkcs8_pem(&pem).unwrap();
        let app = testing::spawn(&database).await;
        let form = [("grant_type", "client_credentials")];
        let signed = assertion(&app, &key, "batch", &json!({}));
        let (status, body) = post_asserted(&app, "/token", &form, &signed).await;
        assert_eq!(status, 200, "{body}");
        let secret = app.token_request("batch", Some("anything"), &form).await;
        assert_eq!(secret.status(), 401);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[actix_rt::test]
async fn client_add_refuses_auth_methods_and_key_sets_that_cannot_work() {
    let database = service_kit::testing::sqlite_url();
    let dir = scratch_dir();
    let private = dir.join("private.json");
    let key = r#"{"kty":"OKP","crv":"Ed25519","x":"0Z11d_ALPbgC_oh4zQN6SCFnosP3mfHmxt4XUaw1hXI""#;
    std::fs::write(
        &private,
        format!(r#"{{"keys":[{key},"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}]}}"#),
    )
    .unwrap();
    let public = dir.join("public.json");
    std::fs::write(&public, format!(r#"{{"keys":[{key}}}]}}"#)).unwrap();
    let (private, public) = (private.to_str().unwrap(), public.to_str().unwrap());
    let base =
        "client add --client-id batch --kind confidential --scope post --grant client_credentials";
    let refusals = [
        (
            format!("--auth-method private_key_jwt --jwks {private}"),
            "private members",
        ),
        ("--auth-method private_key_jwt".to_owned(), "needs --jwks"),
        (
            "--auth-method client_secret_jwt".to_owned(),
            "unknown client authentication method",
        ),
        ("--auth-method none".to_owned(), "for public clients"),
        (
            format!("--auth-method client_secret_post --jwks {public}"),
            "--jwks is for",
        ),
        (
            format!("--auth-method private_key_jwt --jwks {public}x"),
            "cannot read",
        ),
    ];
    for (flags, reason) in refusals {
        let args: Vec<&str> = base
            .split_whitespace()
            .chain(flags.split_whitespace())
            .chain(["--database-url", &database])
            .collect();
        let output = run(&args, "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags}: {stderr}");
        assert!(stderr.contains(reason), "{flags}: {stderr}");
    }
    let public_client = run(
        &[
            "client",
            "add",
            "--client-id",
            "app",
            "--kind",
            "public",
            "--auth-method",
            "client_secret_basic",
            "--database-url",
            &database,
        ],
        "",
    );
    assert_eq!(public_client.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}
