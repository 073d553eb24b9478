//! What an entry sends: its body, and the files of a `[MultipartFormData]` section, as Hurl
//! sends them.

use serde_json::{Value, json};

use super::without_comment;
use crate::{Imported, Templates};

/// The request body as Hurl sends it, with the `Content-Type` Hurl gives it when the entry sets
/// none: JSON and ```` ```json ```` as `application/json`, XML and ```` ```xml ```` as
/// `application/xml`, ```` ```graphql ```` as Hurl's `{"query", "variables"}` JSON.
pub(super) fn request_body(
    lines: &[&str],
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
) -> Option<(Value, Option<&'static str>)> {
    let text = lines.join("\n");
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(inner) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')).filter(|t| !t.starts_with("``")) {
        // A one-line string, sent as written.
        return Some((json!({"text": templates.convert(&inner.replace("\\`", "`"))}), None));
    }
    if let Some(block) = text.strip_prefix("```") {
        let (language, rest) = block.split_once('\n').unwrap_or((block, ""));
        // Each line of the block ends with a line break, the last one too.
        let inner = rest.strip_suffix("```").unwrap_or(rest);
        return match language.trim() {
            "" | "json" | "xml" => {
                let content_type = match language.trim() {
                    "json" => Some("application/json"),
                    "xml" => Some("application/xml"),
                    _ => None,
                };
                Some((json!({"text": templates.convert(inner)}), content_type))
            }
            "graphql" => {
                graphql(inner, templates).map(|body| (json!({"json": body}), Some("application/json"))).or_else(|| {
                    imported.note(label, "a GraphQL body whose variables are not JSON is not carried over".into());
                    None
                })
            }
            other => {
                imported.note(label, format!("a ```{other} body is not carried over"));
                None
            }
        };
    }
    let content_type = match text.chars().next() {
        Some('{' | '[') => "application/json",
        Some('<') => "application/xml",
        _ => {
            imported.note(label, "a body that is not JSON, XML, a `string` or a ``` block is not carried over".into());
            return None;
        }
    };
    // Sent as written: Hurl keeps the JSON's own spacing.
    Some((json!({"text": templates.convert(text)}), Some(content_type)))
}

/// A ```` ```graphql ```` block: the query, then optionally `variables { JSON }`.
fn graphql(block: &str, templates: &mut Templates) -> Option<Value> {
    let (query, variables) = match block.find("\nvariables") {
        Some(at) => (&block[..at], Some(block[at + "\nvariables".len()..].trim())),
        None => (block, None),
    };
    let query = templates.convert(query.trim());
    Some(match variables {
        Some(variables) => {
            json!({"query": query, "variables": serde_json::from_str::<Value>(&templates.convert(variables)).ok()?})
        }
        None => json!({"query": query}),
    })
}

/// `file,data.txt;` or `file,data.txt; text/html` as a file part, its path seen from the
/// collection.
pub(super) fn file_part(spec: &str, files: &std::path::Path) -> Value {
    let (file, content_type) = spec.split_once(';').unwrap_or((spec, ""));
    let path = files.join(file.trim()).to_string_lossy().replace('\\', "/");
    let content_type = match without_comment(content_type.trim()) {
        "" => guessed_content_type(file.trim()),
        given => given,
    };
    json!({"file": path, "content_type": content_type})
}

/// The media type Hurl (as curl) sends for a file part with none given, from its extension.
fn guessed_content_type(file: &str) -> &'static str {
    let extension = file.rsplit_once('.').map_or("", |(_, extension)| extension).to_ascii_lowercase();
    match extension.as_str() {
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "js" => "application/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
