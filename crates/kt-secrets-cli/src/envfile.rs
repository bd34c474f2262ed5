//! `--from-env-file`: dotenv files, parsed with `dotenvy`.
//!
//! dotenvy reads what people actually write in `.env` files: comments, `export KEY=…`,
//! single-quoted (literal) and double-quoted (escapes, `$VAR`) values, and quoted values that
//! span lines, such as PEM keys. Its parse error quotes the offending line, which may hold a
//! value, so errors here give the file, line number and column instead.
//!
//! What dotenvy would change silently is an error: a NUL byte (its line reader joins the next
//! line to the value), an unset `$VAR` (it becomes empty, unless `--allow-unset`), and a `$`
//! that starts no name (dropped).

#[path = "envfile/expansion.rs"]
mod expansion;

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};

/// Key-value pairs of a dotenv file, in file order. A key given twice is an error; so is an
/// unset `$VAR` unless `allow_unset`.
pub fn read(path: &Path, allow_unset: bool) -> anyhow::Result<Vec<(String, String)>> {
    let bytes = zeroize::Zeroizing::new(kt_secrets::read_file(path)?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            anyhow::anyhow!("line {line}: not valid UTF-8")
        })
        .with_context(|| format!("cannot parse env file {}", path.display()))?;
    parse(text, allow_unset).with_context(|| format!("cannot parse env file {}", path.display()))
}

pub fn parse(text: &str, allow_unset: bool) -> anyhow::Result<Vec<(String, String)>> {
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        bail!("line {line}: a NUL byte (dotenv parsing would join the next line to this value)");
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((k, v)) => {
                if !seen.insert(k.clone()) {
                    bail!("key {k} is given twice");
                }
                out.push((k, v));
            }
            Err(dotenvy::Error::LineParse(line, col)) => {
                // Where the failing entry starts; the entry itself may hold a value.
                let line_no = text
                    .match_indices(line.as_str())
                    .find(|(at, _)| {
                        let end = at + line.len();
                        let starts = *at == 0 || text.as_bytes()[at - 1] == b'\n';
                        let ends = end == text.len()
                            || line.ends_with('\n')
                            || text[end..].starts_with('\n')
                            || text[end..].starts_with("\r\n");
                        starts && ends
                    })
                    .map(|(at, _)| text[..at].matches('\n').count() + 1);
                let unterminated = line.contains(['"', '\'']) && col >= line.trim_end().len();
                let what = if unterminated {
                    "a quote is never closed"
                } else {
                    "expected KEY=VALUE"
                };
                match line_no {
                    Some(n) => bail!("line {n}, column {}: {what}", col + 1),
                    None => bail!("{what}"),
                }
            }
            Err(dotenvy::Error::Io(e)) => return Err(e).context("cannot read"),
            Err(e) => bail!("{}", redacted_kind(&e)),
        }
    }
    check_expansions(text, allow_unset)?;
    Ok(out)
}

/// Substitutions that dotenvy would expand to nothing, as errors naming the line (and the
/// variable when it looks like one: `$` inside a password is followed by part of the value).
fn check_expansions(text: &str, allow_unset: bool) -> anyhow::Result<()> {
    let env_has = |v: &str| std::env::var(v).is_ok();
    for s in expansion::substitutions(text, env_has) {
        if s.defined {
            continue;
        }
        let (line, column) = (s.line, s.column);
        if s.name.is_empty() {
            bail!(
                "line {line}, column {column}: a `$` that starts no variable name, which dotenv \
                 expansion drops; write \\$ or single-quote the value for a literal `$`"
            );
        }
        if allow_unset {
            continue;
        }
        let remedy = "set it, single-quote the value for a literal `$`, or pass --allow-unset \
                      to expand it to an empty value";
        let cut = if s.cut_at_underscore {
            "; a name after `$` ends before `_`, so write ${NAME} for a name with `_`"
        } else {
            ""
        };
        let looks_like_a_name = s.braced
            || s.name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if looks_like_a_name {
            bail!(
                "line {line}: ${{{}}} is not set (not in the environment, nor a key earlier in \
                 the file), and would become an empty value{cut}; {remedy}",
                s.name
            );
        }
        bail!(
            "line {line}, column {column}: a `$` followed by a variable name that is not set (the \
             name is not repeated here: it may be part of a value), which would become an empty \
             value{cut}; {remedy}"
        );
    }
    Ok(())
}

/// dotenvy's other errors come from env var lookups during `$VAR` expansion; their text is
/// std's and holds no value, but only the kind is kept to be sure.
fn redacted_kind(e: &dotenvy::Error) -> &'static str {
    match e {
        dotenvy::Error::EnvVar(std::env::VarError::NotUnicode(_)) => {
            "an expanded env var is not valid UTF-8"
        }
        _ => "cannot expand an env var",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_dotenv() {
        let text = "\
# a comment
export A=1
B='single $NOT_EXPANDED'
C=\"double
line two\"
D=\"esc\\nnl\" # trailing comment
E=plain # comment
F=
PEM=\"-----BEGIN KEY-----
abc
-----END KEY-----\"
file.name=x
";
        let got = parse(text, false).unwrap();
        let want: Vec<(&str, &str)> = vec![
            ("A", "1"),
            ("B", "single $NOT_EXPANDED"),
            ("C", "double\nline two"),
            ("D", "esc\nnl"),
            ("E", "plain"),
            ("F", ""),
            ("PEM", "-----BEGIN KEY-----\nabc\n-----END KEY-----"),
            ("file.name", "x"),
        ];
        assert_eq!(
            got,
            want.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn errors_name_the_line_not_the_value() {
        let e = format!(
            "{:#}",
            parse("A=1\nB=2\ncanary-envfile-value\n", false).unwrap_err()
        );
        assert!(e.contains("line 3") && !e.contains("canary"), "{e}");
        let e = format!(
            "{:#}",
            parse("A=1\nB=\"canary-envfile-value\n", false).unwrap_err()
        );
        assert!(
            e.contains("line 2") && e.contains("quote") && !e.contains("canary"),
            "{e}"
        );
        // The failing entry is found at a line start, not inside an earlier value.
        let e = format!(
            "{:#}",
            parse("A=\"x\nbroken\"\nbroken\n", false).unwrap_err()
        );
        assert!(e.contains("line 3"), "{e}");
        let e = format!(
            "{:#}",
            parse("A=1\nA=canary-envfile-value\n", false).unwrap_err()
        );
        assert!(e.contains("key A") && !e.contains("canary"), "{e}");
    }

    #[test]
    fn what_dotenv_would_change_silently_is_an_error() {
        let e = format!("{:#}", parse("A=canary-a\0\nB=2\n", false).unwrap_err());
        assert!(
            e.contains("line 1") && e.contains("NUL") && !e.contains("canary"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            parse("A=1\nB=${KT_UNSET_VAR_9F}x\n", false).unwrap_err()
        );
        assert!(
            e.contains("line 2") && e.contains("${KT_UNSET_VAR_9F}") && e.contains("--allow-unset"),
            "{e}"
        );
        let got = parse("A=1\nB=${KT_UNSET_VAR_9F}x\n", true).unwrap();
        assert_eq!(got[1], ("B".to_owned(), "x".to_owned()));
        // A `$` inside what may be a password: the line, not the text after `$`.
        let e = format!("{:#}", parse("PASS=canary$ecretpart\n", false).unwrap_err());
        assert!(
            e.contains("line 1, column 12") && !e.contains("ecretpart"),
            "{e}"
        );
        let e = format!("{:#}", parse("PASS=abc$\n", true).unwrap_err());
        assert!(e.contains("starts no variable name"), "{e}");
        // Defined earlier in the file, or single-quoted: fine.
        assert_eq!(parse("A=1\nB=$A\nC='$NOPE'\n", false).unwrap()[1].1, "1");
    }

    #[test]
    fn files_are_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = format!(
            "{:#}",
            read(&dir.path().join("missing.env"), false).unwrap_err()
        );
        assert!(e.contains("missing.env"), "{e}");
        let e = format!("{:#}", read(dir.path(), false).unwrap_err());
        assert!(e.contains("directory"), "{e}");
        #[cfg(unix)]
        {
            let fifo = kt_secrets_testkit::special::mkfifo(dir.path(), "fifo.env");
            let e = kt_secrets_testkit::special::within_seconds(10, move || {
                format!("{:#}", read(&fifo, false).unwrap_err())
            });
            assert!(e.contains("fifo.env") && e.contains("FIFO"), "{e}");
        }
        let bad = dir.path().join("bad.env");
        std::fs::write(&bad, "A=1\n==\n").unwrap();
        let e = format!("{:#}", read(&bad, false).unwrap_err());
        assert!(e.contains("bad.env") && e.contains("line 2"), "{e}");
    }
}
