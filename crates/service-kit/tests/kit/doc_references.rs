//! The docs name only what exists. Every `path::name` and every `file.rs`
//! that the README, a page of docs/ or interop/README.md puts in backticks
//! is found in the workspace's Rust sources, so that renaming a test or a
//! function without its docs fails here, not in a reader's hands.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `directory`, build output left out.
fn rust_files(directory: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && !name.to_string_lossy().starts_with('.') {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The words of a text: maximal runs of identifier characters.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_identifier_char(c))
        .filter(|word| !word.is_empty())
}

/// What the sources define by name (`fn`, `struct`, `mod`, …), and every
/// word they contain (enum variants, fields, constants' uses).
struct Sources {
    files: Vec<String>,
    defined: HashSet<String>,
    words: HashSet<String>,
    /// The crates of Cargo.lock that are not ours: `sqlx::query` is theirs.
    external: HashSet<String>,
}

/// The package names of Cargo.lock, as paths spell them, minus ours.
fn external_crates(root: &Path) -> HashSet<String> {
    let ours: HashSet<String> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    std::fs::read_to_string(root.join("Cargo.lock"))
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .map(|name| name.trim_end_matches('"').replace('-', "_"))
        .filter(|name| !ours.contains(name))
        .collect()
}

fn sources() -> Sources {
    let root = workspace();
    let mut paths = Vec::new();
    for folder in ["crates", "fuzz"] {
        rust_files(&root.join(folder), &mut paths);
    }
    let mut sources = Sources {
        files: Vec::new(),
        defined: HashSet::new(),
        words: HashSet::new(),
        external: external_crates(&root),
    };
    const KEYWORDS: [&str; 8] = [
        "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
    ];
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let all: Vec<&str> = words(&text).collect();
        for pair in all.windows(2) {
            if KEYWORDS.contains(&pair[0]) {
                sources.defined.insert(pair[1].to_owned());
            }
        }
        sources
            .words
            .extend(all.iter().map(|word| (*word).to_owned()));
        let relative = path.strip_prefix(&root).unwrap_or(&path);
        sources
            .files
            .push(relative.to_string_lossy().replace('\\', "/"));
    }
    sources
}

/// The spans in backticks outside fenced code blocks.
fn backticked(markdown: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            spans.extend(line.split('`').skip(1).step_by(2).map(str::to_owned));
        }
    }
    spans
}

/// What a span names that must exist, if anything, and why it does not.
/// A span with `*` is a pattern, not a name.
fn missing(span: &str, sources: &Sources) -> Vec<String> {
    let mut problems = Vec::new();
    if span.contains('*') {
        return problems;
    }
    let tokens =
        span.split(|c: char| !(is_identifier_char(c) || matches!(c, ':' | '/' | '.' | '-')));
    for token in tokens.filter(|token| !token.contains("://")) {
        let (file, path) = match token.split_once(".rs") {
            Some((file, rest)) => (Some(format!("{file}.rs")), rest.trim_start_matches("::")),
            None => (None, token),
        };
        if let Some(file) = &file {
            let known = sources
                .files
                .iter()
                .any(|known| known == file || known.ends_with(&format!("/{file}")));
            if !known {
                problems.push(format!("no source file {file}"));
            }
        }
        if !path.contains("::") && file.is_none() {
            continue;
        }
        let first = path.split("::").next().unwrap_or_default();
        if file.is_none() && sources.external.contains(first) {
            continue;
        }
        let Some(last) = path.trim_end_matches(['.', ':']).rsplit("::").next() else {
            continue;
        };
        if last.is_empty() || !last.chars().all(is_identifier_char) {
            continue;
        }
        // A function, test or module must be defined; a type, variant,
        // field or constant need only appear.
        let exists = sources.defined.contains(last) || sources.words.contains(last);
        if !exists {
            problems.push(format!("nothing named {last} (in {token})"));
        }
    }
    problems
}

#[test]
fn every_name_the_docs_put_in_backticks_exists_in_the_sources() {
    let root = workspace();
    let sources = sources();
    let mut pages = vec![root.join("README.md"), root.join("interop/README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap().flatten() {
        if entry
            .path()
            .extension()
            .is_some_and(|extension| extension == "md")
        {
            pages.push(entry.path());
        }
    }
    let mut problems = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page
            .strip_prefix(&root)
            .unwrap_or(page)
            .display()
            .to_string();
        for span in backticked(&text) {
            problems.extend(
                missing(&span, &sources)
                    .into_iter()
                    .map(|problem| format!("{name}: `{span}`: {problem}")),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_finds_what_is_missing_and_passes_what_exists() {
    let sources = sources();
    assert!(missing("service_kit::testing::free_port", &sources).is_empty());
    assert!(missing("jwt/algorithm.rs::SigningAlgorithm", &sources).is_empty());
    // Names built here, so that this file does not define them as words.
    let absent = ["no", "such", "helper"].join("_");
    assert!(!missing(&format!("service_kit::testing::{absent}"), &sources).is_empty());
    assert!(!missing(&format!("routes/{absent}.rs"), &sources).is_empty());
    assert!(missing("https://example.com/a::b", &sources).is_empty());
    assert!(missing("sqlx::query(...)", &sources).is_empty(), "not ours");
    assert!(missing("jwt/*.rs", &sources).is_empty(), "a pattern");
}
