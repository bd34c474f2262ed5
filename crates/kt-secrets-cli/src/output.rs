//! Printing: Kubernetes objects as kubectl prints them, and aligned tables.

use std::io::{IsTerminal, Write};

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

/// Where tables go: how wide it is and whether it takes colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// Columns to fit into; `None`: no wrapping (a pipe or file gets whole lines, as from
    /// kubectl).
    pub width: Option<u16>,
    /// Bold headers.
    pub color: bool,
}

impl Terminal {
    /// stdout's: a terminal's own width, else `$COLUMNS` when set; colour only on a terminal,
    /// and not with `NO_COLOR` set to anything non-empty (no-color.org) or `TERM=dumb`.
    pub fn stdout() -> Terminal {
        let tty = std::io::stdout().is_terminal();
        let width = tty
            .then(|| terminal_size::terminal_size_of(std::io::stdout()))
            .flatten()
            .map(|(w, _)| w.0)
            .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
            .filter(|w| *w > 0);
        Terminal {
            width,
            color: tty && color_allowed(),
        }
    }
}

/// Whether the environment allows colour on a terminal: `NO_COLOR` unset or empty
/// (no-color.org), and a terminal that is not `dumb`.
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// kubectl's gap between columns (its tabwriter's padding).
const GAP: u16 = 3;

/// Stands for the line under the header while a table is laid out; it is taken out after.
const HEADER_MARK: char = '\u{1}';

/// A table as kubectl prints one: no borders, columns three spaces apart, a header line in
/// capitals. Laid out by comfy-table to fit the terminal: cells wrap (at spaces where they
/// can) when the table is wider. A cell may hold several lines.
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    no_headers: bool,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            no_headers: false,
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// Leave the header line out (`--no-headers`).
    pub fn no_headers(&mut self, yes: bool) -> &mut Self {
        self.no_headers = yes;
        self
    }

    /// The table for stdout.
    pub fn to_text(&self) -> String {
        self.render(Terminal::stdout())
    }

    pub fn render(&self, term: Terminal) -> String {
        use comfy_table::{ContentArrangement, TableComponent as C};
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::NOTHING);
        for c in [
            C::LeftBorder,
            C::RightBorder,
            C::VerticalLines,
            C::TopBorder,
            C::BottomBorder,
        ] {
            t.remove_style(c);
        }
        t.set_style(C::HeaderLines, HEADER_MARK);
        t.set_style(C::MiddleHeaderIntersections, HEADER_MARK);
        match term.width {
            Some(w) => {
                t.set_content_arrangement(ContentArrangement::Dynamic);
                t.set_width(w);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        if !self.no_headers {
            t.set_header(self.header.clone());
        }
        for r in &self.rows {
            t.add_row(r.clone());
        }
        let n = self.header.len();
        for (i, col) in t.column_iter_mut().enumerate() {
            // comfy-table puts one blank between columns of its own.
            col.set_padding((0, if i + 1 < n { GAP - 1 } else { 0 }));
        }
        let mut out = String::new();
        let mut in_header = !self.no_headers;
        for line in t.lines() {
            if line.starts_with(HEADER_MARK) {
                in_header = false;
                continue;
            }
            let line = line.trim_end();
            if in_header && term.color {
                out.push_str(&format!("\x1b[1m{line}\x1b[0m"));
            } else {
                out.push_str(line);
            }
            out.push('\n');
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
        let pipe = Terminal {
            width: None,
            color: false,
        };
        assert_eq!(
            t.render(pipe),
            "NAME     LOOKS AT             GETS\n\
             aws      env A                file x\n\
             \x20        ~/.aws/credentials\n\
             openai   env OPENAI_API_KEY   env OPENAI_API_KEY\n"
        );
        t.no_headers(true);
        assert!(
            t.render(pipe).starts_with("aws      env A"),
            "{}",
            t.render(pipe)
        );
    }

    #[test]
    fn tables_fit_the_width_and_bold_the_header_only_in_colour() {
        let mut t = Table::new(&["NAME", "LOOKS AT", "GETS"]);
        let long = "env A, then files a, b and c under $SOME_DIR or ~/.some/default/dir";
        t.row(vec![
            "aws".into(),
            long.into(),
            "file ~/.aws/credentials".into(),
        ]);
        let narrow = t.render(Terminal {
            width: Some(40),
            color: false,
        });
        assert!(narrow.lines().all(|l| l.chars().count() <= 40), "{narrow}");
        // Wrapped, not cut: every character is still there, and short words stay whole.
        let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
        assert_eq!(
            visible(&narrow),
            visible("NAMELOOKS ATGETSaws") + visible(long) + visible("file ~/.aws/credentials"),
            "{narrow}"
        );
        for w in ["files", "under", "$SOME_DIR"] {
            assert!(narrow.contains(w), "{w} split:\n{narrow}");
        }
        assert!(!narrow.contains('\x1b'));
        let coloured = t.render(Terminal {
            width: None,
            color: true,
        });
        let mut lines = coloured.lines();
        assert!(
            lines.next().unwrap().starts_with("\x1b[1mNAME"),
            "{coloured}"
        );
        assert!(lines.all(|l| !l.contains('\x1b')), "{coloured}");
    }
}
