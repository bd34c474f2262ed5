//! Rules of the code base that no compiler checks, run as ordinary tests (`cargo test -p
//! xtask`), in the manner of rust-analyzer's `xtask/src/tidy.rs`:
//!
//! - every Rust source file opens with a `//!` comment saying what it is for;
//! - no library crate prints: what a library has to say goes into its return values, errors
//!   and `tracing`, and the program decides what reaches the terminal (the testkit, whose
//!   checks run inside tests and report to the test's captured output as `assert!` does, is
//!   the exception);
//! - `unsafe` appears only in the plugin boundary, `kt-secrets-core/src/plugin*`;
//! - the built-in providers are listed alike everywhere they are listed: the crates under
//!   `providers/` (except plugins), the workspace dependency table, the facade's features
//!   (one per provider, and the `providers` list of all of them), its dependencies and the
//!   `providers!` table of its `lib.rs`, which makes its `pub use` lines and
//!   `ENABLED_PROVIDERS`;
//! - kt-secrets-core depends on no Kubernetes crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{discover, workspace_root};

/// The directories holding the workspace's own Rust code.
const CODE_DIRS: &[&str] = &["crates", "providers", "tests", "examples", "xtask"];

/// Every `.rs` file under `dir`, skipping build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for d in CODE_DIRS {
        rust_files(&root.join(d), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "found only {} Rust files", files.len());
    files
}

fn rel(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The library crates' `src/` trees: everything but binaries, tests, examples and xtask.
fn library_sources() -> Vec<PathBuf> {
    let root = workspace_root();
    all_rust_files()
        .into_iter()
        .filter(|p| {
            let r = rel(p);
            (r.starts_with("crates/") || r.starts_with("providers/"))
                && r.contains("/src/")
                && !r.starts_with("crates/kt-secrets-cli/")
                && !r.starts_with("crates/kt-secrets-testkit/")
                && !r.contains("/src/bin/")
                && !r.ends_with("/src/main.rs")
        })
        .filter(|p| p.starts_with(&root))
        .collect()
}

/// The code of `text` without comments and string literals, line by line, closely enough to
/// look for tokens: `//` comments (and doc comments) and `"…"` strings are blanked.
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block_comment = false;
    for line in text.lines() {
        let mut code = String::new();
        let mut chars = line.chars().peekable();
        let mut in_string = false;
        while let Some(c) = chars.next() {
            if in_block_comment {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    in_block_comment = false;
                }
                continue;
            }
            if in_string {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '/' if chars.peek() == Some(&'/') => break,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    in_block_comment = true;
                }
                '"' => in_string = true,
                _ => code.push(c),
            }
        }
        out.push(code);
    }
    out
}

/// Whether `word` occurs in `code` as a whole identifier.
fn has_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

#[test]
fn every_source_file_opens_with_a_module_comment() {
    let missing: Vec<String> = all_rust_files()
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| rel(p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` comment saying what they are for:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_library_crate_prints() {
    const PRINTING: &[&str] = &["println!", "eprintln!", "print!", "eprint!", "dbg!"];
    let mut found = Vec::new();
    for path in library_sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text).iter().enumerate() {
            for p in PRINTING {
                let name = &p[..p.len() - 1];
                if line.contains(p) && has_word(line, name) {
                    found.push(format!("{}:{}: {p}", rel(&path), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "library crates return what they have to say (or log it with tracing); these print:\n{}",
        found.join("\n")
    );
}

#[test]
fn unsafe_code_is_only_at_the_plugin_boundary() {
    let boundary = "crates/kt-secrets-core/src/plugin";
    let mut found = Vec::new();
    for path in all_rust_files() {
        let r = rel(&path);
        if r.starts_with(boundary) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text).iter().enumerate() {
            // `#[allow(unsafe_code)]` names the lint, and the plugin tests build raw
            // plugins that are the other side of the boundary.
            if has_word(line, "unsafe") {
                found.push(format!("{r}:{}", n + 1));
            }
        }
    }
    let allowed: BTreeSet<&str> = [
        // Plugins written by hand against the C ABI, to test what the host refuses.
        "crates/kt-secrets-core/tests/plugins.rs",
        "crates/kt-secrets-core/tests/plugins/raw.rs",
    ]
    .into();
    found.retain(|f| !allowed.contains(f.split(':').next().unwrap()));
    assert!(
        found.is_empty(),
        "`unsafe` outside {boundary}* (use a safe wrapper such as rustix):\n{}",
        found.join("\n")
    );
}

/// The `[table]` section of a TOML file: its lines up to the next header.
fn toml_section<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The keys of a TOML section's `key = …` lines.
fn toml_keys<'a>(lines: &[&'a str]) -> BTreeSet<&'a str> {
    lines
        .iter()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect()
}

/// The quoted strings of a one-line TOML array `key = ["a", "b"]`.
fn toml_array<'a>(lines: &[&'a str], key: &str) -> Vec<&'a str> {
    let line = lines
        .iter()
        .find(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
        .unwrap_or_else(|| panic!("no `{key} = [...]` line"));
    let (_, array) = line.split_once('=').unwrap();
    array
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn the_built_in_providers_are_listed_alike_everywhere() {
    let root = workspace_root();
    let crates: BTreeSet<String> = discover()
        .unwrap()
        .into_iter()
        .filter(|p| !p.dynamic)
        .map(|p| p.name)
        .collect();
    assert!(crates.len() >= 10, "found only {crates:?} under providers/");
    let package = |name: &str| format!("kt-provider-{name}");

    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let workspace_deps: BTreeSet<String> =
        toml_keys(&toml_section(&workspace, "[workspace.dependencies]"))
            .into_iter()
            .filter_map(|k| k.strip_prefix("kt-provider-"))
            .filter(|k| *k != "example-plugin")
            .map(str::to_owned)
            .collect();
    assert_eq!(
        workspace_deps, crates,
        "[workspace.dependencies] of Cargo.toml lists other provider crates than providers/"
    );

    let facade = std::fs::read_to_string(root.join("crates/kt-secrets/Cargo.toml")).unwrap();
    let features = toml_section(&facade, "[features]");
    let all: BTreeSet<String> = toml_array(&features, "providers")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        all, crates,
        "the facade's `providers` feature lists other providers than providers/"
    );
    for name in &crates {
        assert_eq!(
            toml_array(&features, name),
            vec![format!("dep:{}", package(name))],
            "the facade's feature {name} enables exactly its crate"
        );
    }
    let deps: BTreeSet<String> = toml_section(&facade, "[dependencies]")
        .iter()
        .filter_map(|l| l.strip_prefix("kt-provider-"))
        .map(|l| {
            assert!(
                l.contains("optional = true"),
                "the facade's dependency kt-provider-{l} is not optional"
            );
            l.split_once(' ').map_or(l, |(k, _)| k).to_owned()
        })
        .collect();
    assert_eq!(
        deps, crates,
        "the facade's [dependencies] list other provider crates than providers/"
    );

    let lib = std::fs::read_to_string(root.join("crates/kt-secrets/src/lib.rs")).unwrap();
    let table = lib
        .split_once("providers! {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(table, _)| table)
        .expect("the facade's lib.rs has a `providers! { … }` table");
    let mut listed = BTreeSet::new();
    for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (feature, krate) = line
            .trim_end_matches(',')
            .split_once("=>")
            .unwrap_or_else(|| panic!("`{line}` is not `\"feature\" => crate,`"));
        let feature = feature.trim().trim_matches('"').to_owned();
        assert_eq!(
            krate.trim(),
            package(&feature).replace('-', "_"),
            "the providers! line of {feature} names another crate"
        );
        listed.insert(feature);
    }
    assert_eq!(
        listed, crates,
        "the facade's providers! table lists other providers than providers/"
    );
}

#[test]
fn the_scanner_sees_code_and_not_comments_or_strings() {
    let lines = code_lines("let a = \"println!\"; // eprintln!\n/* unsafe */ x\nunsafe { y }");
    assert_eq!(lines[0].trim(), "let a = ;");
    assert!(!has_word(&lines[1], "unsafe"));
    assert!(has_word(&lines[2], "unsafe"));
    assert!(!has_word("unsafe_code", "unsafe"));
    assert!(has_word("print!(x)", "print"));
    assert!(!has_word("eprint!(x)", "print"));
}

#[test]
fn core_never_depends_on_kubernetes_crates() {
    let core = std::fs::read_to_string(workspace_root().join("crates/kt-secrets-core/Cargo.toml"))
        .unwrap();
    let deps: Vec<&str> = core
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(['=', '.']).map(|(k, _)| k.trim()))
        .filter(|k| {
            ["kube", "k8s-openapi", "kt-secrets-kube"].contains(k) || k.starts_with("kube-")
        })
        .collect();
    assert!(
        deps.is_empty(),
        "kt-secrets-core depends on {deps:?}: the model stays free of Kubernetes client code"
    );
}
