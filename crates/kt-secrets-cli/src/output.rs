//! Printing: Kubernetes objects as kubectl prints them, and aligned tables.

use std::io::Write;

use anyhow::Context;
use kt_secrets::kube::render::{self, Format};
use serde::Serialize;
use serde_json::Value;

use crate::cli::ManifestFormat;

/// An object as kubectl shows it ([`render::object`]).
pub fn to_value(obj: &impl Serialize) -> anyhow::Result<Value> {
    Ok(render::object(obj)?)
}

pub use render::list;

/// JSON with kubectl's four-space indent, or YAML, with a trailing newline.
pub fn render(v: &Value, format: ManifestFormat) -> anyhow::Result<String> {
    Ok(render::to_string(v, format.into())?)
}

impl From<ManifestFormat> for Format {
    fn from(f: ManifestFormat) -> Format {
        match f {
            ManifestFormat::Json => Format::Json,
            ManifestFormat::Yaml => Format::Yaml,
        }
    }
}

pub fn json(v: &impl Serialize) -> anyhow::Result<String> {
    Ok(render::json(v)?)
}

/// Writes `s` to stdout; a closed pipe (`| head`) ends quietly rather than with an error.
pub fn print(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

/// Columns padded to their widest cell, two spaces apart, as kubectl prints tables. A cell may
/// hold several lines; the row then takes as many lines, the other cells left blank below.
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    pub fn to_text(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                for l in c.lines() {
                    widths[i] = widths[i].max(l.chars().count());
                }
            }
        }
        let mut out = String::new();
        let mut line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 < n {
                    s.push_str(c);
                    s.extend(std::iter::repeat_n(' ', widths[i] - c.chars().count() + 2));
                } else {
                    s.push_str(c);
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(self.header.iter().map(String::as_str).collect());
        for r in &self.rows {
            let split: Vec<Vec<&str>> = r.iter().map(|c| c.lines().collect()).collect();
            let height = split.iter().map(Vec::len).max().unwrap_or(1).max(1);
            for k in 0..height {
                line(
                    split
                        .iter()
                        .map(|c| c.get(k).copied().unwrap_or(""))
                        .collect(),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_wrap_rows() {
        let mut t = Table::new(&["NAME", "LOOKS AT", "GETS"]);
        t.row(vec![
            "aws".into(),
            "env A\n~/.aws/credentials".into(),
            "file x".into(),
        ]);
        t.row(vec![
            "openai".into(),
            "env OPENAI_API_KEY".into(),
            "env OPENAI_API_KEY".into(),
        ]);
        assert_eq!(
            t.to_text(),
            "NAME    LOOKS AT            GETS\n\
             aws     env A               file x\n\
             \x20       ~/.aws/credentials\n\
             openai  env OPENAI_API_KEY  env OPENAI_API_KEY\n"
        );
    }
}
