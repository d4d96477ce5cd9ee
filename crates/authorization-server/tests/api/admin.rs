//! The admin subcommands, run through the built binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use authorization_server::testing::{self, Flow};

const BINARY: &str = env!("CARGO_BIN_EXE_authorization-server");

/// Runs the real binary with `args`, feeding `stdin`.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs an admin command line written as at a shell (words split on white
/// space, no quoting) with `db`'s `--database-url`, and no stdin.
fn run_line(command: &str, db: [&str; 2]) -> Output {
    let args: Vec<&str> = command.split_whitespace().chain(db).collect();
    run(&args, "")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `command` as `run_line` does; it must succeed. What it printed.
fn succeeded(command: &str, db: [&str; 2]) -> String {
    let output = run_line(command, db);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// The line `client list` prints for `client_id`.
fn listed_line(client_id: &str, db: [&str; 2]) -> String {
    let listed = succeeded("client list", db);
    let prefix = format!("{client_id}\t");
    listed
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{client_id} is not listed: {listed}"))
        .to_owned()
}

#[actix_rt::test]
async fn admin_commands_add_users_and_clients_that_the_server_then_accepts() {
    let database = service_kit::testing::sqlite_url();
    let db = ["--database-url", database.as_str()];

    let added = run(
        &[&["user", "add", "--username", "bob"][..], &db].concat(),
        "bob-password\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let duplicate = run(
        &[&["user", "add", "--username", "bob"][..], &db].concat(),
        "other\n",
    );
    assert_eq!(duplicate.status.code(), Some(2));
    let users = run(&[&["user", "list"][..], &db].concat(), "");
    assert_eq!(stdout(&users), "bob\n");

    let client = run(
        &[
            &[
                "client",
                "add",
                "--client-id",
                "notes",
                "--kind",
                "confidential",
                "--redirect-uri",
                "http://localhost:7000/cb",
                "--scope",
                "profile post",
                "--grant",
                "authorization_code",
                "--grant",
                "client_credentials",
                "--default-resource",
                "http://localhost:9002",
            ][..],
            &db,
        ]
        .concat(),
        "",
    );
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let printed = stdout(&client);
    let secret = printed
        .lines()
        .find_map(|line| line.strip_prefix("client_secret: "))
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 43);
    let listed = stdout(&run(&[&["client", "list"][..], &db].concat(), ""));
    assert!(listed.contains("notes\tconfidential"));
    assert!(!listed.contains(&secret), "the secret is shown only once");

    let app = testing::spawn(&database).await;
    let tokens = app
        .obtain_tokens(&Flow {
            client_id: "notes",
            client_secret: Some(&secret),
            redirect_uri: "http://localhost:7000/cb",
            scope: "profile",
            username: "bob",
            password: "bob-password",
            approve: None,
            resource: None,
            pushed: false,
            push_proof: None,
        })
        .await;
    assert_eq!(tokens.scope.unwrap().to_string(), "profile");
    let machine = app
        .token_request(
            "notes",
            Some(&secret),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(machine.status(), 200);
}

#[actix_rt::test]
async fn admin_commands_refuse_incomplete_registrations_with_exit_code_2() {
    let database = service_kit::testing::sqlite_url();
    let db = ["--database-url", database.as_str()];

    let incomplete = [
        // A protected resource without its resource identifier.
        "client add --client-id api --kind protected-resource",
        // The code grant without a redirect URI.
        "client add --client-id web --kind confidential --grant authorization_code",
        // A grant this server does not offer.
        "client add --client-id web --kind public --grant password",
        // A user without a password on stdin.
        "user add --username carol",
    ];

    for command in incomplete {
        let output = run_line(command, db);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    }
}

#[actix_rt::test]
async fn seeding_the_demo_data_twice_is_harmless() {
    let database = service_kit::testing::sqlite_url();
    let first = testing::spawn(&database).await;
    first.handle.stop(true).await;

    let second = testing::spawn(&database).await;

    let listed = stdout(&run(&["client", "list", "--database-url", &database], ""));
    assert_eq!(listed.lines().count(), 5, "{listed}");
    assert!(
        listed
            .lines()
            .any(|line| line.starts_with("strava-dpop\t") && line.ends_with("\tdpop_bound")),
        "{listed}"
    );
    // The contract's `strava-watch`: public, no redirect URI, RFC 8628.
    assert!(
        listed.lines().any(|line| line
            .starts_with("strava-watch\tpublic\tscopes=[post profile]\tgrants=[urn:ietf:params:oauth:grant-type:device_code refresh_token]\tredirect_uris=[]\tdefault_resource=http://localhost:9002\t")
            && line.contains("\tauth_method=none")),
        "{listed}"
    );
    let users = stdout(&run(&["user", "list", "--database-url", &database], ""));
    assert_eq!(users, "alice\nhamza\n");
    second.obtain_tokens(&Flow::demo()).await;
}

/// `authorization-server client list | head -0`: the listing has nowhere
/// to go, which is no error of the command's (and no panic).
#[actix_rt::test]
async fn a_listing_into_a_closed_pipe_exits_0_without_a_panic() {
    let database = service_kit::testing::sqlite_url();
    testing::spawn(&database).await.handle.stop(true).await;
    let args = ["client", "list", "--database-url", &database];
    let output = service_kit::testing::binary::run_with_closed_stdout(BINARY, &args);
    service_kit::testing::binary::assert_quiet_success(&output);
}

#[actix_rt::test]
async fn key_rotate_publishes_a_new_key_and_key_list_shows_each_keys_state() {
    let database = service_kit::testing::sqlite_url();
    let db = ["--database-url", database.as_str()];
    let kek_file = authorization_server::testing::key_encryption_key_file(&database);
    let kek = ["--key-encryption-key-file", kek_file.to_str().unwrap()];

    let rotated = run(&[&kek[..], &["key", "rotate"], &db].concat(), "");
    let listed = run(&[&["key", "list"][..], &db].concat(), "");

    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let printed = stdout(&rotated);
    let word_after = |prefix: &str| {
        printed
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .to_owned()
    };
    let new_kid = word_after("new EdDSA key ");
    let old_kid = word_after("previous EdDSA key(s) ");
    let signs_from = printed
        .split("signs from ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap();
    let lines: Vec<Vec<String>> = stdout(&listed)
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0][..2], [old_kid, "EdDSA".to_owned()]);
    assert!(lines[0][2].starts_with("created="));
    assert_eq!(lines[0][3], "signing");
    assert_eq!(lines[1][0], new_kid);
    // The new key signs 30 s after the rotation (this runs well within them).
    assert!(
        lines[1][3].starts_with(&format!("next (signs from {signs_from},")),
        "{lines:?}"
    );
}

/// `client add` of a public authorization-code client with one
/// `--redirect-uri`, and `extra` flags.
fn add_public_client(
    database: &str,
    client_id: &str,
    redirect_uri: &str,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "client",
        "add",
        "--client-id",
        client_id,
        "--kind",
        "public",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        redirect_uri,
        "--database-url",
        database,
    ];
    args.extend_from_slice(extra);
    run(&args, "")
}

/// Rule 30 (RFC 9700 §2.6): a plain-HTTP redirect URI would carry the code
/// across a network in clear; only loopback ones are registered.
#[actix_rt::test]
async fn a_plain_http_redirect_uri_is_registered_only_for_a_loopback_host() {
    let database = service_kit::testing::sqlite_url();
    let add = |client_id: &str, redirect_uri: &str| {
        add_public_client(&database, client_id, redirect_uri, &[])
    };

    let refused = add("web", "http://app.example/callback");
    let refused_ip = add("lan", "http://192.168.1.20:8080/callback");
    let loopbacks = [
        add("loop-name", "http://localhost:9000/callback"),
        add("loop-v4", "http://127.0.0.1:8765/callback"),
        add("loop-v6", "http://[::1]:8765/callback"),
        add("tls", "https://app.example/callback"),
    ];

    for output in [refused, refused_ip] {
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(stderr.contains("loopback"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
    for output in loopbacks {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Contract "Trust boundaries and races": a redirect URI is one absolute
/// `https` URL (or `http` on loopback) without fragment or white space;
/// two URIs squeezed into one argument, or a `javascript:` URI, are refused.
#[actix_rt::test]
async fn client_add_refuses_squeezed_lists_and_other_schemes_and_records_the_default_resource() {
    let database = service_kit::testing::sqlite_url();
    let add = |client_id: &str, redirect_uri: &str| {
        let resource = ["--default-resource", "http://localhost:9002"];
        add_public_client(&database, client_id, redirect_uri, &resource)
    };

    let refused = [
        add("two", "http://localhost:9000/cb http://evil.example/cb"),
        add("script", "javascript:alert(document.cookie)//"),
        add("data", "data:text/html,<script>alert(1)</script>"),
        add("newline", "https://app.example/cb\nhttps://evil.example/cb"),
    ];
    let accepted = add("fine", "https://app.example/cb");
    let listed = stdout(&run(&["client", "list", "--database-url", &database], ""));

    for output in refused {
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    }
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(
        listed.contains("default_resource=http://localhost:9002"),
        "{listed}"
    );
}

#[actix_rt::test]
async fn user_add_records_the_openid_claims_and_client_add_the_post_logout_uris() {
    let database = service_kit::testing::sqlite_url();
    let db = ["--database-url", database.as_str()];
    let user = run(
        &[
            &["user", "add", "--username", "bob", "--name", "Bob Stone"][..],
            &["--email", "bob@example.com", "--email-verified"],
            &db,
        ]
        .concat(),
        "bob-password\n",
    );
    let client = |post_logout: &str| {
        run(
            &[
                &["client", "add", "--client-id", "notes", "--kind", "public"][..],
                &[
                    "--redirect-uri",
                    "http://127.0.0.1:7000/cb",
                    "--scope",
                    "openid",
                ],
                &["--grant", "authorization_code", "--id-token-alg", "EdDSA"],
                &["--post-logout-redirect-uri", post_logout],
                &db,
            ]
            .concat(),
            "",
        )
    };
    let refused = client("javascript:alert(1)");
    let added = client("http://127.0.0.1:7000/bye");

    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "validated like redirect URIs"
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let pool = service_kit::Database::connect(&database).await.unwrap();
    let bob = authorization_server::store::users::find_by_username(pool.pool(), "bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob.claims.name.as_deref(), Some("Bob Stone"));
    assert_eq!(bob.claims.email.as_deref(), Some("bob@example.com"));
    assert!(bob.claims.email_verified);
    let notes = authorization_server::store::clients::find(pool.pool(), "notes")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        notes.post_logout_redirect_uris,
        ["http://127.0.0.1:7000/bye"]
    );
    assert_eq!(
        notes.id_token_alg,
        authorization_server::jwt::SigningAlgorithm::EdDSA
    );
    let listed = stdout(&run(&[&["client", "list"][..], &db].concat(), ""));
    assert!(
        listed.contains(
            "\tpost_logout_redirect_uris=[http://127.0.0.1:7000/bye]\tid_token_alg=EdDSA"
        ),
        "{listed}"
    );
}

/// `client add --dpop-bound` (RFC 9449 §5.2): the client's token requests
/// without a proof are refused, and `client list` says so.
#[actix_rt::test]
async fn client_add_dpop_bound_makes_the_server_refuse_its_token_requests_without_a_proof() {
    for database in service_kit::testing::test_database_urls().await {
        let db = ["--database-url", database.as_str()];
        let added = succeeded(
            "client add --client-id batch --kind confidential --scope post \
             --grant client_credentials --default-resource http://localhost:9002 --dpop-bound",
            db,
        );
        let secret = added
            .lines()
            .find_map(|line| line.strip_prefix("client_secret: "))
            .unwrap()
            .to_owned();
        let batch = listed_line("batch", db);
        assert!(batch.ends_with("\tdpop_bound"), "{batch}");

        let app = testing::spawn(&database).await;
        let form = [("grant_type", "client_credentials")];
        let key = oauth_types::dpop::DpopKey::generate().unwrap();
        let without = app.token_request("batch", Some(&secret), &form).await;
        let proof = crate::dpop::token_proof(&app, &key);
        let with = app
            .token_request_proving("batch", Some(&secret), &form, Some(&proof))
            .await;

        let (status, body) = crate::helpers::json(without).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_dpop_proof"))
        );
        let (status, body) = crate::helpers::json(with).await;
        assert_eq!(
            (status, body["token_type"].as_str()),
            (200, Some("DPoP")),
            "{body}"
        );
    }
}

/// `client add --require-par` (RFC 9126 §6): `client list` says so, and the
/// client's authorization requests must be pushed.
#[actix_rt::test]
async fn client_add_require_par_makes_authorize_refuse_requests_that_were_not_pushed() {
    for database in service_kit::testing::test_database_urls().await {
        let db = ["--database-url", database.as_str()];
        succeeded(
            "client add --client-id pushy --kind public --scope profile \
             --redirect-uri http://127.0.0.1:7000/cb --grant authorization_code \
             --default-resource http://localhost:9002 --require-par",
            db,
        );
        let pushy = listed_line("pushy", db);
        assert!(pushy.ends_with("\trequire_par"), "{pushy}");

        let app = testing::spawn(&database).await;
        let to =
            crate::helpers::authorize_without_pushing(&app, "pushy", "http://127.0.0.1:7000/cb")
                .await;

        assert!(
            to.starts_with("http://127.0.0.1:7000/cb?error=invalid_request"),
            "{to}"
        );
    }
}

/// RFC 8628: a public client with the device grant needs no redirect URI;
/// its device authorization requests are then accepted.
#[actix_rt::test]
async fn client_add_registers_a_public_device_client_without_a_redirect_uri() {
    for database in service_kit::testing::test_database_urls().await {
        let db = ["--database-url", database.as_str()];
        succeeded(
            "client add --client-id tv --kind public --scope post \
             --grant urn:ietf:params:oauth:grant-type:device_code --grant refresh_token \
             --default-resource http://localhost:9002",
            db,
        );
        let tv = listed_line("tv", db);
        assert!(
            tv.starts_with("tv\tpublic")
                && tv.contains(
                    "grants=[urn:ietf:params:oauth:grant-type:device_code refresh_token]"
                ),
            "{tv}"
        );

        let app = testing::spawn(&database).await;
        let (status, codes) = crate::device::request_codes(&app, "tv", &[]).await;

        assert_eq!(status, 200, "{codes}");
        assert_eq!(codes["interval"], 5);
    }
}
