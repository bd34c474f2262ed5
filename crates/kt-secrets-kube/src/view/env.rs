//! A view's env values as the kubelet gives them: `$(VAR)` references expanded, and plain
//! values naming container paths moved into the view.

use std::path::Path;

use kt_secrets_core::SecretValue;

/// The kubelet's `$(VAR)` expansion of an env value against the vars defined before it
/// (kubernetes `third_party/forked/golang/expansion/expand.go`, `Expand`): `$$` is a literal
/// `$`, `$(VAR)` of an undefined VAR stays as written, any other `$` stays.
pub(super) fn expand_refs(value: &str, defined: &[(String, SecretValue, bool)]) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'$' => {
                out.push(b'$');
                i += 2;
            }
            b'(' => match b[i + 2..].iter().position(|&c| c == b')') {
                Some(len) => {
                    let name = &value[i + 2..i + 2 + len];
                    match defined.iter().rev().find(|(k, _, _)| k == name) {
                        Some((_, v, _)) => out.extend_from_slice(v.expose()),
                        None => out.extend_from_slice(&b[i..i + 3 + len]),
                    }
                    i += 3 + len;
                }
                // An unclosed `$(` is kept, and what follows it is read on.
                None => {
                    out.extend_from_slice(b"$(");
                    i += 2;
                }
            },
            _ => {
                out.push(b'$');
                i += 1;
            }
        }
    }
    out
}

/// Whether `value` names something of the view: the container home or below it, a mounted
/// file, or a directory holding one. A `:` list (`KUBECONFIG`) counts when one of its parts
/// does.
pub(super) fn in_tree(value: &str, home: &str, files: &[&str]) -> bool {
    value
        .split(':')
        .any(|part| names_tree_path(part, home, files))
}

fn names_tree_path(p: &str, home: &str, files: &[&str]) -> bool {
    if !p.starts_with('/') || p == "/" || p.split('/').any(|c| c == "..") {
        return false;
    }
    let p = p.trim_end_matches('/');
    let under = |outer: &str, inner: &str| {
        inner == outer || (inner.starts_with(outer) && inner.as_bytes()[outer.len()] == b'/')
    };
    (home != "/" && under(home, p)) || files.iter().any(|f| under(p, f))
}

/// `value` with each absolute part of a `:` list moved under `root`.
pub(super) fn rewrite(value: &str, root: &Path) -> String {
    value
        .split(':')
        .map(|part| match part.strip_prefix('/') {
            Some(rest) if !part.is_empty() => root.join(rest).display().to_string(),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(":")
}
