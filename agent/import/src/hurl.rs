//! Hurl files into a collection: each entry (`METHOD URL`, headers, query/form/basic-auth
//! sections, a JSON or text body; `HTTP` status, response headers, `[Captures]`, `[Asserts]`)
//! becomes a step; captures become references to that step wherever `{{name}}` is used later.

use serde_json::{Map, Value, json};

use super::{Imported, Templates, step_name};
use skopos_core::predicate::{Op, Predicate};

pub fn import(text: &str, name: &str) -> Result<Imported, String> {
    let mut imported = Imported::new(name.to_string());
    let mut templates = Templates::new(Map::new());
    let mut names = std::collections::HashSet::new();
    let entries = entries(text);
    if entries.is_empty() {
        return Err("no Hurl entry (`METHOD URL`) found".into());
    }
    for (index, lines) in entries.iter().enumerate() {
        let number = index + 1;
        let (method, url) =
            lines[0].1.split_once(' ').ok_or_else(|| format!("line {}: `METHOD URL` expected", lines[0].0))?;
        let label = format!("step {number} ({method} line {})", lines[0].0);
        let mut request = json!({"method": method, "url": templates.convert(url.trim())});
        let (mut headers, mut assertions) = (Map::new(), Vec::new());
        let mut section = "headers";
        let mut body: Vec<&str> = Vec::new();
        let mut in_response = false;
        for (line_number, line) in &lines[1..] {
            let line = line.trim_end();
            let trimmed = line.trim();
            if let Some(status) = trimmed.strip_prefix("HTTP").filter(|_| body_closed(&body)) {
                in_response = true;
                section = "headers";
                let code = status.trim_start_matches(|c: char| c == '/' || c == '.' || c.is_ascii_digit()).trim();
                if let Ok(code) = code.parse::<u16>() {
                    assertions.push(json!({"source": "status", "op": "eq", "value": code}));
                }
                continue;
            }
            if trimmed.starts_with('[') && trimmed.ends_with(']') && (body.is_empty() || in_response) {
                section = match &trimmed[1..trimmed.len() - 1] {
                    "QueryStringParams" | "Query" => "query",
                    "FormParams" | "Form" => "form",
                    "BasicAuth" => "basic",
                    "Captures" => "captures",
                    "Asserts" => "asserts",
                    other => {
                        imported.note(&label, format!("the `[{other}]` section is not carried over"));
                        "skip"
                    }
                };
                continue;
            }
            if trimmed.is_empty() && (body.is_empty() || in_response) {
                continue;
            }
            let pair = trimmed.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()));
            match (in_response, section) {
                (false, "headers")
                    if body.is_empty() && pair.is_some() && !trimmed.starts_with(['{', '[', '`', '"']) =>
                {
                    let (key, value) = pair.unwrap_or_default();
                    headers.insert(key, json!(templates.convert(&value)));
                }
                (false, "headers") => body.push(line),
                (false, "query" | "form") => {
                    let (key, value) = pair.ok_or_else(|| format!("line {line_number}: `name: value` expected"))?;
                    let field = if section == "query" { "query" } else { "body" };
                    let value = json!(templates.convert(&unquote(&value)));
                    if field == "query" {
                        request["query"][key] = value;
                    } else {
                        request["body"]["form"][key] = value;
                    }
                }
                (false, "basic") => {
                    let (user, password) =
                        pair.ok_or_else(|| format!("line {line_number}: `user: password` expected"))?;
                    request["auth"] =
                        json!({"basic": {"user": templates.convert(&user), "password": templates.convert(&password)}});
                }
                (true, "headers") => match pair {
                    Some((key, value)) => assertions
                        .push(json!({"source": "header", "property": key, "op": "eq", "value": unquote(&value)})),
                    None => imported
                        .note(&label, format!("line {line_number}: a response body to compare is not carried over")),
                },
                (true, "captures") => match pair.and_then(|(name, query)| Some((name, reference(&query)?))) {
                    Some((name, reference)) => {
                        templates.captured.insert(name, format!("step{number}.{reference}"));
                    }
                    None => {
                        imported.note(&label, format!("line {line_number}: capture `{trimmed}` is not carried over"))
                    }
                },
                (true, "asserts") => match assertion(trimmed) {
                    Ok(assertion) => assertions.push(assertion),
                    Err(reason) => imported.note(&label, format!("line {line_number}: `{trimmed}`: {reason}")),
                },
                _ => {}
            }
        }
        if let Some(body) = request_body(&body, &mut templates, &mut imported, &label) {
            request["body"] = body;
        }
        if !headers.is_empty() {
            request["headers"] = Value::Object(headers);
        }
        let title = url.trim().rsplit('/').find(|s| !s.is_empty() && !s.contains("{{")).unwrap_or("request");
        let step = json!({"name": step_name(&format!("{method} {title}"), &mut names), "request": request});
        imported.push_step(step, assertions);
    }
    imported.finish(templates);
    Ok(imported)
}

/// Whether the body so far is complete: only a ``` block can hold a line starting with `HTTP`.
fn body_closed(body: &[&str]) -> bool {
    match body.first().map(|l| l.trim()) {
        Some(first) if first.starts_with("```") => body.len() > 1 && body.last().is_some_and(|l| l.trim() == "```"),
        _ => true,
    }
}

/// The entries: each starts at a line `METHOD URL` (comments and blank lines between).
fn entries(text: &str) -> Vec<Vec<(usize, String)>> {
    let mut entries: Vec<Vec<(usize, String)>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        let is_request = first.len() >= 3
            && first.chars().all(|c| c.is_ascii_uppercase())
            && first != "HTTP"
            && line.split_whitespace().count() == 2
            && !line.starts_with(' ');
        match entries.last_mut() {
            Some(entry) if !is_request => entry.push((index + 1, line.to_string())),
            _ if is_request => entries.push(vec![(index + 1, line.to_string())]),
            _ => {}
        }
    }
    entries
}

fn unquote(text: &str) -> String {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::String(s)) => s,
        _ => text.trim().to_string(),
    }
}

fn request_body(lines: &[&str], templates: &mut Templates, imported: &mut Imported, label: &str) -> Option<Value> {
    let text = lines.join("\n");
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(inner) = text.strip_prefix("```") {
        let inner = inner.split_once('\n').map_or("", |(_, rest)| rest).trim_end_matches("```").trim_end_matches('\n');
        return Some(json!({"text": templates.convert(inner)}));
    }
    match serde_json::from_str::<Value>(&templates.convert(text)) {
        Ok(json) => Some(json!({"json": json})),
        Err(_) => {
            imported.note(label, "a body that is neither JSON nor a ``` block is not carried over".into());
            None
        }
    }
}

/// `jsonpath "$.a.b[0]"` or `header "Location"` as a reference inside the step.
fn reference(query: &str) -> Option<String> {
    let (kind, argument) = query.split_once(' ')?;
    let argument = unquote(argument);
    match kind {
        "jsonpath" => Some(format!("body.{}", dot_path(&argument)?)),
        "header" => Some(format!("headers.{argument}")),
        _ => None,
    }
}

/// `$.a.b[0]` as the agent's dot path `a.b[0]`; `None` for filters and wildcards.
fn dot_path(jsonpath: &str) -> Option<String> {
    let path = jsonpath.strip_prefix("$.").or_else(|| jsonpath.strip_prefix('$'))?;
    (!path.contains(['*', '?', '(']) && !path.contains("..")).then(|| path.to_string())
}

/// One `[Asserts]` line: `QUERY [count] PREDICATE [VALUE]`.
fn assertion(line: &str) -> Result<Value, String> {
    let (mut subject, mut rest) = match line.split_once(' ') {
        Some(("status", rest)) => (json!({"source": "status"}), rest),
        Some(("duration", rest)) => (json!({"source": "latency"}), rest),
        Some(("body", rest)) => (json!({"source": "body"}), rest),
        Some((kind @ ("jsonpath" | "header"), rest)) => {
            let rest = rest.trim_start();
            let quoted = rest.strip_prefix('"').ok_or("the query's argument is not a quoted string")?;
            let end = quoted.find('"').map(|at| at + 2).ok_or("an unterminated quoted argument")?;
            let argument = unquote(&rest[..end]);
            let subject = if kind == "header" {
                json!({"source": "header", "property": argument})
            } else {
                json!({"source": "body", "property": dot_path(&argument).unwrap_or(argument)})
            };
            (subject, &rest[end..])
        }
        _ => return Err("this kind of query is not translated (xpath, regex, cookie, sha256, bytes, ...)".into()),
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
    let literal =
        || serde_json::from_str::<Value>(value).map_err(|_| format!("`{value}` is not a value the importer reads"));
    let (op, expected) = match (predicate, negated) {
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
        ("contains" | "includes", _) => (Op::Contains, Some(literal()?)),
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
    if count && op != Op::Length {
        return Err("only `count ==` is translated among the filters".into());
    }
    let predicate = Predicate { not: negated || predicate == "!=", op };
    predicate.write_into(&mut subject, expected);
    Ok(subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzz/import_hurl: a query with no argument, or one not in quotes, panicked.
    #[test]
    fn a_query_without_a_quoted_argument_is_a_note_not_a_panic() {
        for line in ["jsonpath ", "header é", "jsonpath $.a == 1", "header \"unterminated"] {
            assert!(assertion(line).is_err(), "{line}");
        }
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/seeds/import_hurl/query-without-quoted-argument.hurl");
        let found = String::from_utf8_lossy(&std::fs::read(seed).unwrap()).into_owned();
        let _ = import(&found, "fuzz");
        let parsed = assertion("jsonpath \"$.a\" == 1").unwrap();
        assert_eq!(parsed, json!({"source": "body", "property": "a", "op": "eq", "value": 1}));
    }
}
