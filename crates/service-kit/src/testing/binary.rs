//! A role's binary as an operator runs it: started as a process, asked for
//! `/healthz`, stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A running role binary.
pub struct ChildServer {
    child: Child,
    /// The URL from its `listening on URL` line.
    pub url: String,
}

/// Starts `binary` with `args` and waits for its `listening on` line.
///
/// # Panics
/// When the process does not start or prints something else first.
#[allow(clippy::panic)]
pub fn start(binary: &str, args: &[&str]) -> ChildServer {
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {binary}: {err}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first_line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut first_line);
    let url = first_line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected 'listening on URL', got {first_line:?}"))
        .to_owned();
    ChildServer { child, url }
}

impl ChildServer {
    /// Sends SIGTERM and waits (at most 15 s) for the exit status.
    #[allow(clippy::panic)]
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot signal {pid}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `binary` to completion with `args` and no input.
#[allow(clippy::panic)]
pub fn run(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(binary)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {binary}: {err}"))
}

/// The contract's "Every binary" section, checked against one binary:
/// port 0 and the `listening on` line, `/healthz`, exit 0 on SIGTERM, and
/// one line with exit 2 for a bad flag, a bad database URL and a
/// non-loopback address over plain HTTP.
#[allow(clippy::panic)]
pub async fn assert_every_binary_rules(binary: &str, env_prefix: &str) {
    let database_url = super::sqlite_url();
    let server = start(
        binary,
        &["--addr", "127.0.0.1:0", "--database-url", &database_url],
    );
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(
        !server.url.ends_with(":0"),
        "the real port is printed: {}",
        server.url
    );
    let health = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap_or_else(|err| panic!("/healthz: {err}"));
    assert_eq!(health.status().as_u16(), 200);
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");

    assert_refused_in_one_line(run(binary, &["--no-such-flag"], &[]), "no-such-flag");
    assert_refused_in_one_line(
        run(binary, &["--database-url", "mysql://db"], &[]),
        "database URL",
    );
    assert_refused_in_one_line(
        run(
            binary,
            &["--addr", "0.0.0.0:0", "--database-url", &database_url],
            &[],
        ),
        "--insecure-http",
    );
    let env_name = format!("{env_prefix}ADDR");
    assert_refused_in_one_line(
        run(
            binary,
            &["--database-url", &database_url],
            &[(&env_name, "not-an-address")],
        ),
        "not-an-address",
    );
}

/// For a role that calls another over HTTPS: a `--ca-cert` file that does
/// not exist, given by flag or by `{env_prefix}CA_CERT`, is refused in one
/// line with exit 2, before anything serves.
pub fn assert_unreadable_ca_cert_is_refused(binary: &str, env_prefix: &str) {
    let database_url = super::sqlite_url();
    let missing = std::env::temp_dir().join(format!("missing-ca-{}.pem", uuid::Uuid::new_v4()));
    let missing = missing.display().to_string();
    assert_refused_in_one_line(
        run(
            binary,
            &[
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                &database_url,
                "--ca-cert",
                &missing,
            ],
            &[],
        ),
        "--ca-cert",
    );
    let env_name = format!("{env_prefix}CA_CERT");
    assert_refused_in_one_line(
        run(
            binary,
            &["--addr", "127.0.0.1:0", "--database-url", &database_url],
            &[(&env_name, &missing)],
        ),
        &missing,
    );
}

#[allow(clippy::panic)]
fn assert_refused_in_one_line(output: Output, mentions: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(mentions),
        "{stderr:?} should mention {mentions:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
