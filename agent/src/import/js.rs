//! Just enough JavaScript reading for Postman scripts: statements split at the top level,
//! call arguments split at commas, literals read as JSON, paths like `json.items[0].qty`.
//! Anything else is left to the caller to report as not translated.

use serde_json::Value;

/// Where a character sits: inside a string or a comment, or in code at some depth.
fn scan(text: &str, mut at_code: impl FnMut(usize, char, usize) -> bool) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let (mut depth, mut i) = (0usize, 0);
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|(_, c)| *c);
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i].1 != c {
                    i += if chars[i].1 == '\\' { 2 } else { 1 };
                }
            }
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i].1 != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i].1 == '*' && chars[i + 1].1 == '/') {
                    i += 1;
                }
                i += 1;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {
                if !at_code(at, c, depth) {
                    return;
                }
            }
        }
        i += 1;
    }
}

/// `text` without `//` and `/* */` comments.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    let mut cuts = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|(_, c)| *c);
        match (quote, c) {
            (Some(q), '\\') if q != '\0' => i += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '/') if next == Some('/') => {
                let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
                cuts.push((at, end));
                i = chars.iter().position(|(p, _)| *p >= end).unwrap_or(chars.len());
                continue;
            }
            (None, '/') if next == Some('*') => {
                let end = text[at + 2..].find("*/").map_or(text.len(), |n| at + 2 + n + 2);
                cuts.push((at, end));
                i = chars.iter().position(|(p, _)| *p >= end).unwrap_or(chars.len());
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    for (start, end) in cuts {
        out.push_str(&text[kept..start]);
        kept = end;
    }
    out.push_str(&text[kept..]);
    out
}

/// Top-level statements: split at `;` and at line ends, a line starting with `.` continuing
/// the statement before it (chained calls written over several lines).
pub fn statements(text: &str) -> Vec<String> {
    let mut cuts = vec![0];
    scan(text, |at, c, depth| {
        if depth == 0 && (c == ';' || c == '\n') {
            cuts.push(at + 1);
        }
        true
    });
    cuts.push(text.len());
    let mut out: Vec<String> = Vec::new();
    for pair in cuts.windows(2) {
        let piece = text[pair[0]..pair[1]].trim().trim_end_matches(';').trim();
        if piece.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if piece.starts_with('.') => last.push_str(piece),
            _ => out.push(piece.to_string()),
        }
    }
    out
}

/// The arguments of a call whose text starts right after its `(`, up to the matching `)`;
/// with what follows the `)`.
pub fn call_arguments(text: &str) -> Option<(Vec<String>, &str)> {
    let mut commas = Vec::new();
    let mut end = None;
    scan(text, |at, c, depth| {
        if depth == 0 && c == ',' {
            commas.push(at);
        }
        true
    });
    // The matching `)` is where the depth goes below zero: find it with a second scan.
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ')' => {
                end = Some(at);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let mut args = Vec::new();
    let mut start = 0;
    for comma in commas.into_iter().filter(|c| *c < end) {
        args.push(text[start..comma].trim().to_string());
        start = comma + 1;
    }
    let last = text[start..end].trim();
    if !last.is_empty() || !args.is_empty() {
        args.push(last.to_string());
    }
    Some((args, &text[end + 1..]))
}

/// A JavaScript literal (number, string in any quotes, `true`/`false`/`null`, arrays and
/// objects of those) as JSON.
pub fn literal(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some(value);
    }
    // Single-quoted strings and bare object keys: rewrite into JSON and try again.
    let mut json = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '`' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if c == '`' && s.contains("${") {
                return None;
            }
            json.push_str(&Value::String(s).to_string());
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            json.extend(&chars[start..=i.min(chars.len() - 1)]);
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i + 1 < chars.len() && (chars[i + 1].is_alphanumeric() || chars[i + 1] == '_' || chars[i + 1] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..=i].iter().collect();
            let is_key = chars[i + 1..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            match word.as_str() {
                "true" | "false" | "null" if !is_key => json.push_str(&word),
                _ if is_key => json.push_str(&Value::String(word).to_string()),
                _ => return None,
            }
        } else {
            json.push(c);
        }
        i += 1;
    }
    serde_json::from_str(&json).ok()
}

/// A string literal's text.
pub fn string(text: &str) -> Option<String> {
    literal(text)?.as_str().map(str::to_string)
}

/// `name.a.b[0]["c d"]` as `name` and the parts after it, in the agent's path form
/// (`a.b[0]`, or JSONPath `$['c d']` when a key is not a plain word). `None` when `text` is
/// not such a path.
pub fn member_path(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let head_end = text.find(['.', '[']).unwrap_or(text.len());
    let head = &text[..head_end];
    if head.is_empty() || !head.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$') {
        return None;
    }
    let mut parts: Vec<PathPart> = Vec::new();
    let mut rest = &text[head_end..];
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let word = &after[..end];
            if word.is_empty() || !word.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                return None;
            }
            parts.push(PathPart::Key(word.to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = literal(&after[..end])?;
            parts.push(match inside {
                Value::Number(n) => PathPart::Index(n.as_i64()?),
                Value::String(s) => PathPart::Key(s),
                _ => return None,
            });
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some((head.to_string(), render_path(&parts)))
}

#[derive(Debug, Clone)]
pub enum PathPart {
    Key(String),
    Index(i64),
}

/// The agent's dot path (`items[0].qty`), or JSONPath when a key is not a plain word.
pub fn render_path(parts: &[PathPart]) -> String {
    let plain = |key: &str| !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if parts.iter().all(|p| matches!(p, PathPart::Index(_)) || matches!(p, PathPart::Key(k) if plain(k))) {
        let mut out = String::new();
        for part in parts {
            match part {
                PathPart::Key(key) if out.is_empty() => out.push_str(key),
                PathPart::Key(key) => out.push_str(&format!(".{key}")),
                PathPart::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        return out;
    }
    let mut out = String::from("$");
    for part in parts {
        match part {
            PathPart::Key(key) => out.push_str(&format!("['{}']", key.replace('\'', "\\'"))),
            PathPart::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_split_at_the_top_level_and_chains_continue() {
        let script = "var json = pm.response.json(); // the body\npm.test('a; b', function () {\n  pm.expect(json.a)\n    .to.eql(1);\n});\ntests['x'] = responseCode.code === 200";
        let found = statements(&strip_comments(script));
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], "var json = pm.response.json()");
        assert!(found[1].starts_with("pm.test('a; b', function () {"), "{found:?}");
        let (args, rest) = call_arguments(&found[1]["pm.test(".len()..]).unwrap();
        assert_eq!(args[0], "'a; b'");
        assert_eq!(rest, "");
        let body = args[1].trim_start_matches("function () {").trim_end_matches('}');
        assert_eq!(statements(body), ["pm.expect(json.a).to.eql(1)"]);
    }

    #[test]
    fn literals_read_as_json() {
        assert_eq!(literal("'it''s'"), None);
        assert_eq!(literal("'ok'"), Some(json!("ok")));
        assert_eq!(literal("[200, 201]"), Some(json!([200, 201])));
        assert_eq!(
            literal("{ sku: 'A-1', qty: 2, gift: false }"),
            Some(json!({"sku": "A-1", "qty": 2, "gift": false}))
        );
        assert_eq!(literal("json.token"), None);
        assert_eq!(literal("`x ${y}`"), None);
    }

    #[test]
    fn member_paths_become_agent_paths() {
        assert_eq!(member_path("json.items[0].qty"), Some(("json".into(), "items[0].qty".into())));
        assert_eq!(member_path("data"), Some(("data".into(), String::new())));
        assert_eq!(member_path("json['total price']"), Some(("json".into(), "$['total price']".into())));
        assert_eq!(member_path("json.items.length > 0"), None);
    }
}
