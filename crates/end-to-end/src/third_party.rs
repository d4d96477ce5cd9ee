//! Third-party implementations run against our roles: the proof that they
//! speak the standards and not a dialect of their own.
//!
//! The scripts live in `interop/` at the top of the workspace, in Python,
//! with their libraries pinned in `interop/requirements.txt`;
//! `scripts/interop-setup` installs them into `.interop-venv/`.
//! `OAUTH_INTEROP_PYTHON` may name another interpreter that has them.
//! Without one, the tests print that they were skipped (past the test
//! harness's capture); with `OAUTH_INTEROP=required` (as `.ci/run` sets it)
//! that is an error instead.

use std::path::{Path, PathBuf};
use std::process::Command;

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
