//! `@{{...}}` references: parsed once into templates, resolved against earlier steps,
//! variables, the environment and built-ins when a step runs.

mod render;

pub use crate::extract::Part;
pub use render::{ResolveError, Scope, Secrets, resolve_part};

use std::fmt;

use serde_json::Value;

use crate::path::{PathError, PropertyPath};

/// A string with `@{{...}}` references in it.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
pub enum Piece {
    Text(String),
    Ref(Reference),
}

/// One `@{{...}}` reference.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The text between the braces, as written, for messages.
    pub text: String,
    pub target: Target,
}

#[derive(Debug, Clone)]
pub enum Target {
    Step {
        step: StepRef,
        part: Part,
    },
    Var {
        name: String,
        path: Option<PropertyPath>,
    },
    Env(String),
    Uuid,
    Timestamp,
    Now,
    /// A whole number from 0 to 1000 (Postman's `$randomInt`).
    RandomInt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRef {
    /// `stepN`, 1-based.
    Position(usize),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("`@{{{{` is not closed by `}}}}`")]
    Unclosed,
    #[error("empty reference `@{{{{}}}}`")]
    Empty,
    #[error(
        "unknown reference `{0}`: expected stepN.PART, NAME.PART, vars.NAME, env.NAME, $uuid, $timestamp, $now or $random_int"
    )]
    Unknown(String),
    #[error("`{reference}`: unknown part `{part}`; expected status, latency, headers.NAME, body or body.PATH")]
    UnknownPart { reference: String, part: String },
    #[error("`{reference}`: {source}")]
    Path { reference: String, source: PathError },
}

/// Adds `text` to the pieces, joined to the text before it.
fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    match pieces.last_mut() {
        _ if text.is_empty() => {}
        Some(Piece::Text(before)) => before.push_str(text),
        _ => pieces.push(Piece::Text(text.to_string())),
    }
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("@{{") {
            push_text(&mut pieces, &rest[..open]);
            let after = &rest[open + 3..];
            let close = after.find("}}").ok_or(TemplateError::Unclosed)?;
            let inside = after[..close].trim();
            // `@{{'text'}}` is the text itself: how a literal `@{{` is written.
            match inside.strip_prefix('\'').and_then(|rest| rest.strip_suffix('\'')) {
                Some(literal) => push_text(&mut pieces, literal),
                None => pieces.push(Piece::Ref(Reference::parse(inside)?)),
            }
            rest = &after[close + 2..];
        }
        push_text(&mut pieces, rest);
        Ok(Template { pieces })
    }

    /// The template as literal text when it has no references.
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// `text` written so that it is sent as it is: each `@{{` in it as `@{{'@{{'}}`.
    pub fn escape(text: &str) -> String {
        text.replace("@{{", "@{{'@{{'}}")
    }

    /// The reference when the template is exactly one reference and nothing else.
    pub fn as_single_reference(&self) -> Option<&Reference> {
        match self.pieces.as_slice() {
            [Piece::Ref(reference)] => Some(reference),
            _ => None,
        }
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Ref(reference) => Some(reference),
            Piece::Text(_) => None,
        })
    }
}

impl Reference {
    pub fn parse(text: &str) -> Result<Reference, TemplateError> {
        if text.is_empty() {
            return Err(TemplateError::Empty);
        }
        let (head, rest) = match text.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (text, None),
        };
        let path_error = |source| TemplateError::Path { reference: text.to_string(), source };
        let target = match (head, rest) {
            ("$uuid", None) => Target::Uuid,
            ("$timestamp", None) => Target::Timestamp,
            ("$now", None) => Target::Now,
            ("$random_int", None) => Target::RandomInt,
            ("env", Some(name)) if !name.is_empty() => Target::Env(name.to_string()),
            ("vars", Some(rest)) if !rest.is_empty() => {
                let (name, path) = split_name(rest);
                let path = path.map(PropertyPath::parse).transpose().map_err(path_error)?;
                Target::Var { name: name.to_string(), path }
            }
            (head, Some(part)) if !head.starts_with('$') && head != "env" && head != "vars" => {
                Target::Step { step: StepRef::parse(head), part: parse_part(text, part)? }
            }
            _ => return Err(TemplateError::Unknown(text.to_string())),
        };
        Ok(Reference { text: text.to_string(), target })
    }
}

/// Splits `NAME.rest` or `NAME[0]...` into the name and the path after it.
fn split_name(text: &str) -> (&str, Option<&str>) {
    match text.find(['.', '[']) {
        Some(cut) if text[cut..].starts_with('.') => (&text[..cut], Some(&text[cut + 1..])),
        Some(cut) => (&text[..cut], Some(&text[cut..])),
        None => (text, None),
    }
}

impl StepRef {
    fn parse(head: &str) -> StepRef {
        match head.strip_prefix("step").and_then(|n| n.parse::<usize>().ok()) {
            Some(position) => StepRef::Position(position),
            None => StepRef::Name(head.to_string()),
        }
    }
}

impl fmt::Display for StepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepRef::Position(n) => write!(f, "step{n}"),
            StepRef::Name(name) => f.write_str(name),
        }
    }
}

/// `status`, `latency`, `headers.NAME`, `cookies.NAME`, `captures.NAME`, `body` or `body.PATH`.
fn parse_part(reference: &str, part: &str) -> Result<Part, TemplateError> {
    let path_error = |source| TemplateError::Path { reference: reference.to_string(), source };
    Ok(match part {
        "status" => Part::Status,
        "latency" => Part::Latency,
        "body" => Part::Body(None),
        _ => {
            if let Some(name) = part.strip_prefix("headers.").filter(|n| !n.is_empty()) {
                Part::Header(name.to_ascii_lowercase())
            } else if let Some(name) = part.strip_prefix("captures.").filter(|n| !n.is_empty()) {
                Part::Capture(name.to_string())
            } else if let Some(query) = part.strip_prefix("cookies.") {
                let query = crate::cookie::CookieQuery::parse(query).map_err(|_| TemplateError::UnknownPart {
                    reference: reference.to_string(),
                    part: part.to_string(),
                })?;
                Part::Cookie(query)
            } else if let Some(path) = part.strip_prefix("body.") {
                Part::Body(Some(PropertyPath::parse(path).map_err(path_error)?))
            } else if let Some(path) = part.strip_prefix("body").filter(|p| p.starts_with('[')) {
                Part::Body(Some(PropertyPath::parse(path).map_err(path_error)?))
            } else {
                return Err(TemplateError::UnknownPart { reference: reference.to_string(), part: part.to_string() });
            }
        }
    })
}

/// A JSON request body with references inside string values.
#[derive(Debug, Clone)]
pub enum JsonTemplate {
    /// A subtree without any reference, used as is.
    Literal(Value),
    /// A string that is exactly one reference: replaced by the referenced value, typed.
    Whole(Reference),
    /// A string mixing text and references: rendered as text.
    Text(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    /// Parses every string in `value`; errors carry the JSON path (`.a[0].b`) of the string.
    pub fn parse(value: &Value) -> Result<JsonTemplate, (String, TemplateError)> {
        if !contains_reference(value) {
            return Ok(JsonTemplate::Literal(value.clone()));
        }
        Ok(match value {
            Value::String(text) => {
                let template = Template::parse(text).map_err(|e| (String::new(), e))?;
                match template.as_single_reference() {
                    Some(reference) => JsonTemplate::Whole(reference.clone()),
                    None => JsonTemplate::Text(template),
                }
            }
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| JsonTemplate::parse(item).map_err(|(p, e)| (format!("[{i}]{p}"), e)))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => JsonTemplate::Object(
                map.iter()
                    .map(|(key, item)| {
                        let parsed = JsonTemplate::parse(item).map_err(|(p, e)| (format!(".{key}{p}"), e))?;
                        Ok((key.clone(), parsed))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => JsonTemplate::Literal(other.clone()),
        })
    }

    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match self {
            JsonTemplate::Literal(_) => {}
            JsonTemplate::Whole(reference) => out.push(reference),
            JsonTemplate::Text(template) => out.extend(template.references()),
            JsonTemplate::Array(items) => items.iter().for_each(|item| item.collect_references(out)),
            JsonTemplate::Object(fields) => fields.iter().for_each(|(_, item)| item.collect_references(out)),
        }
    }
}

fn contains_reference(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("@{{"),
        Value::Array(items) => items.iter().any(contains_reference),
        Value::Object(map) => map.values().any(contains_reference),
        _ => false,
    }
}

#[cfg(test)]
mod tests;

/// A variable name as the file format's `vars.NAME` takes it (`fo/o` → `fo_o`): how the
/// importers write a name, and how a run with scripts also offers a name a script set.
pub fn variable_key(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// Every `@{{env.NAME}}` in a definition (any string in it, keys included), with the field
/// path of the string it is in (`steps[0].request.headers.Authorization`): what an agent
/// checks against the variables it lets definitions read.
pub fn env_references(definition: &Value) -> Vec<(String, String)> {
    fn look(text: &str, at: &str, found: &mut Vec<(String, String)>) {
        let Ok(template) = Template::parse(text) else { return };
        for reference in template.references() {
            if let Target::Env(name) = &reference.target {
                found.push((at.to_string(), name.clone()));
            }
        }
    }
    fn walk(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
        match value {
            Value::String(text) => look(text, at, found),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    walk(item, &crate::document::child_index(at, index), found);
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    let at = crate::document::child_key(at, key);
                    look(key, &at, found);
                    walk(item, &at, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(definition, "", &mut found);
    found
}

#[cfg(test)]
mod env_tests {
    use serde_json::json;

    #[test]
    fn env_references_are_found_with_their_field() {
        let collection = json!({"steps": [{"request": {"url": "https://x/@{{env.HOST}}",
            "headers": {"X-@{{env.KEY_NAME}}": "Bearer @{{env.SKOPOS_TOKEN}} @{{vars.a}}"}}}]});
        let mut found = super::env_references(&collection);
        found.sort();
        assert_eq!(
            found,
            [
                ("steps[0].request.headers.X-@{{env.KEY_NAME}}".to_string(), "KEY_NAME".to_string()),
                ("steps[0].request.headers.X-@{{env.KEY_NAME}}".to_string(), "SKOPOS_TOKEN".to_string()),
                ("steps[0].request.url".to_string(), "HOST".to_string()),
            ]
        );
    }
}
