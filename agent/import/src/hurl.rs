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
        let title = url.trim().rsplit('/').find(|s| !s.is_empty() && !s.contains("{{")).unwrap_or("request");
        let step_name = step_name(&format!("{method} {title}"), &mut names);
        let mut request = json!({"method": method, "url": templates.convert(url.trim())});
        let (mut headers, mut assertions) = (Map::new(), Vec::new());
        let mut section = "headers";
        let mut body: Vec<&str> = Vec::new();
        let mut in_response = false;
        let mut expected_body: Vec<&str> = Vec::new();
        let mut expected_body_line = 0;
        // Hurl follows no redirect unless the entry says `location: true`.
        let mut follow = false;
        for (line_number, line) in &lines[1..] {
            let line = line.trim_end();
            let trimmed = line.trim();
            if let Some(status) = trimmed.strip_prefix("HTTP").filter(|_| body_closed(&body)) {
                in_response = true;
                section = "headers";
                let code = status.trim_start_matches(|c: char| c == '/' || c == '.' || c.is_ascii_digit()).trim();
                if let Ok(code) = code.parse::<u16>() {
                    assertions.push((json!({"source": "status", "op": "eq", "value": code}), *line_number));
                }
                continue;
            }
            if in_response && (!expected_body.is_empty() || starts_a_body(trimmed)) {
                // The expected body runs to the end of the entry.
                if expected_body.is_empty() {
                    expected_body_line = *line_number;
                }
                expected_body.push(line);
                continue;
            }
            if is_section(trimmed) && (body.is_empty() || in_response) {
                section = match &trimmed[1..trimmed.len() - 1] {
                    "QueryStringParams" | "Query" => "query",
                    "FormParams" | "Form" => "form",
                    "BasicAuth" => "basic",
                    "Captures" => "captures",
                    "Asserts" => "asserts",
                    "Options" => "options",
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
                    Some((key, value)) => assertions.push((
                        json!({"source": "header", "property": key, "op": "eq", "value": unquote(&value)}),
                        *line_number,
                    )),
                    None => imported
                        .note(&label, format!("line {line_number}: a response body to compare is not carried over")),
                },
                (true, "captures") => match pair.and_then(|(name, query)| Some((name, reference(&query)?))) {
                    Some((name, reference)) => {
                        templates.captured.insert(name, format!("{step_name}.{reference}"));
                    }
                    None => {
                        imported.note(&label, format!("line {line_number}: capture `{trimmed}` is not carried over"))
                    }
                },
                (false, "options") => match pair.as_ref().map(|(k, v)| (k.as_str(), without_comment(v))) {
                    Some(("location", "true")) => follow = true,
                    Some(("location", "false")) => follow = false,
                    _ => {
                        imported.note(&label, format!("line {line_number}: the option `{trimmed}` is not carried over"))
                    }
                },
                (true, "asserts") => match assertion(without_comment(trimmed)) {
                    Ok(assertion) => assertions.push((assertion, *line_number)),
                    Err(reason) => imported.note(&label, format!("line {line_number}: `{trimmed}`: {reason}")),
                },
                _ => {}
            }
        }
        if !expected_body.is_empty() {
            match body_text(&expected_body) {
                Some(text) => assertions
                    .push((json!({"source": "body", "op": "eq", "value": templates.convert(&text)}), expected_body_line)),
                None => imported.note(
                    &label,
                    format!("line {expected_body_line}: a response body in this form (base64, hex, file) is not carried over"),
                ),
            }
        }
        if let Some(body) = request_body(&body, &mut templates, &mut imported, &label) {
            request["body"] = body;
        }
        if !headers.is_empty() {
            request["headers"] = Value::Object(headers);
        }
        request["follow_redirects"] = json!(follow);
        let step = json!({"name": step_name, "request": request});
        let placed = assertions.into_iter().map(|(assertion, line)| (assertion, format!("line {line}"))).collect();
        imported.push_placed_step(&label, step, placed);
    }
    imported.finish(templates);
    Ok(imported)
}

/// `[Asserts]`, `[Captures]`...: a section name, not a JSON list.
fn is_section(line: &str) -> bool {
    line.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The first line of an expected response body: JSON, a `` `text` `` or a ``` block.
fn starts_a_body(line: &str) -> bool {
    line.starts_with(['{', '`'])
        || (line.starts_with('[') && !is_section(line))
        || line.starts_with("base64,")
        || line.starts_with("hex,")
        || line.starts_with("file,")
}

/// The text Hurl compares the response body with: JSON as written, a `` `one line` ``, or
/// the lines of a ``` block (each ending with a line break); `None` for bytes given as
/// base64, hex or a file.
fn body_text(lines: &[&str]) -> Option<String> {
    let mut lines = lines.to_vec();
    while lines.last().is_some_and(|line| line.trim().is_empty()) {
        lines.pop();
    }
    let first = lines.first()?.trim();
    if first.starts_with("```") {
        let inner = lines.get(1..lines.len().checked_sub(1)?)?;
        return (lines.last()?.trim() == "```").then(|| inner.iter().map(|line| format!("{line}\n")).collect());
    }
    if let Some(inner) = first.strip_prefix('`').filter(|_| lines.len() == 1) {
        return Some(inner.strip_suffix('`')?.replace("\\`", "`"));
    }
    first.starts_with(['{', '[']).then(|| lines.join("\n"))
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

/// `$.a.b[0]` as the agent's dot path `a.b[0]`; `None` for anything else (quoted names,
/// filters, wildcards), which is kept as JSONPath.
fn dot_path(jsonpath: &str) -> Option<String> {
    let path = jsonpath.strip_prefix("$.")?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']');
    let indexes_only =
        path.split('[').skip(1).all(|part| part.split(']').next().is_some_and(|i| i.parse::<i64>().is_ok()));
    (path.chars().all(plain) && indexes_only && !path.starts_with(['.', '[']) && !path.contains(".."))
        .then(|| path.to_string())
}

/// One `[Asserts]` line: `QUERY [count] PREDICATE [VALUE]`.
fn assertion(line: &str) -> Result<Value, String> {
    let mut singular = true;
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
                singular = skopos_core::path::is_singular(&argument);
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
    if count && op != Op::Length {
        return Err("only `count ==` is translated among the filters".into());
    }
    let predicate = Predicate { not: negated || predicate == "!=", op };
    predicate.write_into(&mut subject, expected);
    Ok(subject)
}

/// A Hurl value as JSON: a number, `true`/`false`/`null`, a `` `backtick string` ``, or a
/// quoted string whose `\u{E9}` escapes are Hurl's (JSON writes `\u00e9`).
fn hurl_value(text: &str) -> Option<Value> {
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

/// `text` without a `# comment` after it (outside quotes).
fn without_comment(text: &str) -> &str {
    let mut quoted = false;
    let mut previous = ' ';
    for (at, c) in text.char_indices() {
        match c {
            '"' if previous != '\\' => quoted = !quoted,
            '#' if !quoted && previous.is_whitespace() => return text[..at].trim_end(),
            _ => {}
        }
        previous = c;
    }
    text
}

#[cfg(test)]
mod tests;
