//! Where dotenvy expands `$VAR` in a dotenv file, found ahead of dotenvy so that what it
//! would silently turn into nothing is an error instead: an unset variable, and a `$` that
//! starts no name (dotenvy drops it).
//!
//! dotenvy keeps its line splitter and value parser private, so the two state machines are
//! mirrored here, rule for rule (dotenvy 0.15.7: `iter.rs` `eval_end_state` and
//! `QuotedLines::next`, `parse.rs` `LineParser::parse_line` and `parse_value`). Only where
//! substitutions start is taken from them; dotenvy itself still produces the values.

use std::collections::BTreeSet;

/// A substitution dotenvy would make.
#[derive(Debug, PartialEq, Eq)]
pub struct Substitution {
    /// The name dotenvy looks up: letters and digits after `$`, or anything up to `}` in
    /// `${…}`. Empty for a lone `$`.
    pub name: String,
    pub braced: bool,
    /// 1-based line and column of the `$`.
    pub line: usize,
    pub column: usize,
    /// The name was cut at `_` (dotenvy reads `$MY_VAR` as `$MY` then `_VAR`).
    pub cut_at_underscore: bool,
    /// Whether the name is set when dotenvy looks it up: in the process environment, or as
    /// a key earlier in the file.
    pub defined: bool,
}

/// Every substitution in `text`, in file order.
pub fn substitutions(text: &str, env_has: impl Fn(&str) -> bool) -> Vec<Substitution> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for (start_line, entry) in entries(text) {
        let Some((key, value_at)) = key_and_value(&entry) else {
            continue;
        };
        let value = entry[value_at..].trim_end();
        for (at, name, braced, cut) in value_substitutions(value) {
            let before = &entry[..value_at + at];
            let line = start_line + before.matches('\n').count();
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let defined = !name.is_empty() && (env_has(&name) || keys.contains(&name));
            out.push(Substitution {
                name,
                braced,
                line,
                column,
                cut_at_underscore: cut,
                defined,
            });
        }
        keys.insert(key);
    }
    out
}

#[derive(Clone, Copy)]
enum State {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// `eval_end_state`: the state after `buf`, and where a comment starts if one does.
fn end_state(prev: State, buf: &str) -> (usize, State) {
    let mut state = prev;
    let mut pos = 0;
    for (i, c) in buf.char_indices() {
        pos = i;
        state = match state {
            State::WhiteSpace => match c {
                '#' => return (pos, State::Comment),
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::Escape => State::Complete,
            State::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => State::WhiteSpace,
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::WeakOpen => match c {
                '\\' => State::WeakOpenEscape,
                '"' => State::Complete,
                _ => State::WeakOpen,
            },
            State::WeakOpenEscape => State::WeakOpen,
            State::StrongOpen => match c {
                '\\' => State::StrongOpenEscape,
                '\'' => State::Complete,
                _ => State::StrongOpen,
            },
            State::StrongOpenEscape => State::StrongOpen,
            State::Comment => return (pos, State::Comment),
        };
    }
    (pos, state)
}

/// `QuotedLines`: the file's entries (a quoted value may span lines), each with the line it
/// starts on. An unterminated last entry is left out: dotenvy reports it.
fn entries(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.split_inclusive('\n');
    let mut line_no = 0;
    loop {
        let mut buf = String::new();
        let mut state = State::Complete;
        let start = line_no + 1;
        loop {
            let Some(line) = lines.next() else {
                return out;
            };
            line_no += 1;
            let at = buf.len();
            buf.push_str(line);
            if buf.trim_start().starts_with('#') {
                buf.clear();
                break;
            }
            let (pos, s) = end_state(state, &buf[at..]);
            state = s;
            match state {
                State::Complete => {
                    if buf.ends_with('\n') {
                        buf.pop();
                        if buf.ends_with('\r') {
                            buf.pop();
                        }
                    }
                    break;
                }
                State::Comment => {
                    buf.truncate(at + pos);
                    break;
                }
                _ => {}
            }
        }
        out.push((start, buf));
    }
}

/// `parse_line` up to the value: the key and where the value starts, or `None` for a blank
/// entry, an empty value, or one dotenvy will reject.
fn key_and_value(entry: &str) -> Option<(String, usize)> {
    let line = entry.trim_end();
    let mut pos = skip_ws(line, 0);
    if pos >= line.len() || line[pos..].starts_with('#') {
        return None;
    }
    let (mut key, mut after) = parse_key(line, pos)?;
    pos = skip_ws(line, after);
    if key == "export" && !line[pos..].starts_with('=') {
        (key, after) = parse_key(line, pos)?;
        pos = skip_ws(line, after);
    }
    line[pos..].strip_prefix('=')?;
    pos = skip_ws(line, pos + 1);
    if pos >= line.len() || line[pos..].starts_with('#') {
        return None;
    }
    Some((key, pos))
}

fn skip_ws(line: &str, from: usize) -> usize {
    line[from..]
        .find(|c: char| !c.is_whitespace())
        .map_or(line.len(), |i| from + i)
}

fn parse_key(line: &str, from: usize) -> Option<(String, usize)> {
    let rest = &line[from..];
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    Some((rest[..len].to_owned(), from + len))
}

#[derive(PartialEq, Eq)]
enum Mode {
    None,
    Block,
    EscapedBlock,
}

/// `parse_value`'s substitutions: (byte offset of `$`, name, braced, cut at `_`).
fn value_substitutions(input: &str) -> Vec<(usize, String, bool, bool)> {
    let mut out = Vec::new();
    let (mut strong, mut weak, mut escaped, mut expecting_end) = (false, false, false, false);
    let mut mode = Mode::None;
    let mut name = String::new();
    let mut at = 0;
    for (i, c) in input.char_indices() {
        if expecting_end {
            if c == ' ' || c == '\t' {
                continue;
            } else if c == '#' {
                break;
            }
            // dotenvy rejects the line.
            return Vec::new();
        } else if escaped {
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            }
        } else if mode != Mode::None {
            if c.is_alphanumeric() {
                name.push(c);
            } else if mode == Mode::Block {
                if c == '{' && name.is_empty() {
                    mode = Mode::EscapedBlock;
                } else {
                    out.push((at, std::mem::take(&mut name), false, c == '_'));
                    // The character that ends a name is taken literally, quotes included.
                    if c == '$' {
                        at = i;
                    } else {
                        mode = Mode::None;
                    }
                }
            } else if c == '}' {
                mode = Mode::None;
                out.push((at, std::mem::take(&mut name), true, false));
            } else {
                name.push(c);
            }
        } else if c == '$' {
            mode = Mode::Block;
            at = i;
        } else if weak {
            if c == '"' {
                weak = false;
            } else if c == '\\' {
                escaped = true;
            }
        } else if c == '\'' {
            strong = true;
        } else if c == '"' {
            weak = true;
        } else if c == '\\' {
            escaped = true;
        } else if c == ' ' || c == '\t' {
            expecting_end = true;
        }
    }
    match mode {
        Mode::Block => out.push((at, name, false, false)),
        // Unterminated `${`: dotenvy rejects the line.
        Mode::EscapedBlock => return Vec::new(),
        Mode::None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(text: &str) -> Vec<(String, bool, usize, usize, bool)> {
        substitutions(text, |v| v == "HOME")
            .into_iter()
            .map(|s| (s.name, s.braced, s.line, s.column, s.defined))
            .collect()
    }

    fn s(
        name: &str,
        braced: bool,
        line: usize,
        col: usize,
        defined: bool,
    ) -> (String, bool, usize, usize, bool) {
        (name.to_owned(), braced, line, col, defined)
    }

    #[test]
    fn finds_what_dotenvy_expands() {
        assert_eq!(
            subs(
                "A=$HOME/x\nB=\"${UNSET} and $A\"\nC='$NOT'\nD=\\$NOT\nE=\"\\$NOT\"\n# $NOT\nF=x # $NOT\n"
            ),
            [
                s("HOME", false, 1, 3, true),
                s("UNSET", true, 2, 4, false),
                s("A", false, 2, 17, true),
            ]
        );
        // Across lines of a quoted value, and a key defined only later.
        assert_eq!(
            subs("A=\"one\n  two $LATER\"\nLATER=1\n"),
            [s("LATER", false, 2, 7, false)]
        );
        // A lone `$`, which dotenvy drops, and a name cut at `_`.
        let got = substitutions("P=ab$!\nQ=$MY_VAR\n", |_| false);
        assert_eq!((got[0].name.as_str(), got[0].line), ("", 1));
        assert_eq!(
            (got[1].name.as_str(), got[1].cut_at_underscore),
            ("MY", true)
        );
        assert_eq!(subs("export A=$HOME\n"), [s("HOME", false, 1, 10, true)]);
    }

    /// The mirror agrees with dotenvy: every substitution it finds undefined is one whose
    /// expansion dotenvy leaves empty, checked by planting a marker in a defined twin.
    #[test]
    fn agrees_with_dotenvy_on_what_is_expanded() {
        for text in [
            "A=x$KTTESTB\n",
            "A=\"x${KTTESTB}y\"\n",
            "A='x$KTTESTB'\n",
            "A=x\\$KTTESTB\n",
            "A=\"x\\$KTTESTB\"\n",
            // (dotenvy rejects `"$NAME"`: the quote that ends the name is taken literally.)
            "A=\"${KTTESTB}\n$KTTESTB/\"\n",
            "A=$KTTESTB$KTTESTB\n",
            "A=x # $KTTESTB\n",
        ] {
            let ours = substitutions(text, |_| false).len();
            let defined = format!("KTTESTB=MARK\n{text}");
            let value: String = dotenvy::from_read_iter(defined.as_bytes())
                .filter_map(Result::ok)
                .find(|(k, _)| k == "A")
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("dotenvy parses {text:?}"));
            assert_eq!(value.matches("MARK").count(), ours, "{text:?}");
        }
    }
}
