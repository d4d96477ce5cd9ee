//! Security rule 40: private signing keys are sealed under a key-encryption
//! key (KEK) that is not in the database; retired keys are deleted once no
//! token they signed can still be valid; `key rewrap` moves every key to a
//! new KEK.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use authorization_server::jwt::key_encryption::KeyEncryptionKey;
use authorization_server::store::{housekeeping, signing_keys};
use authorization_server::testing::{self, Flow, TestAuthorizationServer};
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use service_kit::testing::binary;
use sqlx::Row;

use crate::admin::{run, stdout};
use crate::helpers::{demo_access_token, jwt_config, kid_of, signing_kid, spawn_jwt_apps};

const EDDSA: authorization_server::jwt::SigningAlgorithm =
    authorization_server::jwt::SigningAlgorithm::EdDSA;

const BINARY: &str = env!("CARGO_BIN_EXE_authorization-server");

/// A new KEK file in the temporary directory.
fn new_kek_file() -> PathBuf {
    let path = std::env::temp_dir()
        .join("oauth-workspace-tests")
        .join(format!("{}.kek", uuid::Uuid::new_v4().simple()));
    KeyEncryptionKey::create(&path).unwrap();
    path
}

/// The Ed25519 keys of the JWK Set: the chain that signs access tokens
/// here (the RS256 chain of ID tokens is published beside it).
async fn jwk_set(app: &TestAuthorizationServer) -> JwkSet {
    let mut keys: JwkSet = reqwest::get(format!("{}/jwks.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    keys.keys
        .retain(|key| matches!(key.algorithm, AlgorithmParameters::OctetKeyPair(_)));
    keys
}

/// The stored keys of the access tokens' chain (EdDSA).
async fn eddsa_keys(pool: &sqlx::AnyPool) -> Vec<signing_keys::StoredKey> {
    let mut keys = signing_keys::list(pool).await.unwrap();
    keys.retain(|key| key.algorithm == "EdDSA");
    keys
}

/// The Ed25519 public keys (`x`) of the JWK Set, decoded.
async fn published_public_keys(app: &TestAuthorizationServer) -> Vec<Vec<u8>> {
    jwk_set(app)
        .await
        .keys
        .iter()
        .map(|jwk| match &jwk.algorithm {
            AlgorithmParameters::OctetKeyPair(okp) => URL_SAFE_NO_PAD.decode(&okp.x).unwrap(),
            other => panic!("not an OKP key: {other:?}"),
        })
        .collect()
}

/// Every text column of every `signing_keys` row, read raw.
async fn raw_text_columns(app: &TestAuthorizationServer) -> Vec<String> {
    let rows = sqlx::query("SELECT * FROM signing_keys")
        .fetch_all(app.database().pool())
        .await
        .unwrap();
    assert!(!rows.is_empty());
    let mut texts = Vec::new();
    for row in &rows {
        for index in 0..sqlx::Row::columns(row).len() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(index) {
                texts.push(text);
            }
        }
    }
    texts
}

/// Every way a column could hold 32 secret bytes: the text itself, and its
/// base64url, base64 and hex decodings.
fn decodings(text: &str) -> Vec<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    let mut all = vec![text.as_bytes().to_vec()];
    all.extend(URL_SAFE_NO_PAD.decode(trimmed).ok());
    all.extend(STANDARD_NO_PAD.decode(trimmed).ok());
    let hex: Option<Vec<u8>> = text
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok().filter(|p| p.len() == 2)?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect();
    all.extend(hex);
    all
}

/// Whether any 32 consecutive bytes of any decoding of `text` are the
/// Ed25519 seed of one of `public_keys`.
fn holds_a_private_key(text: &str, public_keys: &[Vec<u8>]) -> bool {
    decodings(text).iter().any(|bytes| {
        bytes.windows(32).any(|window| {
            let seed: [u8; 32] = window.try_into().unwrap();
            let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
            public_keys.iter().any(|key| key == public.as_bytes())
        })
    })
}

/// Starting a server on `database` with `kek_file`: the error's text and
/// exit code, or `None` when it starts.
async fn start_error(database: &str, kek_file: &Path) -> Option<(String, u8)> {
    let mut config = jwt_config(database);
    config.key_encryption_key_file = Some(kek_file.to_owned());
    match authorization_server::build(config).await {
        Ok(_) => None,
        Err(error) => Some((error.to_string(), error.exit_code())),
    }
}

#[actix_rt::test]
async fn the_database_alone_yields_no_private_signing_key() {
    for app in spawn_jwt_apps().await {
        app.obtain_tokens(&Flow::demo()).await;
        app.rotate_signing_key().await;
        let public_keys = published_public_keys(&app).await;
        assert_eq!(public_keys.len(), 2);

        let columns = raw_text_columns(&app).await;

        for column in &columns {
            assert!(
                !holds_a_private_key(column, &public_keys),
                "a column holds a private key"
            );
        }
        let error = start_error(&app.database_url, &new_kek_file()).await;
        let (message, exit_code) = error.expect("another KEK is refused at start-up");
        assert!(message.contains("--key-encryption-key-file"), "{message}");
        assert_eq!(exit_code, 2);
    }
}

#[actix_rt::test]
async fn a_key_stored_in_clear_by_an_older_server_is_sealed_at_the_next_start() {
    for app in spawn_jwt_apps().await {
        let kid = signing_kid(&app).await;
        let public_keys = published_public_keys(&app).await;
        // As migration 0002/0003 stored it: the base64url seed, in clear.
        let stored = eddsa_keys(app.database().pool()).await;
        let der = app
            .key_encryption_key()
            .open(&kid, "EdDSA", &stored[0].private_key)
            .unwrap();
        let seed = ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_der(&der)
            .map(|key: ed25519_dalek::SigningKey| key.to_bytes())
            .unwrap();
        sqlx::query(
            "UPDATE signing_keys SET private_key = $1, private_key_encryption = 'none' WHERE kid = $2",
        )
        .bind(URL_SAFE_NO_PAD.encode(seed))
        .bind(&kid)
        .execute(app.database().pool())
        .await
        .unwrap();
        let in_clear = raw_text_columns(&app).await;

        let mut config = jwt_config(&app.database_url);
        config.clock = app.clock.clone();
        let restarted = testing::spawn_with(config).await;

        assert!(
            in_clear
                .iter()
                .any(|c| holds_a_private_key(c, &public_keys)),
            "the check finds a clear key"
        );
        for column in raw_text_columns(&restarted).await {
            assert!(!holds_a_private_key(&column, &public_keys));
        }
        let token = demo_access_token(&restarted).await;
        assert_eq!(kid_of(&token), kid, "the same key signs, now sealed");
        assert_eq!(published_public_keys(&restarted).await, public_keys);
    }
}

#[actix_rt::test]
async fn a_retired_key_is_deleted_by_the_purge_once_no_token_it_signed_can_be_valid() {
    for app in spawn_jwt_apps().await {
        let old_kid = signing_kid(&app).await;
        let rotation = app.rotate_signing_key().await;
        let pool = app.database().pool();
        let stored_kids = || async {
            let keys = eddsa_keys(pool).await;
            keys.into_iter().map(|key| key.kid).collect::<Vec<_>>()
        };

        // The clock follows the wall clock from where it was moved: keep a
        // few seconds of margin before the boundary.
        app.advance_clock(rotation.publish_until - 5 - app.clock.now());
        housekeeping::purge_expired(pool, app.clock.now(), 900)
            .await
            .unwrap();
        let just_before = stored_kids().await;
        let published_before = jwk_set(&app).await;
        app.advance_clock(5);
        housekeeping::purge_expired(pool, app.clock.now(), 900)
            .await
            .unwrap();
        let after = stored_kids().await;
        app.advance_clock(10 * 365 * 24 * 3600);
        housekeeping::purge_expired(pool, app.clock.now(), 900)
            .await
            .unwrap();

        assert!(just_before.contains(&old_kid));
        assert!(published_before.find(&old_kid).is_some());
        assert_eq!(after, std::slice::from_ref(&rotation.kid));
        assert!(jwk_set(&app).await.find(&old_kid).is_none());
        assert_eq!(
            stored_kids().await,
            std::slice::from_ref(&rotation.kid),
            "the signing key is never deleted"
        );
        let token = demo_access_token(&app).await;
        assert_eq!(kid_of(&token), rotation.kid);
    }
}

#[actix_rt::test]
async fn a_server_with_a_longer_token_lifetime_keeps_a_retired_key_until_its_tokens_expire() {
    for database in service_kit::testing::test_database_urls().await {
        let mut config = jwt_config(&database);
        config.access_token_ttl = 3600;
        let app = testing::spawn_with(config).await;
        let old_token = demo_access_token(&app).await;
        let pool = app.database().pool();
        // Rotated by an operator who gave `key rotate` a 600 s lifetime.
        let kek = app.key_encryption_key();
        let rotation = authorization_server::jwt::rotate(pool, &kek, EDDSA, app.clock.now(), 600)
            .await
            .unwrap();
        app.advance_clock(authorization_server::jwt::ACTIVATION_DELAY_SECONDS);
        jwk_set(&app).await; // the server reloads its keys

        app.advance_clock(rotation.publish_until - app.clock.now());
        housekeeping::purge_expired(pool, app.clock.now(), 900)
            .await
            .unwrap();

        assert!(jwk_set(&app).await.find(&kid_of(&old_token)).is_some());
        let stored = eddsa_keys(pool).await;
        assert_eq!(stored.len(), 2, "the old key is still needed");
    }
}

/// `--key-encryption-key-file KEK key rewrap --new-key-encryption-key-file NEW`.
fn rewrap(database: &str, kek: &Path, new: &Path) -> std::process::Output {
    run(
        &[
            "--key-encryption-key-file",
            kek.to_str().unwrap(),
            "key",
            "rewrap",
            "--new-key-encryption-key-file",
            new.to_str().unwrap(),
            "--database-url",
            database,
        ],
        "",
    )
}

#[actix_rt::test]
async fn key_rewrap_moves_every_key_to_the_new_kek_and_the_old_one_is_refused() {
    for app in spawn_jwt_apps().await {
        let database = &app.database_url;
        let old_token = demo_access_token(&app).await;
        app.rotate_signing_key().await;
        let published = jwk_set(&app).await;
        let new_kek = new_kek_file();

        let wrong = rewrap(database, &new_kek_file(), &new_kek);
        let done = rewrap(database, &app.key_encryption_key_file, &new_kek);

        assert_eq!(wrong.status.code(), Some(2), "a wrong current KEK");
        assert!(String::from_utf8_lossy(&wrong.stderr).contains("--key-encryption-key-file"));
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        // Two EdDSA keys and the RS256 key of ID tokens.
        assert!(stdout(&done).starts_with("re-encrypted 3 signing key(s)"));
        let refused = start_error(database, &app.key_encryption_key_file).await;
        assert_eq!(refused.map(|(_, code)| code), Some(2), "the old KEK");
        let mut config = jwt_config(database);
        config.clock = app.clock.clone();
        config.key_encryption_key_file = Some(new_kek.clone());
        let restarted = testing::spawn_with(config).await;
        assert_eq!(
            serde_json::to_value(jwk_set(&restarted).await).unwrap(),
            serde_json::to_value(&published).unwrap(),
            "the same JWK Set"
        );
        let new_token = demo_access_token(&restarted).await;
        for token in [&old_token, &new_token] {
            let jwk = published.find(&kid_of(token)).unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
            validation.set_audience(&["http://localhost:9002"]);
            let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
            jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).unwrap();
        }
        let listed = run(&["key", "list", "--database-url", database], "");
        assert!(listed.status.success());
        assert_eq!(stdout(&listed).lines().count(), 3);
    }
}

/// The binary with `args`: its exit code and what it wrote to stderr.
fn refusal(args: &[&str]) -> (Option<i32>, String) {
    let output = binary::run(BINARY, args, &[]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[actix_rt::test]
async fn the_binary_refuses_a_missing_or_malformed_kek_file_in_one_line_naming_the_flag() {
    let database = service_kit::testing::sqlite_url();
    let directory = std::env::temp_dir().join("oauth-workspace-tests");
    std::fs::create_dir_all(&directory).unwrap();
    let malformed = directory.join(format!("{}.kek", uuid::Uuid::new_v4().simple()));
    std::fs::write(&malformed, "dG9vIHNob3J0\n").unwrap();
    let missing = directory.join(format!("{}.kek", uuid::Uuid::new_v4().simple()));
    let serve = ["--addr", "127.0.0.1:0", "--database-url", &database];
    let jwt = ["--access-token-format", "jwt"];

    let cases = [
        refusal(
            &[
                &serve[..],
                &jwt,
                &["--key-encryption-key-file", malformed.to_str().unwrap()],
            ]
            .concat(),
        ),
        refusal(
            &[
                &serve[..],
                &jwt,
                &["--key-encryption-key-file", missing.to_str().unwrap()],
            ]
            .concat(),
        ),
        refusal(&[&serve[..], &jwt].concat()),
        // ID tokens are signed whatever the access-token format: opaque
        // mode needs the key-encryption key too.
        refusal(&serve),
        refusal(&[
            "--key-encryption-key-file",
            malformed.to_str().unwrap(),
            "key",
            "rotate",
            "--database-url",
            &database,
        ]),
        refusal(&["key", "rotate", "--database-url", &database]),
    ];

    for (code, stderr) in &cases {
        assert_eq!(*code, Some(2), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--key-encryption-key-file"), "{stderr}");
    }
    let (_, opaque) = &cases[3];
    assert!(opaque.contains("AS_KEY_ENCRYPTION_KEY_FILE"), "{opaque}");
}

/// Starts the binary in `directory` and returns its JWK Set, then stops it.
async fn demo_jwk_set(directory: &Path, database: &str) -> String {
    let mut child = Command::new(BINARY)
        .args([
            "--demo",
            "--access-token-format",
            "jwt",
            "--addr",
            "127.0.0.1:0",
        ])
        .args(["--database-url", database])
        .current_dir(directory)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().strip_prefix("listening on ").map(str::to_owned);
    let keys = match url {
        Some(url) => reqwest::get(format!("{url}/jwks.json"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        None => String::new(),
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(!keys.is_empty(), "the demo server started: {line}");
    keys
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[actix_rt::test]
async fn demo_creates_a_private_kek_file_beside_the_database_and_reuses_it() {
    let directory = std::env::temp_dir()
        .join("oauth-workspace-tests")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&directory).unwrap();
    let mut databases = vec![(
        format!("sqlite://{}", directory.join("as.db").display()),
        directory.join("as.db.kek"),
    )];
    if let Some(postgres) = service_kit::testing::postgres_url().await {
        databases.push((postgres, directory.join("data/authorization-server.kek")));
    }

    for (database, kek_file) in databases {
        let first = demo_jwk_set(&directory, &database).await;
        let kek = std::fs::read_to_string(&kek_file).unwrap();
        let second = demo_jwk_set(&directory, &database).await;

        assert_eq!(mode(&kek_file), 0o600, "{}", kek_file.display());
        assert_eq!(std::fs::read_to_string(&kek_file).unwrap(), kek, "reused");
        assert_eq!(first, second, "the same key, opened with the same KEK");
    }
}
