//! Hurl's `[Asserts]` and `[Captures]` queries as the agent's assertions and references, each
//! kept only where it means exactly what Hurl means.

use serde_json::{Value, json};

use super::unquote;
use skopos_core::predicate::{Op, Predicate};

/// `jsonpath "$.a.b[0]"` or `header "Location"` as a reference inside the step.
pub fn reference(query: &str) -> Option<String> {
    let (kind, argument) = query.split_once(' ')?;
    let argument = unquote(argument);
    match kind {
        "jsonpath" => Some(format!("body.{}", dot_path(&argument)?)),
        "header" => Some(format!("headers.{argument}")),
        "cookie" => Some(format!("cookies.{argument}")),
        _ => None,
    }
}

/// `$.a.b[0]` as the agent's dot path `a.b[0]`; `None` for anything else (quoted names,
/// filters, wildcards), which is kept as JSONPath.
pub fn dot_path(jsonpath: &str) -> Option<String> {
    let path = jsonpath.strip_prefix("$.")?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']');
    let indexes_only =
        path.split('[').skip(1).all(|part| part.split(']').next().is_some_and(|i| i.parse::<i64>().is_ok()));
    (path.chars().all(plain) && indexes_only && !path.starts_with(['.', '[']) && !path.contains(".."))
        .then(|| path.to_string())
}

/// One `[Asserts]` line: `QUERY [count] PREDICATE [VALUE]`.
pub fn assertion(line: &str) -> Result<Value, String> {
    let mut singular = true;
    let (mut subject, mut rest) = match line.split_once(' ') {
        Some(("status", rest)) => (json!({"source": "status"}), rest),
        Some(("duration", rest)) => (json!({"source": "latency"}), rest),
        Some(("body", rest)) => (json!({"source": "body"}), rest),
        Some((kind @ ("jsonpath" | "header" | "cookie"), rest)) => {
            let rest = rest.trim_start();
            let quoted = rest.strip_prefix('"').ok_or("the query's argument is not a quoted string")?;
            let end = quoted.find('"').map(|at| at + 2).ok_or("an unterminated quoted argument")?;
            let argument = unquote(&rest[..end]);
            let subject = if kind == "header" {
                json!({"source": "header", "property": argument})
            } else if kind == "cookie" {
                json!({"source": "cookie", "property": argument})
            } else {
                singular = skopos_core::path::is_singular(&argument);
                json!({"source": "body", "property": dot_path(&argument).unwrap_or(argument)})
            };
            (subject, &rest[end..])
        }
        _ => return Err("this kind of query is not translated (xpath, regex, sha256, bytes, ...)".into()),
    };
    rest = rest.trim();
    let mut count = false;
    if let Some(after) = rest.strip_prefix("count ") {
        count = true;
        rest = after.trim();
    }
    let negated = rest.starts_with("not ");
    let rest = rest.trim_start_matches("not ").trim();
    let (predicate, value) = rest.split_once(' ').map_or((rest, ""), |(p, v)| (p, v.trim()));
    if negated && predicate != "exists" {
        // Hurl's `not` passes when the query finds nothing; a negated Skopos check fails then.
        return Err("Hurl's `not` passes when the value is missing, which no Skopos check does; not translated".into());
    }
    if !singular {
        // Hurl takes the matches as a list, but one match as that value itself (so `count`
        // counts the matches, or the items of a single list matched): no Skopos check is that.
        return Err("a JSONPath that can match several nodes is read by Hurl as a list of them, or as the one \
                    value when one matches; not translated"
            .into());
    }
    let literal = || hurl_value(value).ok_or_else(|| format!("`{value}` is not a value the importer reads"));
    let (op, expected) = match (predicate, negated) {
        // `count` on a header counts the times it was sent; on a JSONPath that matches one node
        // at most, the items of the list it found.
        ("==", false) if count && subject["source"] == "header" => (Op::Count, Some(literal()?)),
        ("==", false) => (if count { Op::Length } else { Op::Eq }, Some(literal()?)),
        ("!=", false) => (Op::Eq, Some(literal()?)),
        (">" | ">=" | "<" | "<=", false) if !count => {
            let op = match predicate {
                ">" => Op::Gt,
                ">=" => Op::Gte,
                "<" => Op::Lt,
                _ => Op::Lte,
            };
            (op, Some(literal()?))
        }
        ("contains" | "includes", false) => (Op::Contains, Some(literal()?)),
        ("exists", _) => (Op::Exists, None),
        ("startsWith", false) => {
            (Op::Matches, Some(json!(format!("^{}", regex::escape(literal()?.as_str().unwrap_or(""))))))
        }
        ("endsWith", false) => {
            (Op::Matches, Some(json!(format!("{}$", regex::escape(literal()?.as_str().unwrap_or(""))))))
        }
        ("matches", false) => (Op::Matches, Some(literal()?)),
        ("isString", false) => (Op::Type, Some(json!("string"))),
        ("isInteger" | "isFloat" | "isNumber", false) => (Op::Type, Some(json!("number"))),
        ("isBoolean", false) => (Op::Type, Some(json!("boolean"))),
        ("isEmpty", false) => (Op::Length, Some(json!(0))),
        _ => return Err(format!("the predicate `{}{predicate}` is not translated", if negated { "not " } else { "" })),
    };
    if count && subject["source"] == "cookie" {
        return Err("`count` on a cookie is not translated".into());
    }
    if count && !matches!(op, Op::Length | Op::Count) {
        return Err("only `count ==` is translated among the filters".into());
    }
    let predicate = Predicate { not: negated || predicate == "!=", op };
    predicate.write_into(&mut subject, expected);
    Ok(subject)
}

/// A Hurl value as JSON: a number, `true`/`false`/`null`, a `` `backtick string` ``, or a
/// quoted string whose `\u{E9}` escapes are Hurl's (JSON writes `\u00e9`).
pub fn hurl_value(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some(value);
    }
    if let Some(inner) = text.strip_prefix('`').and_then(|rest| rest.strip_suffix('`')).filter(|t| !t.is_empty()) {
        return Some(Value::String(inner.replace("\\`", "`")));
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut rest = inner;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('}')? + at;
        let code = u32::from_str_radix(&rest[at + 3..close], 16).ok().and_then(char::from_u32)?;
        // Written as JSON escapes, which the JSON reader below turns back into the character.
        for unit in code.encode_utf16(&mut [0u16; 2]) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    serde_json::from_str(&format!("\"{out}\"")).ok()
}
