//! Third-party implementations run against our roles, or our roles
//! against them: the proof that they speak the standards and not a
//! dialect of their own.
//!
//! The scripts live in `interop/` at the top of the workspace: in Python,
//! with their libraries pinned in `interop/requirements.txt` and installed
//! into `.interop-venv/`, and in JavaScript for Node.js, pinned in
//! `interop/package-lock.json` and installed into `interop/node_modules/`;
//! `scripts/interop-setup` installs both. A script is either a client run
//! to completion ([`run`], [`run_with_browser`]) or a server that our
//! roles talk to ([`serve`]).
//! `OAUTH_INTEROP_PYTHON` may name another interpreter that has them.
//! Without one, the tests print that they were skipped (past the test
//! harness's capture); with `OAUTH_INTEROP=required` (as `.ci/run` sets it)
//! that is an error instead.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::user_agent::{AtConsent, UserAgent};

/// The workspace's top folder.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An interpreter with the pinned libraries, or why the test cannot run.
pub fn python() -> Option<PathBuf> {
    let candidates = std::env::var_os("OAUTH_INTEROP_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([workspace().join(".interop-venv/bin/python")]);
    for python in candidates {
        let ready = Command::new(&python)
            .args(["-c", "import authlib, requests"])
            .output()
            .is_ok_and(|output| output.status.success());
        if ready {
            return Some(python);
        }
    }
    crate::skip_unless_required(
        "OAUTH_INTEROP",
        "no Python with interop/requirements.txt: run scripts/interop-setup",
        "the interoperability tests need scripts/interop-setup (Authlib from PyPI)",
    );
    None
}

/// Runs `interop/SCRIPT ARGS…` with `python`; its output when it exits 0,
/// else the test fails with everything it printed.
pub fn run(python: &Path, script: &str, args: &[&str]) -> String {
    let output = Command::new(python)
        .arg(workspace().join("interop").join(script))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {script}: {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// Node.js with the pinned packages, or why the test cannot run.
pub fn node() -> Option<PathBuf> {
    let node = PathBuf::from("node");
    let installed = npm_packages()
        .iter()
        .all(|package| interop_package_installed(package));
    let runs = Command::new(&node)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if installed && runs {
        return Some(node);
    }
    crate::skip_unless_required(
        "OAUTH_INTEROP",
        "no Node.js with interop/package-lock.json installed: run scripts/interop-setup",
        "the interoperability tests need scripts/interop-setup (openid-client and oidc-provider from npm)",
    );
    None
}

/// The packages `interop/package.json` depends on.
fn npm_packages() -> Vec<String> {
    let manifest = std::fs::read_to_string(workspace().join("interop/package.json"))
        .unwrap_or_else(|err| panic!("interop/package.json: {err}"));
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).unwrap_or_else(|err| panic!("interop/package.json: {err}"));
    manifest["dependencies"]
        .as_object()
        .map(|dependencies| dependencies.keys().cloned().collect())
        .unwrap_or_default()
}

fn interop_package_installed(package: &str) -> bool {
    workspace()
        .join("interop/node_modules")
        .join(package)
        .join("package.json")
        .is_file()
}

/// A third-party server that a script runs: stopped when dropped.
pub struct ScriptServer {
    /// The URL it printed once listening (for a provider, its issuer).
    pub url: String,
    child: Child,
    /// Kept open: the script may still write.
    _stdout: BufReader<ChildStdout>,
}

/// `node interop/SCRIPT ARGS…`, not started yet.
fn node_script(node: &Path, script: &str, args: &[&str]) -> Command {
    let mut command = Command::new(node);
    command
        .arg(workspace().join("interop").join(script))
        .args(args);
    command
}

/// Starts `command` with its stdin and stdout piped to the test; the child
/// and its stdout, read line by line.
fn spawn_talking(command: &mut Command, script: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {script}: {err}"));
    let lines = BufReader::new(child.stdout.take().unwrap());
    (child, lines)
}

/// Runs `node interop/SCRIPT ARGS…`, a server, until it prints the URL it
/// listens on (the first stdout line that is an `http(s)` URL; other
/// lines are its notices). Its stderr goes to the test's.
pub async fn serve(node: &Path, script: &str, args: &[&str]) -> ScriptServer {
    let mut command = node_script(node, script, args);
    let (mut child, mut lines) = spawn_talking(command.stderr(Stdio::inherit()), script);
    loop {
        let Some((rest, line)) = next_line(lines).await else {
            let status = child.wait().unwrap();
            panic!("{script} exited ({status}) before printing its URL");
        };
        lines = rest;
        let url = line.trim_end();
        if url.starts_with("http://") || url.starts_with("https://") {
            return ScriptServer {
                url: url.to_owned(),
                child,
                _stdout: lines,
            };
        }
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `node interop/SCRIPT ARGS…` (the issuer first) trusting the
/// authority `ca` (a PEM file), with `person` as the browser: each `VISIT <url> UNTIL <prefix>`
/// line the script prints is walked from `<url>` (login, consent approving
/// `scopes`) until a redirect leaves for `<prefix>`, and that redirect is
/// written back on the script's stdin; each `DEVICE <decision> <uri>
/// <user_code>` line is answered at the device page (RFC 8628 §3.3), then
/// `done` is written back. What the script printed when it
/// exits 0; else the test fails with everything it printed.
pub async fn run_with_browser(
    node: &Path,
    script: &str,
    args: &[&str],
    ca: &Path,
    person: &UserAgent,
    scopes: &str,
) -> String {
    let mut command = node_script(node, script, args);
    command
        .env("NODE_EXTRA_CA_CERTS", ca)
        .stderr(Stdio::piped());
    let (mut child, mut lines) = spawn_talking(&mut command, script);
    let mut printed = String::new();
    while let Some((rest, line)) = next_line(lines).await {
        lines = rest;
        printed.push_str(&line);
        if let Some(device) = line.trim_end().strip_prefix("DEVICE ") {
            answer_device(person, device, scopes).await;
            writeln!(child.stdin.as_mut().unwrap(), "done").unwrap();
            continue;
        }
        let Some(visit) = line.trim_end().strip_prefix("VISIT ") else {
            continue;
        };
        let (start, until) = visit.split_once(" UNTIL ").unwrap();
        let landed = person
            .walk_to(start, until, AtConsent::Approve(scopes))
            .await;
        writeln!(child.stdin.as_mut().unwrap(), "{landed}").unwrap();
    }
    finish(child, script, printed)
}

/// `DEVICE <approve|deny> <uri> <user_code>` (RFC 8628 §3.3): `person`
/// opens the URI, signs in, types the code and approves `scopes` or denies.
async fn answer_device(person: &UserAgent, device: &str, scopes: &str) {
    let mut words = device.split(' ');
    let (Some(decision), Some(uri), Some(code)) = (words.next(), words.next(), words.next()) else {
        panic!("DEVICE <approve|deny> <uri> <user_code>, not: {device}");
    };
    let at_consent = match decision {
        "approve" => AtConsent::Approve(scopes),
        _ => AtConsent::Deny,
    };
    let done = person.approve_device(uri, code, at_consent).await;
    assert!(done.contains("return to your device"), "{done}");
}

/// The next line of `lines`, read off the async runtime's threads.
async fn next_line(mut lines: BufReader<ChildStdout>) -> Option<(BufReader<ChildStdout>, String)> {
    actix_web::rt::task::spawn_blocking(move || {
        let mut line = String::new();
        match lines.read_line(&mut line).unwrap() {
            0 => None,
            _ => Some((lines, line)),
        }
    })
    .await
    .unwrap()
}

fn finish(child: Child, script: &str, printed: String) -> String {
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{printed}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    printed
}
