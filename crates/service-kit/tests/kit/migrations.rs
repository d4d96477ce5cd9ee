//! Every role's migration folder gives both backends the same versions,
//! and the checks that keep it so catch each way the two sets can drift.

use std::path::{Path, PathBuf};

use service_kit::database::migration_sets::{resolve, MigrationFile};

fn migrations_of(role: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(role)
}

fn versions(files: &[MigrationFile]) -> Vec<(i64, String)> {
    files
        .iter()
        .map(|file| (file.version, file.description.clone()))
        .collect()
}

#[test]
fn every_role_gives_both_backends_the_same_migrations() {
    for role in ["authorization-server", "protected-resource", "client"] {
        let sets = resolve(&migrations_of(role)).unwrap_or_else(|why| panic!("{role}: {why}"));
        assert!(!sets.sqlite.is_empty(), "{role} has migrations");
        assert_eq!(versions(&sets.sqlite), versions(&sets.postgres), "{role}");
        for (sqlite, postgres) in sets.sqlite.iter().zip(&sets.postgres) {
            let differ =
                std::fs::read(&sqlite.path).unwrap() != std::fs::read(&postgres.path).unwrap();
            assert_eq!(
                differ,
                sqlite.path != postgres.path,
                "{role}: a per-backend pair must differ, and only then be two files: {}",
                sqlite.path.display()
            );
        }
    }
}

/// A fresh folder with `files` (relative path, content).
fn folder(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("migrations-{}", uuid::Uuid::new_v4()));
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

#[test]
fn shared_files_serve_both_backends_and_a_pair_overrides_one_version() {
    let dir = folder(&[
        ("0001_initial.sql", "CREATE TABLE a (id BIGINT);"),
        (
            "sqlite/0002_posts.sql",
            "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT);",
        ),
        (
            "postgres/0002_posts.sql",
            "CREATE TABLE p (id BIGSERIAL PRIMARY KEY);",
        ),
    ]);

    let sets = resolve(&dir).unwrap();

    let expected = vec![(1, "initial".to_owned()), (2, "posts".to_owned())];
    assert_eq!(versions(&sets.sqlite), expected);
    assert_eq!(versions(&sets.postgres), expected);
    assert_eq!(
        sets.sqlite[0].path, sets.postgres[0].path,
        "one shared file"
    );
    assert!(sets.sqlite[1].path.ends_with("sqlite/0002_posts.sql"));
    assert!(sets.postgres[1].path.ends_with("postgres/0002_posts.sql"));
}

#[test]
fn each_way_of_drifting_apart_is_refused_naming_the_file() {
    for (files, named) in [
        // Written for one backend only.
        (
            vec![("0001_initial.sql", "x"), ("sqlite/0002_posts.sql", "y")],
            "0002_posts.sql",
        ),
        // A twin under another name.
        (
            vec![
                ("postgres/0001_initial.sql", "x"),
                ("sqlite/0001_start.sql", "y"),
            ],
            "0001_",
        ),
        // A per-backend file that repeats a shared version.
        (
            vec![
                ("0001_initial.sql", "x"),
                ("sqlite/0001_initial.sql", "y"),
                ("postgres/0001_initial.sql", "z"),
            ],
            "0001_initial.sql",
        ),
        // Two files, one version.
        (
            vec![("0001_initial.sql", "x"), ("0001_again.sql", "y")],
            "0001_",
        ),
        // Not VERSION_description.sql.
        (vec![("initial.sql", "x")], "initial.sql"),
    ] {
        let why = resolve(&folder(&files)).unwrap_err();
        assert!(why.contains(named), "{files:?}: {why}");
    }
}
