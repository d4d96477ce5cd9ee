//! A role's migrations as two sets, one per backend, from one folder:
//!
//! ```text
//! migrations/ROLE/
//!   0001_initial.sql            both backends agree: one file
//!   sqlite/0002_posts.sql       they differ: one file per backend,
//!   postgres/0002_posts.sql     for the same version and name
//! ```
//!
//! Each role's `build.rs` includes this file (`#[path]`; it uses only
//! `std`) and calls [`build_script`], which checks the folder and writes the
//! Rust that embeds both sets in the binary. The sets cannot drift: a
//! version written for one backend only, a per-backend file that repeats a
//! shared one, or two versions with one number stop the build with a
//! message naming the file (and `tests/kit/migrations.rs` checks every
//! role's folder).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The two subfolders that hold per-backend files.
pub const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

/// One migration file: `NNNN_description.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub version: i64,
    /// As sqlx derives it from the file name: `_` read as a space.
    pub description: String,
    pub path: PathBuf,
}

/// The set each backend runs, in version order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSets {
    pub sqlite: Vec<MigrationFile>,
    pub postgres: Vec<MigrationFile>,
}

/// Reads `dir` and checks that both backends get the same versions.
pub fn resolve(dir: &Path) -> Result<MigrationSets, String> {
    let shared = files_in(dir)?;
    let sqlite = files_in(&dir.join(BACKENDS[0]))?;
    let postgres = files_in(&dir.join(BACKENDS[1]))?;
    for (backend, own, other) in [
        (BACKENDS[0], &sqlite, &postgres),
        (BACKENDS[1], &postgres, &sqlite),
    ] {
        for (version, file) in own {
            if shared.contains_key(version) {
                return Err(format!(
                    "{} repeats the shared migration {version}: keep one file where the backends agree",
                    file.path.display()
                ));
            }
            match other.get(version) {
                Some(twin) if twin.description == file.description => {}
                _ => {
                    return Err(format!(
                        "{} exists for {backend} only: a per-backend migration needs its twin, with the same name, for the other backend",
                        file.path.display()
                    ))
                }
            }
        }
    }
    let set = |own: BTreeMap<i64, MigrationFile>| {
        let mut all = shared.clone();
        all.extend(own);
        all.into_values().collect()
    };
    Ok(MigrationSets {
        sqlite: set(sqlite),
        postgres: set(postgres),
    })
}

/// The `.sql` files directly in `dir`, by version (none if `dir` is absent).
fn files_in(dir: &Path) -> Result<BTreeMap<i64, MigrationFile>, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(files);
    };
    for entry in entries {
        let path = entry
            .map_err(|err| format!("{}: {err}", dir.display()))?
            .path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("sql") {
            continue;
        }
        let file = parse_name(&path)?;
        if let Some(earlier) = files.insert(file.version, file) {
            return Err(format!(
                "{} and {} have one version number",
                earlier.path.display(),
                path.display()
            ));
        }
    }
    Ok(files)
}

/// `0003_signing_key_rotation.sql` → version 3, "signing key rotation".
fn parse_name(path: &Path) -> Result<MigrationFile, String> {
    let stem = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("");
    let (version, name) = stem.split_once('_').unwrap_or((stem, ""));
    match version.parse::<i64>() {
        Ok(version) if version > 0 && !name.is_empty() => Ok(MigrationFile {
            version,
            description: name.replace('_', " "),
            path: path.to_path_buf(),
        }),
        _ => Err(format!(
            "{} is not named VERSION_description.sql",
            path.display()
        )),
    }
}

/// The Rust expression (a `service_kit::database::Migrations`) that embeds
/// both sets with `include_str!`.
pub fn embedding_code(sets: &MigrationSets) -> String {
    let list = |files: &[MigrationFile]| {
        let mut code = String::from("&[\n");
        for file in files {
            let _ = writeln!(
                code,
                "        service_kit::database::EmbeddedMigration {{ version: {}, description: {:?}, sql: include_str!({:?}) }},",
                file.version,
                file.description,
                file.path.display().to_string()
            );
        }
        code.push_str("    ]");
        code
    };
    format!(
        "service_kit::database::Migrations {{\n    sqlite: {},\n    postgres: {},\n}}\n",
        list(&sets.sqlite),
        list(&sets.postgres)
    )
}

/// For a role's `build.rs`: checks `migrations/ROLE/` and writes
/// `$OUT_DIR/migrations.rs`; cargo runs it again when a migration changes.
/// An error stops the build with its message.
pub fn build_script(role: &str) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("cargo did not set {name}"));
    let dir = Path::new(&env("CARGO_MANIFEST_DIR")?)
        .join("../../migrations")
        .join(role);
    let dir = dir.canonicalize().unwrap_or(dir);
    println!("cargo:rerun-if-changed={}", dir.display());
    for backend in BACKENDS {
        println!("cargo:rerun-if-changed={}", dir.join(backend).display());
    }
    let sets = resolve(&dir).map_err(|why| format!("migrations of {role}: {why}"))?;
    let out = Path::new(&env("OUT_DIR")?).join("migrations.rs");
    std::fs::write(&out, embedding_code(&sets)).map_err(|err| format!("{}: {err}", out.display()))
}
