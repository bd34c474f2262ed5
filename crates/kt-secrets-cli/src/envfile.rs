//! `--from-env-file`: dotenv files, parsed with `dotenvy`.
//!
//! dotenvy reads what people actually write in `.env` files: comments, `export KEY=…`,
//! single-quoted (literal) and double-quoted (escapes, `$VAR`) values, and quoted values that
//! span lines, such as PEM keys. Its parse error quotes the offending line, which may hold a
//! value, so errors here give the file, line number and column instead.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};

/// Key-value pairs of a dotenv file, in file order. A key given twice is an error.
pub fn read(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let bytes = kt_secrets_core::read_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", path.display()))?;
    parse(&text).with_context(|| format!("cannot parse env file {}", path.display()))
}

pub fn parse(text: &str) -> anyhow::Result<Vec<(String, String)>> {
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
    Ok(out)
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
        let got = parse(text).unwrap();
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
            parse("A=1\nB=2\ncanary-envfile-value\n").unwrap_err()
        );
        assert!(e.contains("line 3") && !e.contains("canary"), "{e}");
        let e = format!(
            "{:#}",
            parse("A=1\nB=\"canary-envfile-value\n").unwrap_err()
        );
        assert!(
            e.contains("line 2") && e.contains("quote") && !e.contains("canary"),
            "{e}"
        );
        // The failing entry is found at a line start, not inside an earlier value.
        let e = format!("{:#}", parse("A=\"x\nbroken\"\nbroken\n").unwrap_err());
        assert!(e.contains("line 3"), "{e}");
        let e = format!("{:#}", parse("A=1\nA=canary-envfile-value\n").unwrap_err());
        assert!(e.contains("key A") && !e.contains("canary"), "{e}");
    }

    #[test]
    fn files_are_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = format!("{:#}", read(&dir.path().join("missing.env")).unwrap_err());
        assert!(e.contains("missing.env"), "{e}");
        let e = format!("{:#}", read(dir.path()).unwrap_err());
        assert!(e.contains("directory"), "{e}");
        #[cfg(unix)]
        {
            let fifo = kt_secrets_testkit::special::mkfifo(dir.path(), "fifo.env");
            let e = kt_secrets_testkit::special::within_seconds(10, move || {
                format!("{:#}", read(&fifo).unwrap_err())
            });
            assert!(e.contains("fifo.env") && e.contains("FIFO"), "{e}");
        }
        let bad = dir.path().join("bad.env");
        std::fs::write(&bad, "A=1\n==\n").unwrap();
        let e = format!("{:#}", read(&bad).unwrap_err());
        assert!(e.contains("bad.env") && e.contains("line 2"), "{e}");
    }
}
