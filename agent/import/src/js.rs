//! Just enough JavaScript reading for Postman scripts: statements split at the top level,
//! call arguments split at commas, literals read as JSON, paths like `json.items[0].qty`.
//! Anything else is left to the caller to report as not translated.

use serde_json::Value;

/// What the scanner meets outside strings.
enum Piece {
    /// A character of code at a bracket depth: an opening bracket at the depth it opens from,
    /// a closing one at the depth it closes into (-1 for one closing what began before `text`).
    Code { at: usize, c: char, depth: i32 },
    /// A `//` or `/* */` comment, as a byte range.
    Comment { start: usize, end: usize },
}

/// Walks `text`, skipping string literals, until `visit` returns `false`.
fn scan(text: &str, mut visit: impl FnMut(Piece) -> bool) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let (mut depth, mut i) = (0i32, 0);
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|(_, c)| *c);
        let (piece, after) = match c {
            '"' | '\'' | '`' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].1 != c {
                    j += if chars[j].1 == '\\' { 2 } else { 1 };
                }
                i = j + 1;
                continue;
            }
            '/' if next == Some('/') => {
                let j = (i..chars.len()).find(|&j| chars[j].1 == '\n').unwrap_or(chars.len());
                (Piece::Comment { start: at, end: byte(j) }, j)
            }
            '/' if next == Some('*') => {
                let close =
                    (i + 2..chars.len().saturating_sub(1)).find(|&j| chars[j].1 == '*' && chars[j + 1].1 == '/');
                let j = close.map_or(chars.len(), |j| j + 2);
                (Piece::Comment { start: at, end: byte(j) }, j)
            }
            '(' | '[' | '{' => {
                depth += 1;
                (Piece::Code { at, c, depth: depth - 1 }, i + 1)
            }
            ')' | ']' | '}' => {
                depth -= 1;
                let piece = Piece::Code { at, c, depth };
                depth = depth.max(0);
                (piece, i + 1)
            }
            _ => (Piece::Code { at, c, depth }, i + 1),
        };
        if !visit(piece) {
            return;
        }
        i = after;
    }
}

/// `text` without `//` and `/* */` comments.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    scan(text, |piece| {
        if let Piece::Comment { start, end } = piece {
            out.push_str(&text[kept..start]);
            kept = end;
        }
        true
    });
    out.push_str(&text[kept..]);
    out
}

/// Top-level statements: split at `;` and at line ends, a line starting with `.` continuing
/// the statement before it (chained calls written over several lines).
pub fn statements(text: &str) -> Vec<String> {
    let mut cuts = vec![0];
    scan(text, |piece| {
        if let Piece::Code { at, c: ';' | '\n', depth: 0 } = piece {
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
    let (mut commas, mut end) = (Vec::new(), None);
    scan(text, |piece| match piece {
        Piece::Code { at, c: ',', depth: 0 } => {
            commas.push(at);
            true
        }
        Piece::Code { at, c: ')', depth: -1 } => {
            end = Some(at);
            false
        }
        _ => true,
    });
    let end = end?;
    let mut args = Vec::new();
    let mut start = 0;
    for comma in commas {
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
        assert_eq!(strip_comments("a /* b; c */ + 'd // e' // f\ng"), "a  + 'd // e' \ng");
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
