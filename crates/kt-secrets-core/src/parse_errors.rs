//! Parse error details that name where a file is broken, in words, without the parser's
//! debug text or any character of the file (which is a credentials file).

/// The detail for an INI parse error (rust-ini's `ParseError { line, col, msg }`):
/// `line 3, column 1: expected '=' or ':' before the end of the file`.
///
/// rust-ini words its EOF errors with Rust debug text (`expecting "[Some('='), Some(':')]"
/// but found EOF.`) and some others with the character it found; both are reworded here,
/// and a message not known here is reported as a syntax error.
pub fn ini_detail(line: usize, col: usize, msg: &str) -> String {
    let what = if let Some(list) = msg
        .strip_prefix("expecting \"")
        .and_then(|m| m.strip_suffix("\" but found EOF."))
    {
        let chars: Vec<String> = list
            .split("Some('")
            .skip(1)
            .filter_map(|s| s.split_once("')").map(|(c, _)| format!("'{c}'")))
            .collect();
        match chars.is_empty() {
            true => "unexpected end of the file".to_owned(),
            false => format!("expected {} before the end of the file", chars.join(" or ")),
        }
    } else if msg.starts_with("expecting") {
        "unexpected character".to_owned()
    } else {
        match msg {
            "missing key" => "a value without a key",
            "section must be ended with ']'" => "a section header without its closing ']'",
            "doesn't support inline comment" => "an inline comment where none is allowed",
            "unknown character in \\xHH form" => "a bad \\xHH escape",
            "\\r is not followed by \\n" => "a carriage return not followed by a newline",
            _ => "syntax error",
        }
        .to_owned()
    };
    format!("line {line}, column {col}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_debug_text() {
        assert_eq!(
            ini_detail(3, 1, "expecting \"[Some('='), Some(':')]\" but found EOF."),
            "line 3, column 1: expected '=' or ':' before the end of the file"
        );
        assert_eq!(
            ini_detail(2, 2, "missing key"),
            "line 2, column 2: a value without a key"
        );
        assert_eq!(
            ini_detail(1, 4, "expecting \"\\\\n\" but found `s`"),
            "line 1, column 4: unexpected character"
        );
        assert_eq!(
            ini_detail(1, 1, "anything else: s3cr3t"),
            "line 1, column 1: syntax error"
        );
    }
}
