//! A role's binary as an operator runs it: started as a process, asked for
//! `/healthz`, stopped with SIGTERM. The one child-process runner of the
//! workspace's tests.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A running role binary.
pub struct ChildServer {
    child: Child,
    /// The URL from its `listening on URL` line.
    pub url: String,
    /// The file its standard error goes to, when started with [`start_logging`].
    pub log: Option<PathBuf>,
}

/// A binary of this workspace, next to the test executable's directory
/// (`target/debug/deps/..`): `cargo test --workspace` builds every binary
/// before it runs the tests.
///
/// # Panics
/// When the binary is missing (say how to build it).
#[allow(clippy::panic)]
pub fn workspace_binary(name: &str) -> PathBuf {
    let path = std::env::current_exe()
        .ok()
        .as_deref()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(|directory| directory.join(name))
        .unwrap_or_else(|| panic!("no directory for the binary {name}"));
    assert!(
        path.exists(),
        "{} is missing: `cargo test --workspace` builds it; with `cargo test -p CRATE` \
         run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// Starts `binary` with `args` and waits for its `listening on` line.
///
/// # Panics
/// When the process does not start or prints something else first.
pub fn start(binary: impl AsRef<OsStr>, args: &[&str]) -> ChildServer {
    launch(binary.as_ref(), args, &[], None)
}

/// [`start`] with `env` set and the standard error written to `log` (read
/// it once the server is stopped, e.g. to search a debug log for secrets).
///
/// # Panics
/// When the process does not start or prints something else first.
pub fn start_logging(
    binary: impl AsRef<OsStr>,
    args: &[&str],
    env: &[(&str, &str)],
    log: &Path,
) -> ChildServer {
    launch(binary.as_ref(), args, env, Some(log))
}

#[allow(clippy::panic)]
fn launch(binary: &OsStr, args: &[&str], env: &[(&str, &str)], log: Option<&Path>) -> ChildServer {
    let name = Path::new(binary).display().to_string();
    let stderr = match log {
        Some(path) => File::create(path)
            .map(Stdio::from)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", path.display())),
        None => Stdio::null(),
    };
    let mut child = Command::new(binary)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {name}: {err}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first_line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut first_line);
    let url = first_line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| {
            let logged = log
                .and_then(|path| std::fs::read_to_string(path).ok())
                .unwrap_or_default();
            panic!("{name}: expected 'listening on URL', got {first_line:?}\n{logged}")
        })
        .to_owned();
    ChildServer {
        child,
        url,
        log: log.map(Path::to_path_buf),
    }
}

impl ChildServer {
    /// What it wrote to its standard error so far (with [`start_logging`]).
    pub fn logged(&self) -> String {
        self.log
            .as_deref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }

    /// Sends SIGTERM and waits (at most 15 s) for the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        self.send_sigterm_and_wait()
    }

    /// [`Self::terminate`], then everything it logged (with [`start_logging`]).
    pub fn terminate_and_read_log(mut self) -> (ExitStatus, String) {
        let status = self.send_sigterm_and_wait();
        (status, self.logged())
    }

    #[allow(clippy::panic)]
    fn send_sigterm_and_wait(&mut self) -> ExitStatus {
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
pub fn run(binary: impl AsRef<OsStr>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let binary = binary.as_ref();
    Command::new(binary)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", Path::new(binary).display()))
}

/// [`run`] with the standard output a pipe whose reader is already gone
/// (`binary ARGS | head -0`): every write to it fails.
#[allow(clippy::panic)]
pub fn run_with_closed_stdout(binary: impl AsRef<OsStr>, args: &[&str]) -> Output {
    let binary = binary.as_ref();
    let (reader, writer) = std::io::pipe().unwrap_or_else(|err| panic!("pipe: {err}"));
    drop(reader);
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", Path::new(binary).display()))
}

/// What a binary whose output nobody reads must do: exit 0, not panic.
pub fn assert_quiet_success(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The contract's "Every binary" section, checked against one binary:
/// port 0 and the `listening on` line, `/healthz`, exit 0 on SIGTERM, and
/// one line with exit 2 for a bad flag, a bad database URL and a
/// non-loopback address over plain HTTP; `--help` into a closed pipe
/// exits 0 without a panic.
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
    assert_quiet_success(&run_with_closed_stdout(binary, &["--help"]));
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
