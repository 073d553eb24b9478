//! Resolving references when a step runs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::{JsonTemplate, Part, Piece, Reference, StepRef, Target, Template};
use crate::extract::Extracted;
use crate::path::Found;
use crate::response::{Response, snippet as excerpt};

/// A reference that could not be resolved, and what was there instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot resolve `@{{{{{reference}}}}}`: {problem}")]
pub struct ResolveError {
    pub reference: String,
    pub problem: String,
}

/// Values from the environment used while rendering: they never appear in reports.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// Remembers a secret, also as it reads once URL-encoded (query, form) or JSON-escaped.
    pub fn add(&mut self, value: &str) {
        if value.is_empty() || self.values.iter().any(|known| known == value) {
            return;
        }
        let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let json = Value::String(value.to_string()).to_string();
        let json = json[1..json.len() - 1].to_string();
        for variant in [value.to_string(), form, json] {
            if !self.values.contains(&variant) {
                self.values.push(variant);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.values.sort_by_key(|known| std::cmp::Reverse(known.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Masks every string inside a JSON value, in place.
    pub fn mask_value(&self, value: &mut Value) {
        if self.values.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Cow::Owned(masked) = self.mask(text) {
                    *text = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.mask_value(item)),
            Value::Object(map) => map.values_mut().for_each(|item| self.mask_value(item)),
            _ => {}
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut masked = Cow::Borrowed(text);
        for secret in &self.values {
            if masked.contains(secret.as_str()) {
                masked = Cow::Owned(masked.replace(secret.as_str(), "***"));
            }
        }
        masked
    }
}

/// Everything a reference in step `current` (0-based) can see.
pub struct Scope<'a> {
    pub vars: &'a Map<String, Value>,
    pub env: &'a HashMap<String, String>,
    /// The responses of the steps before the current one, in order; `None` once no later
    /// step refers to it (see `Plan::last_use`).
    pub responses: &'a [Option<Response>],
    /// The names of all steps of the collection (`None` for unnamed ones).
    pub names: &'a [Option<String>],
    pub secrets: &'a mut Secrets,
}

impl Scope<'_> {
    pub fn resolve(&mut self, reference: &Reference) -> Result<Value, ResolveError> {
        let fail = |problem: String| ResolveError { reference: reference.text.clone(), problem };
        match &reference.target {
            Target::Uuid => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
            Target::Timestamp => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                Ok(Value::from(now.as_secs()))
            }
            Target::Now => Ok(Value::String(humantime::format_rfc3339_seconds(SystemTime::now()).to_string())),
            Target::RandomInt => Ok(Value::from((uuid::Uuid::new_v4().as_u128() % 1001) as u64)),
            Target::Env(name) => match self.env.get(name) {
                Some(value) => {
                    self.secrets.add(value);
                    Ok(Value::String(value.clone()))
                }
                None => Err(fail(format!("environment variable `{name}` is not set"))),
            },
            Target::Var { name, path } => {
                let value = self
                    .vars
                    .get(name)
                    .ok_or_else(|| fail(format!("variable `{name}` is not defined in `variables` or by --var")))?;
                match path {
                    None => Ok(value.clone()),
                    Some(path) => found(path.find(value), || format!("variable `{name}`"), value).map_err(fail),
                }
            }
            Target::Step { step, part } => {
                let (label, response) = self.step(step).map_err(fail)?;
                resolve_part(part, &label, response).map_err(fail)
            }
        }
    }

    fn step(&self, step: &StepRef) -> Result<(String, &Response), String> {
        let index = match step {
            StepRef::Position(n) => n.checked_sub(1),
            StepRef::Name(name) => self.names.iter().position(|n| n.as_deref() == Some(name.as_str())),
        };
        let label = |index: usize| match &self.names[index] {
            Some(name) => format!("step {} '{name}'", index + 1),
            None => format!("step {}", index + 1),
        };
        match index {
            Some(index) if index < self.responses.len() && self.responses[index].is_some() => {
                Ok((label(index), self.responses[index].as_ref().expect("checked above")))
            }
            Some(index) if index < self.names.len() => Err(format!("{} has not run before this step", label(index))),
            _ => Err(format!("there is no step `{step}`")),
        }
    }

    /// Renders a template as text.
    pub fn render<'t>(&mut self, template: &'t Template) -> Result<Cow<'t, str>, ResolveError> {
        if let Some(literal) = template.as_literal() {
            return Ok(Cow::Borrowed(literal));
        }
        let mut out = String::new();
        for piece in &template.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Ref(reference) => push_text(&mut out, &self.resolve(reference)?),
            }
        }
        Ok(Cow::Owned(out))
    }

    /// Renders a JSON body: whole-value references keep their JSON type.
    pub fn render_json(&mut self, template: &JsonTemplate) -> Result<Value, ResolveError> {
        Ok(match template {
            JsonTemplate::Literal(value) => value.clone(),
            JsonTemplate::Whole(reference) => self.resolve(reference)?,
            JsonTemplate::Text(text) => Value::String(self.render(text)?.into_owned()),
            JsonTemplate::Array(items) => {
                Value::Array(items.iter().map(|item| self.render_json(item)).collect::<Result<_, _>>()?)
            }
            JsonTemplate::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, item)| Ok((key.clone(), self.render_json(item)?)))
                    .collect::<Result<_, ResolveError>>()?,
            ),
        })
    }
}

/// A value as it reads inside text: strings as they are, anything else as JSON.
pub fn push_text(out: &mut String, value: &Value) {
    match value {
        Value::String(text) => out.push_str(text),
        other => out.push_str(&other.to_string()),
    }
}

pub fn resolve_part(part: &Part, label: &str, response: &Response) -> Result<Value, String> {
    match part.extract(response) {
        Extracted::Value(value) => Ok(value),
        Extracted::Header { value: Some(value), .. } => Ok(Value::String(value)),
        Extracted::Header { value: None, .. } => {
            let names: Vec<&str> = response.headers.keys().map(|k| k.as_str()).collect();
            let name = match part {
                Part::Header(name) => name.as_str(),
                _ => "",
            };
            Err(format!("{label} has no header `{name}` (it has: {})", names.join(", ")))
        }
        Extracted::Missing(missing) => Err(format!("{label}: {missing}")),
        Extracted::Nodes(nodes) => {
            crate::xpath::nodes_value(nodes).ok_or_else(|| format!("{label}: the XPath matched no node"))
        }
        Extracted::NotJson => {
            Err(format!("{label} body is not JSON, so it has no fields; it was: {}", excerpt(&response.text(), 200)))
        }
        Extracted::Path { found: nodes, document } => found(nodes, || format!("{label} body"), document),
        Extracted::NoCertificate => Err(format!("{label} has no certificate (not a TLS connection)")),
    }
}

fn found(found: Found<'_>, what: impl Fn() -> String, document: &Value) -> Result<Value, String> {
    match found {
        Found::Missing { at } => {
            let (place, there) = if at.is_empty() {
                (what(), document.clone())
            } else {
                let parent = crate::path::PropertyPath::parse(&at).ok().and_then(|p| p.find(document).to_value());
                (format!("{} `{at}`", what()), parent.unwrap_or(Value::Null))
            };
            Err(format!("{place} has no such field; it was: {}", excerpt(&there.to_string(), 200)))
        }
        Found::Many(nodes) if nodes.is_empty() => {
            Err(format!("{} has no match; it was: {}", what(), excerpt(&document.to_string(), 200)))
        }
        other => Ok(other.to_value().unwrap_or(Value::Null)),
    }
}
