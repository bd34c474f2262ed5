//! Manifest streams: YAML or JSON documents in, `v1` `List`s flattened; YAML streams and
//! `List`s out.

use serde_json::Value;

use super::InjectError;
use super::error::redact;

/// Documents of a manifest stream: YAML (`---`-separated) or JSON (one or more values), with
/// `v1` `List`s flattened into their items and empty documents left out. `source` names the
/// input in errors (a file name, or `stdin`).
pub fn parse_stream(text: &str, source: &str) -> Result<Vec<Value>, InjectError> {
    let bad = |reason: String| InjectError::Invalid {
        at: source.to_owned(),
        expected: "YAML or JSON manifest stream".to_owned(),
        reason,
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::Deserializer::from_str(trimmed)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| {
                bad(format!(
                    "invalid JSON at line {}, column {}",
                    e.line(),
                    e.column()
                ))
            })?
    } else {
        // kubectl reads YAML 1.1 (go-yaml v2): `0644` is octal, `yes` a boolean.
        let options = serde_saphyr::options! {
            legacy_octal_numbers: true,
        };
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            // The parser's message quotes the text around the fault, which may be a value.
            bad(match e.location() {
                Some(l) => format!("invalid YAML at line {}, column {}", l.line(), l.column()),
                None => "invalid YAML".to_owned(),
            })
        })?
    };
    let mut out = Vec::new();
    for (i, d) in docs.into_iter().enumerate() {
        flatten(d, &mut out, source, i + 1)?;
    }
    Ok(out)
}

fn flatten(d: Value, out: &mut Vec<Value>, source: &str, n: usize) -> Result<(), InjectError> {
    match d {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                flatten(item, out, source, n)?;
            }
            Ok(())
        }
        Value::Object(m)
            if m.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                && m.get("items").is_some_and(Value::is_array) =>
        {
            let Some(Value::Array(items)) =
                m.into_iter().find(|(k, _)| k == "items").map(|(_, v)| v)
            else {
                unreachable!("checked above")
            };
            for item in items {
                flatten(item, out, source, n)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            out.push(Value::Object(m));
            Ok(())
        }
        _ => Err(InjectError::Invalid {
            at: format!("{source}, document {n}"),
            expected: "Kubernetes object".to_owned(),
            reason: "it is not a mapping".to_owned(),
        }),
    }
}

/// A multi-document YAML stream of `docs`.
pub fn to_yaml_stream(docs: &[Value]) -> Result<String, InjectError> {
    serde_saphyr::to_string_multiple(docs).map_err(|e| InjectError::Invalid {
        at: "output".to_owned(),
        expected: "YAML".to_owned(),
        reason: redact(&e.to_string()),
    })
}

/// A `v1` `List` of `docs`, in their order.
pub fn to_list(docs: Vec<Value>) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": docs,
    })
}
