//! The workspace's declared minimum Rust (`rust-version`) is the real one:
//! no locked dependency needs a newer compiler, and every member inherits
//! it. Checked against `cargo metadata`, so updating the lock file to a
//! crate that needs more fails here, not on a user's machine.

use std::process::Command;

use serde_json::Value;

/// `(major, minor)` of a `rust-version` such as `1.89` or `1.89.0`.
fn version(text: &str) -> (u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_declared_minimum_rust_covers_every_locked_dependency_and_every_member() {
    let metadata = metadata();
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"].as_array().unwrap();
    let declared: Vec<(u64, u64)> = packages
        .iter()
        .filter(|package| members.contains(&package["id"].as_str().unwrap_or("")))
        .map(|package| {
            let name = package["name"].as_str().unwrap_or("?");
            let rust = package["rust_version"].as_str();
            version(rust.unwrap_or_else(|| panic!("{name} declares no rust-version")))
        })
        .collect();
    assert_eq!(declared.len(), members.len());
    let minimum = declared[0];
    assert!(declared.iter().all(|each| *each == minimum), "{declared:?}");

    let needing_more: Vec<String> = packages
        .iter()
        .filter_map(|package| {
            let needs = version(package["rust_version"].as_str()?);
            (needs > minimum)
                .then(|| format!("{} {} needs {needs:?}", package["name"], package["version"]))
        })
        .collect();
    assert!(
        needing_more.is_empty(),
        "rust-version {minimum:?} is too old for the lock file: {needing_more:?}"
    );
    let needed = packages
        .iter()
        .filter_map(|package| package["rust_version"].as_str().map(version))
        .max()
        .unwrap();
    assert_eq!(
        minimum, needed,
        "rust-version claims more than any dependency needs"
    );
}
