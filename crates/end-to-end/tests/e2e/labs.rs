//! docs/labs.md's curl lab, run as it is written against freshly started
//! roles: only the two lines naming where the roles listen are changed.

use end_to_end::ecosystem::{Ecosystem, Options};

/// The shell blocks of the curl lab, in order.
fn curl_lab() -> String {
    let labs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/labs.md"))
        .unwrap();
    let section = labs
        .split("\n## The curl lab\n")
        .nth(1)
        .expect("docs/labs.md has a section \"The curl lab\"");
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect()
}

/// The lab pointed at these roles instead of the demo's ports.
fn pointed_at(lab: &str, authorization_server: &str, resource: &str) -> String {
    let as_line = "AS=http://localhost:9001\n";
    let rs_line = "RS=http://localhost:9002\n";
    assert!(lab.contains(as_line) && lab.contains(rs_line), "{lab}");
    lab.replacen(as_line, &format!("AS={authorization_server}\n"), 1)
        .replacen(rs_line, &format!("RS={resource}\n"), 1)
}

/// The values the lab promises to leave in the shell, printed after it.
const REPORT: &str = r#"
printf 'code=%s\naccess_token=%s\nrefresh_token=%s\n' "$code" "$access_token" "$refresh_token"
"#;

fn value<'a>(output: &'a str, name: &str) -> &'a str {
    output
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
}

#[actix_rt::test]
async fn the_curl_lab_runs_as_written() {
    let ecosystem = Ecosystem::start(Options::sqlite()).await;
    let script = pointed_at(
        &curl_lab(),
        &ecosystem.authorization_server.url,
        &ecosystem.resource_url,
    ) + REPORT;

    // The lab needs bash, curl and openssl, as its reader does; a machine
    // without them fails here rather than skipping the lab.
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .output()
            .expect("bash runs the curl lab")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    assert!(stdout.contains("state matches"), "{stdout}");
    for name in ["code", "access_token", "refresh_token"] {
        assert!(value(&stdout, name).len() >= 32, "{name} is set: {stdout}");
    }
    // Step 6 and step 7: the API answers hamza with the first and the
    // refreshed access token.
    assert_eq!(
        stdout.matches(r#""username":"hamza""#).count(),
        2,
        "{stdout}"
    );
    // Step 8: the spent refresh token and its successor are both refused.
    assert_eq!(
        stdout.matches(r#"{"error":"invalid_grant""#).count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("already used"), "{stdout}");
}
