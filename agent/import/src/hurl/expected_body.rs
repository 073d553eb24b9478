//! The response body an entry expects (the lines after its `HTTP` line and sections), as
//! the agent's checks on the body.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use super::is_section;
use crate::templates::{Piece, pieces};

/// The first line of an expected response body: JSON, XML, a `` `text` `` or a ``` block, or
/// bytes (`base64,...;`, `hex,...;`, `file,...;`).
pub fn starts_a_body(line: &str) -> bool {
    line.starts_with(['{', '`', '<'])
        || (line.starts_with('[') && !is_section(line))
        || line.starts_with("base64,")
        || line.starts_with("hex,")
        || line.starts_with("file,")
}

/// Whether the body so far is complete: only a ``` block can hold a line starting with `HTTP`.
pub fn body_closed(body: &[&str]) -> bool {
    match body.first().map(|l| l.trim()) {
        Some(first) if first.starts_with("```") => body.len() > 1 && body.last().is_some_and(|l| l.trim() == "```"),
        _ => true,
    }
}

/// The checks that the response body is the one `lines` expect; `files` is the folder a
/// `file,` body is read from. Text is compared as it is; bytes are compared as the text they
/// hold and by their number (so a body in another encoding that reads the same fails, as in
/// Hurl, which compares bytes).
pub fn expected_checks(lines: &[&str], files: &Path) -> Result<Vec<Value>, String> {
    let text = match bytes(lines, files)? {
        Some(bytes) => {
            let size = bytes.len();
            let text = String::from_utf8(bytes)
                .map_err(|_| "the expected bytes are not UTF-8 text, and Skopos compares a body as text")?;
            return Ok(vec![
                json!({"source": "body", "op": "eq", "value": text}),
                json!({"source": "size", "op": "eq", "value": size}),
            ]);
        }
        None => body_text(lines).ok_or("a response body in this form is not carried over")?,
    };
    if let Some(name) = pieces(&text).iter().find_map(|piece| match piece {
        Piece::Placeholder { name, .. } => Some(*name),
        Piece::Text(_) => None,
    }) {
        return Err(format!(
            "the expected body holds `{{{{{name}}}}}`, rendered by Hurl when it runs, and Skopos compares a body with \
             text as written"
        ));
    }
    Ok(vec![json!({"source": "body", "op": "eq", "value": text})])
}

/// The bytes a `base64,...;`, `hex,...;` or `file,...;` body stands for; `None` for text.
fn bytes(lines: &[&str], files: &Path) -> Result<Option<Vec<u8>>, String> {
    let written: String = lines.iter().map(|line| line.trim()).collect();
    let Some((kind, rest)) = written.split_once(',') else { return Ok(None) };
    let Some(value) = rest.split_once(';').map(|(value, _)| value.trim()) else { return Ok(None) };
    let bytes = match kind {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(value.split_whitespace().collect::<String>())
            .map_err(|e| format!("`base64,{value};`: {e}"))?,
        "hex" => hex(value).ok_or_else(|| format!("`hex,{value};` is not hexadecimal"))?,
        "file" => {
            let path = files.join(value);
            std::fs::read(&path).map_err(|e| format!("the file `{}`: {e}", path.display()))?
        }
        _ => return Ok(None),
    };
    Ok(Some(bytes))
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}

/// The text Hurl compares the response body with: JSON as written, a `` `one line` ``, or
/// the lines of a ``` block (each ending with a line break).
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
    first.starts_with(['{', '[', '<']).then(|| lines.join("\n"))
}
