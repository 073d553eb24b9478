//! Assertions: compiled once from the model, evaluated against each response.

mod ops;

pub use crate::predicate::TYPE_NAMES;
pub use ops::{equal, type_name};

use std::pin::Pin;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cookie::CookieQuery;
use crate::extract::{CertificateField, Extracted, Part};
use crate::filter::Filters;
use crate::model::{Assertion, AssertionSource, Severity};
use crate::path::{Found, PropertyPath};
use crate::predicate::{Expected, Op, OpName, Predicate};
use crate::response::{GrpcStatus, Response, snippet as excerpt};
use crate::xpath::{XPathQuery, nodes_value};

/// An assertion ready to evaluate: its path parsed and its pattern compiled.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: Option<String>,
    pub source: AssertionSource,
    pub property: Option<String>,
    pub predicate: Predicate,
    pub expected: Option<Value>,
    pub plugin: Option<String>,
    pub severity: Severity,
    part: Part,
    regex: Option<Regex>,
    filters: Filters,
}

/// A problem with an assertion as written; `field` is `property`, `value`, `op`, `not` or `plugin`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckError {
    pub field: &'static str,
    pub message: String,
}

/// The outcome of one assertion, as reports show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AssertionResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub source: AssertionSource,
    pub property: Option<String>,
    pub op: OpName,
    /// The operator is negated (only where `op` has no negated name of its own, as in the file).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    pub expected: Option<Value>,
    pub actual: Option<Value>,
    pub passed: bool,
    /// For a failure, what went wrong in words: `expected 2, got 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `warn` when failing it only degrades the step.
    #[serde(default, skip_serializing_if = "Severity::is_fail")]
    pub severity: Severity,
}

impl AssertionResult {
    /// Failed, and it fails the step (not a `warn`).
    pub fn fails_step(&self) -> bool {
        !self.passed && self.severity.is_fail()
    }

    /// `body items[0].qty` — what the assertion looked at.
    pub fn subject(&self) -> String {
        match (&self.name, &self.property) {
            (Some(name), _) => name.clone(),
            (None, Some(property)) => format!("{} {property}", self.source.as_str()),
            (None, None) => self.source.as_str().to_string(),
        }
    }
}

/// Where a `plugin` assertion is handed over. The Wasm plugin host implements this; until
/// one is configured, [`NoPlugins`] reports that the named plugin is not loaded.
pub trait AssertionPlugins: Send + Sync {
    /// Whether the plugin passed the response, with the actual value it saw.
    fn evaluate<'a>(&'a self, plugin: &'a str, config: Option<&'a Value>, response: &'a Response) -> PluginFuture<'a>;
}

/// What [`AssertionPlugins::evaluate`] returns: plugins run in the async Wasm host.
pub type PluginFuture<'a> = Pin<Box<dyn Future<Output = Result<PluginVerdict, String>> + Send + 'a>>;

#[derive(Debug, Clone)]
pub struct PluginVerdict {
    pub passed: bool,
    pub actual: Option<Value>,
    pub message: Option<String>,
}

pub struct NoPlugins;

impl AssertionPlugins for NoPlugins {
    fn evaluate<'a>(&'a self, plugin: &'a str, _: Option<&'a Value>, _: &'a Response) -> PluginFuture<'a> {
        Box::pin(std::future::ready(Err(format!("no assertion plugin named `{plugin}` is loaded"))))
    }
}

impl Check {
    pub fn compile(assertion: &Assertion) -> Result<Check, CheckError> {
        let err = |field, message: String| CheckError { field, message };
        if assertion.not && assertion.op.is_negated() {
            let plain = assertion.op.op().as_str();
            return Err(err(
                "not",
                format!("`not: true` with `{}` negates it twice; write `op: {plain}`", assertion.op.as_str()),
            ));
        }
        let predicate = assertion.predicate();
        let property = assertion.property.as_deref().map(str::trim);
        let part = part_of(assertion.source, property)?;
        let filters = Filters::compile(&assertion.filters)
            .map_err(|(index, message)| err("filters", format!("filter {}: {message}", index + 1)))?;
        let expected = match part {
            Part::GrpcStatus { message: false } => assertion.value.clone().map(grpc_codes).transpose()?,
            _ => assertion.value.clone(),
        };
        let regex = check_value(predicate, assertion.op.as_str(), expected.as_ref(), assertion.plugin.is_some())?;
        Ok(Check {
            name: assertion.name.clone(),
            source: assertion.source,
            property: property.map(str::to_string),
            predicate,
            expected,
            plugin: assertion.plugin.clone(),
            severity: assertion.severity,
            part,
            regex,
            filters,
        })
    }

    /// Whether this is a `plugin` assertion (the Wasm host must be loaded to judge it).
    pub fn uses_plugin(&self) -> bool {
        self.predicate.op == Op::Plugin
    }

    /// Judges `response`; a `plugin` assertion is handed to `plugins`.
    pub async fn evaluate(&self, response: &Response, plugins: &dyn AssertionPlugins) -> AssertionResult {
        if self.predicate.op != Op::Plugin {
            return self.evaluate_builtin(response);
        }
        let plugin = self.plugin.as_deref().unwrap_or_default();
        let (passed, actual, message) = match plugins.evaluate(plugin, self.expected.as_ref(), response).await {
            Ok(verdict) => (verdict.passed, verdict.actual, verdict.message),
            Err(error) => (false, None, Some(format!("plugin `{plugin}` failed: {error}"))),
        };
        let message = if passed { None } else { message.or(Some(format!("plugin `{plugin}` did not pass"))) };
        self.result(actual, passed, message)
    }

    /// Judges `response` by one of the built-in operators (`plugin` assertions go through [`Check::evaluate`]).
    fn evaluate_builtin(&self, response: &Response) -> AssertionResult {
        if let Part::Header(name) = &self.part
            && !matches!(self.predicate.op, Op::Count | Op::Exists)
            && self.filters.is_empty()
        {
            let values: Vec<Value> =
                response.header_values(name).map(|value| Value::String(value.into_owned())).collect();
            if values.len() > 1 {
                return self.evaluate_each(values);
            }
        }
        let subject = self.actual(response);
        let operands = ops::Operands {
            actual: subject.value.as_ref(),
            count: subject.count,
            expected: self.expected.as_ref().unwrap_or(&Value::Null),
            regex: self.regex.as_ref(),
            loose: matches!(self.source, AssertionSource::Status | AssertionSource::Header),
        };
        let verdict = ops::evaluate(self.predicate, &operands);
        let counting = self.predicate.op == Op::Count;
        let message = (!verdict.passed).then(|| {
            let got = match (&subject.value, &subject.missing) {
                (None, _) if counting => "0".to_string(),
                (Some(value), _) if counting => format!("{} ({})", subject.count, show(value)),
                (_, Some(missing)) => missing.clone(),
                (Some(value), None) => show(value),
                (None, None) => "nothing".to_string(),
            };
            let mut message = format!("expected {}, got {got}", self.expectation());
            if let Some(reason) = verdict.type_mismatch {
                message.push_str(&format!(" ({reason})"));
            }
            message
        });
        self.result(subject.value, verdict.passed, message)
    }

    /// A header sent several times (`Set-Cookie`): the check is made on each value; it passes
    /// when one value passes it, and a negated check when every value passes it (no value
    /// `eq` a `not: true, op: eq` value).
    fn evaluate_each(&self, values: Vec<Value>) -> AssertionResult {
        let passes = |value: &Value| {
            let operands = ops::Operands {
                actual: Some(value),
                count: 1,
                expected: self.expected.as_ref().unwrap_or(&Value::Null),
                regex: self.regex.as_ref(),
                loose: true,
            };
            ops::evaluate(self.predicate, &operands).passed
        };
        let passed = if self.predicate.not { values.iter().all(passes) } else { values.iter().any(passes) };
        let message = (!passed).then(|| {
            let got = values.iter().map(show).collect::<Vec<_>>().join(", ");
            format!("expected {} in one of the header's values, got {got}", self.expectation())
        });
        self.result(Some(Value::Array(values)), passed, message)
    }

    fn result(&self, actual: Option<Value>, passed: bool, message: Option<String>) -> AssertionResult {
        let (op, not) = self.predicate.spelled();
        AssertionResult {
            name: self.name.clone(),
            source: self.source,
            property: self.property.clone(),
            op,
            not,
            expected: self.expected.clone(),
            actual,
            passed,
            message,
            severity: self.severity,
        }
    }

    /// The expectation in words: `2`, `< 800`, `to match /^a/`, `not < 5`.
    fn expectation(&self) -> String {
        let value = self.expected.as_ref().map(show).unwrap_or_default();
        let text = || self.expected.as_ref().and_then(Value::as_str).unwrap_or_default();
        let Predicate { not, op } = self.predicate;
        let positive = match (op, not) {
            (Op::Eq, true) => return format!("not {value}"),
            (Op::In, true) => return format!("none of {value}"),
            (Op::Contains, true) => return format!("not to contain {value}"),
            (Op::Exists, true) => return "not to exist".into(),
            (Op::Eq, _) => value,
            (Op::Lt, _) => format!("< {value}"),
            (Op::Lte, _) => format!("<= {value}"),
            (Op::Gt, _) => format!("> {value}"),
            (Op::Gte, _) => format!(">= {value}"),
            (Op::In, _) => format!("one of {value}"),
            (Op::Contains, _) => format!("to contain {value}"),
            (Op::Matches, _) => format!("to match /{}/", text()),
            (Op::Exists, _) => "to exist".into(),
            (Op::Type, _) => format!("type {}", text()),
            (Op::Length, _) => format!("length {value}"),
            (Op::Count, _) => format!("{value} matches"),
            (Op::Plugin, _) => "plugin to pass".into(),
        };
        if not { format!("not {positive}") } else { positive }
    }

    fn actual(&self, response: &Response) -> Subject {
        let mut subject = self.extracted(response);
        if let (Part::Header(name), false, Some(_)) = (&self.part, self.filters.is_empty(), &subject.value) {
            subject.value = response.header_for_filters(name);
        }
        match (subject.value, self.filters.is_empty()) {
            (Some(value), false) => match self.filters.apply(value) {
                Ok(value) => Subject::one(value),
                Err(why) => Subject::missing(why),
            },
            (value, _) => Subject { value, ..subject },
        }
    }

    fn extracted(&self, response: &Response) -> Subject {
        match self.part.extract(response) {
            Extracted::Value(value) => Subject::one(value),
            Extracted::Header { value: Some(value), count } => {
                Subject { value: Some(Value::String(value)), count, missing: None }
            }
            Extracted::Header { value: None, .. } => Subject::missing(format!(
                "no `{}` header",
                self.property.as_deref().unwrap_or_default().to_ascii_lowercase()
            )),
            Extracted::NotJson => {
                Subject::missing(format!("a body that is not JSON: {}", excerpt(&response.text(), 120)))
            }
            Extracted::Path { found: Found::Missing { at }, .. } if at.is_empty() => {
                Subject::missing("nothing (no such field)".into())
            }
            Extracted::Path { found: Found::Missing { at }, .. } => {
                Subject::missing(format!("nothing (`{at}` has no such field)"))
            }
            Extracted::Path { found, .. } => Subject { count: found.count(), value: found.to_value(), missing: None },
            Extracted::NoCertificate => Subject::missing("no certificate (not a TLS connection)".into()),
            Extracted::Missing(missing) => Subject::missing(missing),
            Extracted::Nodes(nodes) => {
                let count = nodes.len();
                match nodes_value(nodes) {
                    Some(value) => Subject { value: Some(value), count, missing: None },
                    None => Subject::missing("no node (the XPath matched none)".into()),
                }
            }
        }
    }
}

/// What of the response `source` and `property` read: for assertions and captures alike.
/// A `grpc_status` value with codes written by name (`NOT_FOUND`, or a list of them) as
/// their numbers.
fn grpc_codes(value: Value) -> Result<Value, CheckError> {
    let code = |value: Value| match value {
        Value::String(name) => GrpcStatus::code_of(&name).map(Value::from).ok_or_else(|| CheckError {
            field: "value",
            message: format!("`{name}` is not a gRPC status code; they are {}", GrpcStatus::NAMES.join(", ")),
        }),
        other => Ok(other),
    };
    match value {
        Value::Array(items) => items.into_iter().map(code).collect::<Result<Vec<_>, _>>().map(Value::Array),
        other => code(other),
    }
}

pub fn part_of(source: AssertionSource, property: Option<&str>) -> Result<Part, CheckError> {
    let err = |field, message: String| CheckError { field, message };
    let part = match (source, property) {
        (AssertionSource::Script, _) => {
            return Err(err(
                "source",
                "`script` is how reports show a script's tests: write the test in the step's `script.after`".into(),
            ));
        }
        (AssertionSource::Status | AssertionSource::Latency | AssertionSource::Size, Some(_)) => {
            return Err(err("property", format!("`{}` takes no property", source.as_str())));
        }
        (AssertionSource::Header, None) => {
            return Err(err("property", "`header` needs the header name in `property`".into()));
        }
        (AssertionSource::Capture, None) => {
            return Err(err("property", "`capture` needs the capture's name in `property`".into()));
        }
        (AssertionSource::Capture, Some(name)) => Part::Capture(name.to_string()),
        (AssertionSource::Cookie, None) => {
            return Err(err(
                "property",
                "`cookie` needs the cookie's name in `property` (or `NAME[Attribute]`)".into(),
            ));
        }
        (AssertionSource::Cookie, Some(query)) => {
            Part::Cookie(CookieQuery::parse(query).map_err(|message| err("property", message))?)
        }
        (AssertionSource::Certificate, None) => {
            return Err(err(
                "property",
                format!("`certificate` needs a property: {}", CertificateField::NAMES.join(", ")),
            ));
        }
        (AssertionSource::GrpcStatus, None) => Part::GrpcStatus { message: false },
        (AssertionSource::GrpcStatus, Some("message")) => Part::GrpcStatus { message: true },
        (AssertionSource::GrpcStatus, Some(other)) => {
            return Err(err(
                "property",
                format!("`grpc_status` reads its code, or its `message`; `{other}` is neither"),
            ));
        }
        (AssertionSource::Status, None) => Part::Status,
        (AssertionSource::Latency, None) => Part::Latency,
        (AssertionSource::Size, None) => Part::Size,
        (AssertionSource::Body, None) => Part::Text,
        (AssertionSource::Header, Some(name)) => Part::Header(name.to_ascii_lowercase()),
        (AssertionSource::Body, Some(path)) if XPathQuery::looks_like(path) => {
            Part::XPath(XPathQuery::parse(path).map_err(|message| err("property", message))?)
        }
        (AssertionSource::Body, Some(path)) => {
            Part::Body(Some(PropertyPath::parse(path).map_err(|e| err("property", e.to_string()))?))
        }
        (AssertionSource::Certificate, Some(field)) => match CertificateField::parse(field) {
            Some(field) => Part::Certificate(field),
            None => {
                let hint = crate::document::suggest(field, CertificateField::NAMES.into_iter())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(err(
                    "property",
                    format!(
                        "unknown certificate property `{field}`; expected one of {}{hint}",
                        CertificateField::NAMES.join(", ")
                    ),
                ));
            }
        },
    };
    Ok(part)
}

/// The value an assertion looked at, how many nodes matched, and why nothing was found.
struct Subject {
    value: Option<Value>,
    count: usize,
    missing: Option<String>,
}

impl Subject {
    fn one(value: Value) -> Subject {
        Subject { value: Some(value), count: 1, missing: None }
    }

    fn missing(why: String) -> Subject {
        Subject { value: None, count: 0, missing: Some(why) }
    }
}

fn show(value: &Value) -> String {
    excerpt(&value.to_string(), 200)
}

/// Checks that `value` suits the operator, compiling the pattern of `matches`.
fn check_value(
    predicate: Predicate,
    name: &str,
    value: Option<&Value>,
    has_plugin: bool,
) -> Result<Option<Regex>, CheckError> {
    let err = |message: String| CheckError { field: "value", message };
    let op = predicate.op;
    if has_plugin && op != Op::Plugin {
        return Err(CheckError { field: "plugin", message: "`plugin` is only used with `op: plugin`".into() });
    }
    if op == Op::Plugin && !has_plugin {
        return Err(CheckError { field: "plugin", message: "`op: plugin` needs `plugin: NAME`".into() });
    }
    if op == Op::Plugin && predicate.not {
        return Err(CheckError { field: "not", message: "a plugin assertion cannot be negated".into() });
    }
    let expects = op.expects();
    let value = match (expects, value) {
        (Expected::Nothing, Some(_)) => return Err(err(format!("`{name}` takes no value"))),
        (Expected::Nothing, None) | (Expected::PluginConfig, _) => return Ok(None),
        (_, None) => return Err(err(format!("`{name}` needs a value"))),
        (_, Some(value)) => value,
    };
    match expects {
        Expected::Number if !value.is_number() => {
            Err(err(format!("`{name}` compares numbers; got {}", type_name(value))))
        }
        Expected::List if !value.is_array() => Err(err(format!("`{name}` needs a list, like [200, 201]"))),
        Expected::WholeNumber if value.as_u64().is_none() => Err(err(format!("`{name}` needs a whole number"))),
        Expected::TypeName if !value.as_str().is_some_and(|t| TYPE_NAMES.contains(&t)) => {
            Err(err(format!("`type` needs one of {}", TYPE_NAMES.join(", "))))
        }
        Expected::Pattern => {
            let pattern = value.as_str().ok_or_else(|| err(format!("`{name}` needs a pattern string")))?;
            Regex::new(pattern).map(Some).map_err(|e| {
                let reason = e.to_string();
                let reason = reason.lines().last().unwrap_or_default().trim_start_matches("error: ").to_string();
                err(format!("invalid regular expression `{pattern}`: {reason}"))
            })
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests;
