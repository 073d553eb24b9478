//! Hurl files into a collection: each entry (`METHOD URL`, headers, query/form/basic-auth
//! sections, a JSON or text body; `HTTP` status, response headers, `[Captures]`, `[Asserts]`)
//! becomes a step; captures become references to that step wherever `{{name}}` is used later.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::templates::{Piece, pieces};
use super::{CURL_MAX_REDIRECTS, Imported, Templates, step_name};

/// Where the files an entry sends (`file,data.txt;`) are, as seen from the collection written:
/// Hurl reads them relative to the Hurl file.
#[derive(Debug, Default)]
pub struct Options {
    /// The Hurl file's folder, relative to the folder the collection is written to.
    pub files: PathBuf,
    /// The folder the collection is written to, where its file parts are checked.
    pub written_to: Option<PathBuf>,
    /// Follow redirects unless an entry says otherwise (`hurl --location`).
    pub location: bool,
}

pub fn import(text: &str, name: &str) -> Result<Imported, String> {
    import_with(text, name, &Options::default())
}

pub fn import_with(text: &str, name: &str, options: &Options) -> Result<Imported, String> {
    let mut imported = Imported::new(name.to_string());
    imported.dir = options.written_to.clone();
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
        // `[Options] variable: name=value` holds for this entry and the ones after it.
        for (key, value) in options_of(lines) {
            if let ("variable", Some((name, value))) = (key.as_str(), value.split_once('=')) {
                let effect = super::variables::Effect::Literal(name.trim().to_string(), value.trim().to_string());
                templates.apply(&effect, &step_name);
            }
        }
        let mut request = json!({"method": method, "url": templates.convert(url.trim())});
        let mut captures: Vec<Value> = Vec::new();
        // The query each capture of this entry reads, for `variable "NAME"` in its asserts.
        let mut captured_by: HashMap<String, String> = HashMap::new();
        let mut retry = json!({"delay_ms": 1000, "on": ["error", "assertions"]});
        let (mut headers, mut assertions) = (Map::new(), Vec::new());
        let mut section = "headers";
        let mut body: Vec<&str> = Vec::new();
        let mut in_response = false;
        let mut expected_body: Vec<&str> = Vec::new();
        let mut expected_body_line = 0;
        // Hurl follows no redirect unless the entry (or `--location`) says so.
        let mut follow = options.location;
        let mut max_redirects = None;
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
                    "Cookies" => "cookies",
                    "MultipartFormData" | "Multipart" => "multipart",
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
            // The request body comes after the request's sections.
            if !in_response
                && section != "headers"
                && body.is_empty()
                && (starts_a_body(trimmed) || trimmed.starts_with('`'))
            {
                section = "headers";
            }
            // A line in a request section that is not `name: value` is noted, and only it.
            let in_section = !in_response && !matches!(section, "headers" | "options" | "skip");
            if in_section && pair.is_none() {
                imported
                    .note(&label, format!("line {line_number}: `{trimmed}` is not `name: value`; not carried over"));
                continue;
            }
            match (in_response, section) {
                (false, "headers")
                    if body.is_empty()
                        && pair.is_some()
                        && (!trimmed.starts_with(['{', '[', '`', '"']) || trimmed.starts_with("{{")) =>
                {
                    let (key, value) = pair.unwrap_or_default();
                    let (key, value) = (templates.name(&hurl_text(&key)), templates.convert(&hurl_text(&value)));
                    // A header given several times is sent as one, its values joined with `,`
                    // (RFC 9110 §5.3), as a server reads several lines of it.
                    match headers.get_mut(&key) {
                        Some(Value::String(first)) => *first = format!("{first},{value}"),
                        _ => {
                            headers.insert(key, json!(value));
                        }
                    }
                }
                (false, "cookies") => {
                    let (name, value) = pair.unwrap_or_default();
                    // Sent beside the cookies the run keeps, as Hurl sends them.
                    let name = templates.name(&hurl_text(&name));
                    request["cookies"][name] = json!(templates.convert(&hurl_text(&value)));
                }
                (false, "multipart") => {
                    let (name, value) = pair.unwrap_or_default();
                    let name = templates.name(&hurl_text(&name));
                    request["body"]["multipart"][name] = match value.strip_prefix("file,") {
                        Some(file) => file_part(file, &options.files),
                        None => json!(templates.convert(&hurl_text(&value))),
                    };
                }
                (false, "headers") => body.push(line),
                (false, "query" | "form") => {
                    let (key, value) = pair.unwrap_or_default();
                    let field = if section == "query" { "query" } else { "body" };
                    let key = templates.name(&hurl_text(&key));
                    let value = if value.starts_with('"') { unquote(&value) } else { hurl_text(&value) };
                    let value = json!(templates.convert(&value));
                    if field == "query" {
                        request["query"][key] = value;
                    } else {
                        request["body"]["form"][key] = value;
                    }
                }
                (false, "basic") => {
                    let (user, password) = pair.unwrap_or_default();
                    request["auth"] =
                        json!({"basic": {"user": templates.convert(&user), "password": templates.convert(&password)}});
                }
                (true, "headers") => match pair {
                    // The value as written: quotes are part of it (`ETag: "e0023aa4f"`).
                    Some((key, value)) => assertions.push((
                        json!({"source": "header", "property": key, "op": "eq", "value": hurl_text(&value)}),
                        *line_number,
                    )),
                    None => imported
                        .note(&label, format!("line {line_number}: a response body to compare is not carried over")),
                },
                (true, "captures") => {
                    let (name, query) = pair.unwrap_or_default();
                    let query = match with_variable_expanded(without_comment(&query), &captured_by) {
                        Ok(query) => query,
                        Err(reason) => {
                            let note = format!("line {line_number}: capture `{trimmed}` is not carried over: {reason}");
                            imported.note(&label, note);
                            continue;
                        }
                    };
                    if let Some(reference) = reference(&query) {
                        templates.captured.insert(name.clone(), format!("{step_name}.{reference}"));
                        captured_by.insert(name, query);
                    } else {
                        match capture(&name, &query) {
                            // Hurl fails the entry when a capture cannot be read: so does the
                            // assertion that it exists.
                            Ok(spec) => {
                                let exists = json!({"source": "capture", "property": &name, "op": "exists"});
                                assertions.push((exists, *line_number));
                                captures.push(spec);
                                templates.captured.insert(name.clone(), format!("{step_name}.captures.{name}"));
                                captured_by.insert(name, query);
                            }
                            Err(reason) => imported.note(
                                &label,
                                format!("line {line_number}: capture `{trimmed}` is not carried over: {reason}"),
                            ),
                        }
                    }
                }
                (false, "options") => match pair.as_ref().map(|(k, v)| (k.as_str(), without_comment(v))) {
                    Some(("location", "true")) => follow = true,
                    Some(("location", "false")) => follow = false,
                    Some(("max-redirs", most)) if super::max_redirects(most).is_some() => {
                        max_redirects = super::max_redirects(most);
                    }
                    Some(("variable", value)) if value.contains('=') => {}
                    // Hurl's default: nothing to carry over.
                    Some(("insecure", "false")) => {}
                    // Hurl retries an entry whose asserts or captures fail, or that errs.
                    Some(("retry", count)) if count.parse::<u32>().is_ok() => {
                        retry["attempts"] = json!(count.parse::<u32>().unwrap_or(0) + 1);
                    }
                    Some(("retry-interval", interval)) if milliseconds(interval).is_some() => {
                        retry["delay_ms"] = json!(milliseconds(interval));
                    }
                    Some(("user", value)) if value.contains(':') => {
                        let (user, password) = value.split_once(':').unwrap_or_default();
                        let (user, password) = (templates.convert(user), templates.convert(password));
                        request["auth"] = json!({"basic": {"user": user, "password": password}});
                    }
                    _ => {
                        imported.note(&label, format!("line {line_number}: the option `{trimmed}` is not carried over"))
                    }
                },
                (true, "asserts") => {
                    let line = with_literals(without_comment(trimmed), &templates);
                    match asserted(&line, &captured_by) {
                        Ok(checks) => assertions.extend(checks.into_iter().map(|check| (check, *line_number))),
                        Err(reason) => imported.note(&label, format!("line {line_number}: `{trimmed}`: {reason}")),
                    }
                }
                _ => {}
            }
        }
        if !expected_body.is_empty() {
            let files = options.written_to.as_deref().map_or(options.files.clone(), |dir| dir.join(&options.files));
            match expected_checks(&expected_body, &files) {
                Ok(checks) => assertions.extend(checks.into_iter().map(|check| (check, expected_body_line))),
                Err(reason) => imported.note(&label, format!("line {expected_body_line}: {reason}")),
            }
        }
        match request_body(&body, &mut templates, &mut imported, &label) {
            Some((body, content_type)) => {
                request["body"] = body;
                if let Some(content_type) = content_type
                    && !headers.keys().any(|name| name.eq_ignore_ascii_case("content-type"))
                {
                    headers.insert("Content-Type".into(), json!(content_type));
                }
            }
            // The request without its body is not Hurl's: its checks would not check it.
            None if !body.iter().all(|line| line.trim().is_empty()) && !assertions.is_empty() => {
                let lines: Vec<String> = assertions.iter().map(|(_, line)| line.to_string()).collect();
                let lines = lines.join(", ");
                imported
                    .note(&label, format!("its checks (lines {lines}) are left out with the body they would check"));
                assertions.clear();
            }
            None => {}
        }
        if !headers.is_empty() {
            request["headers"] = Value::Object(headers);
        }
        request["follow_redirects"] = json!(follow);
        if follow {
            request["max_redirects"] = json!(max_redirects.unwrap_or(CURL_MAX_REDIRECTS));
        }
        let mut step = json!({"name": step_name, "request": request});
        if retry.get("attempts").is_some() {
            step["retry"] = retry;
        }
        if !captures.is_empty() {
            step["captures"] = Value::Array(captures);
        }
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

/// A Hurl duration (`500`, `500ms`, `2s`, `1m`) in milliseconds.
fn milliseconds(text: &str) -> Option<u64> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let number: u64 = digits.parse().ok()?;
    Some(match &text[digits.len()..] {
        "" | "ms" => number,
        "s" => number * 1000,
        "m" => number * 60_000,
        _ => return None,
    })
}

/// The `key: value` lines of an entry's `[Options]` section, values without comments.
fn options_of(lines: &[(usize, String)]) -> Vec<(String, String)> {
    let mut options = Vec::new();
    let mut inside = false;
    for (_, line) in lines {
        let line = line.trim();
        if is_section(line) || line.starts_with("HTTP") {
            inside = line == "[Options]";
        } else if let Some((key, value)) = line.split_once(':').filter(|_| inside) {
            options.push((key.trim().to_string(), without_comment(value.trim()).to_string()));
        }
    }
    options
}

/// A Hurl value string as the text it stands for: no `# comment` after it, and its escapes
/// (`\#`, `\\`, `\n`, `\t`, `\u{E9}`) read.
fn hurl_text(raw: &str) -> String {
    let raw = without_comment(raw.trim());
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let rest: String = chars.clone().collect();
                let code = rest.strip_prefix('{').and_then(|r| r.split_once('}'));
                match code.and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)) {
                    Some(decoded) => {
                        out.push(decoded);
                        let skip = code.map_or(0, |(hex, _)| hex.len() + 2);
                        chars.nth(skip - 1);
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An `[Asserts]` line with each `{{variable}}` an `[Options] variable:` set written as its
/// value (a number, boolean or `null` as such, other text quoted), as Hurl reads it; others
/// stay as written.
fn with_literals(line: &str, templates: &Templates) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quoted = false;
    for piece in pieces(line) {
        match piece {
            Piece::Text(text) => {
                quoted ^= text.chars().filter(|c| *c == '"').count() % 2 == 1;
                out.push_str(text);
            }
            Piece::Placeholder { name, written } => match templates.literals.get(name) {
                Some(text) if quoted => out.push_str(&text.replace('"', "\\\"")),
                Some(text) => match serde_json::from_str::<Value>(text) {
                    Ok(scalar @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => out.push_str(&scalar.to_string()),
                    _ => out.push_str(&Value::String(text.clone()).to_string()),
                },
                None => out.push_str(written),
            },
        }
    }
    out
}

/// The checks of one `[Asserts]` line, its `variable` query expanded; a line that still holds
/// a `{{placeholder}}` is not translated, since Skopos compares assertion values as written.
fn asserted(line: &str, captured_by: &HashMap<String, String>) -> Result<Vec<Value>, String> {
    if let Some(Piece::Placeholder { written, .. }) =
        pieces(line).into_iter().find(|piece| matches!(piece, Piece::Placeholder { .. }))
    {
        return Err(format!(
            "`{written}` is a value Hurl renders when it runs, and Skopos compares assertion values as written; \
             not translated"
        ));
    }
    assertion(&with_variable_expanded(line, captured_by)?)
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

mod asserts;
mod expected_body;
mod request;
#[cfg(test)]
mod tests;

use asserts::{assertion, capture, reference, with_variable_expanded};
use expected_body::{body_closed, expected_checks, starts_a_body};
use request::{file_part, request_body};
