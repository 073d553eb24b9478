//! Postman test scripts into assertions: the patterns people actually write (`pm.test`,
//! `pm.response.to.have.status`, `pm.expect(json.a.b).to.eql(...)`, the legacy
//! `tests["..."] = responseCode.code === 200`), and variables set from the response, which
//! become references to the step. What is not understood is returned with the reason.

use std::collections::HashMap;

use serde_json::{Value, json};

use skopos_core::predicate::{Op, Predicate};

use super::js::{call_arguments, member_path, statements, string, strip_comments};
use super::variables::{Effect, changed_anywhere, statement_effect};

/// What a request's test script became.
#[derive(Debug, Default)]
pub struct Translated {
    /// Assertions in the file format, in script order.
    pub assertions: Vec<Value>,
    /// What the script does to variables, in order (set from this response, to a literal,
    /// or in a way not followed).
    pub effects: Vec<Effect>,
    /// Statements not translated, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Where the script's variables bound to the response's JSON point (`json` → `""`,
/// `data` → `"data"`).
type Bindings = HashMap<String, String>;

pub fn translate(script: &str) -> Translated {
    let mut out = Translated::default();
    let mut bindings = Bindings::new();
    let all = statements(&strip_comments(script));
    for (index, statement) in all.iter().enumerate() {
        if statement == "return" || statement.starts_with("return ") || statement.starts_with("return;") {
            // A top-level `return` ends the script: what follows never runs in Postman either.
            let rest = all[index + 1..].join("; ");
            if !rest.trim().is_empty() {
                out.skipped.push((rest, "it comes after a `return`, so Postman never runs it".into()));
            }
            break;
        }
        top_level(statement, &mut bindings, &mut out);
    }
    // Variables changed inside what was not translated (an `if`, a loop, a callback).
    let untranslated: Vec<&str> = out.skipped.iter().map(|(statement, _)| statement.as_str()).collect();
    let hidden = changed_anywhere(&untranslated.join("\n"));
    out.effects.extend(hidden);
    out
}

fn top_level(statement: &str, bindings: &mut Bindings, out: &mut Translated) {
    if let Some(rest) = statement.strip_prefix("pm.test(") {
        return test_block(statement, rest, bindings, out);
    }
    if let Some(rest) = statement.strip_prefix("tests[") {
        return legacy_test(statement, rest, bindings, out);
    }
    if has_no_effect(statement) || bind(statement, bindings) || capture(statement, bindings, out) {
        return;
    }
    // A bare expectation outside `pm.test` still fails the run in Postman: keep it unnamed.
    match expectation(statement, bindings) {
        Ok(assertions) => out.assertions.extend(assertions),
        Err(reason) => out.skipped.push((statement.to_string(), reason)),
    }
}

/// The names of the tests a piece of script defines (`pm.test("a", ...)`, `tests["b"] = ...`),
/// wherever they are in it.
pub fn test_names(script: &str) -> Vec<String> {
    let mut names = Vec::new();
    for opener in ["pm.test(", "tests["] {
        for (at, _) in script.match_indices(opener) {
            let rest = &script[at + opener.len()..];
            let name = match opener {
                "tests[" => rest.find(']').and_then(|end| string(&rest[..end])),
                _ => call_arguments(rest).and_then(|(args, _)| string(args.first()?)),
            };
            names.extend(name);
        }
    }
    names
}

/// `pm.test("name", function () { ... })` or with an arrow function.
fn test_block(statement: &str, rest: &str, bindings: &mut Bindings, out: &mut Translated) {
    let Some((args, _)) = call_arguments(rest) else {
        return out.skipped.push((statement.to_string(), "an unfinished `pm.test(`".into()));
    };
    let (Some(name), Some(function)) = (args.first().and_then(|a| string(a)), args.get(1)) else {
        return out.skipped.push((statement.to_string(), "`pm.test` without a name and a function".into()));
    };
    let Some(body) = function_body(function) else {
        return out.skipped.push((statement.to_string(), "the test's function could not be read".into()));
    };
    let (mut assertions, mut skipped) = (Vec::new(), Vec::new());
    for inner in statements(body) {
        if has_no_effect(&inner) || bind(&inner, bindings) || capture(&inner, bindings, out) {
            continue;
        }
        match expectation(&inner, bindings) {
            Ok(translated) => assertions.extend(translated.into_iter().map(|a| named(&name, a))),
            Err(reason) => skipped.push((format!("{name}: {inner}"), reason)),
        }
    }
    // A test passes only when all of it does: one part left out leaves out the whole test,
    // or its name would pass where Postman's fails.
    if skipped.is_empty() {
        out.assertions.extend(assertions);
    } else if !assertions.is_empty() {
        let whole = "; the test's other checks are left out with it (it passes only when all of it does)";
        out.skipped.extend(skipped.into_iter().map(|(statement, reason)| (statement, format!("{reason}{whole}"))));
    } else {
        out.skipped.extend(skipped);
    }
}

/// Statements that change nothing a test decides: logging.
fn has_no_effect(statement: &str) -> bool {
    ["console.log(", "console.info(", "console.warn(", "console.error("].iter().any(|p| statement.starts_with(p))
}

/// The assertion with its name first, as people write it.
fn named(name: &str, assertion: Value) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("name".into(), json!(name));
    out.extend(assertion.as_object().cloned().unwrap_or_default());
    Value::Object(out)
}

/// The statements inside `function () { ... }` or `() => { ... }` (or `() => expr`).
fn function_body(function: &str) -> Option<&str> {
    let function = function.trim();
    let after_params = if let Some(rest) = function.strip_prefix("function") {
        &rest[rest.find(')')? + 1..]
    } else {
        let arrow = function.find("=>")?;
        &function[arrow + 2..]
    };
    let body = after_params.trim();
    match body.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}'),
        None => Some(body),
    }
}

/// `var json = pm.response.json()` (or `JSON.parse(responseBody)`, with a path after it).
fn bind(statement: &str, bindings: &mut Bindings) -> bool {
    let Some(declaration) = ["var ", "let ", "const "].iter().find_map(|k| statement.strip_prefix(k)) else {
        return false;
    };
    let Some((name, value)) = declaration.split_once('=') else { return false };
    let (name, value) = (name.trim(), value.trim());
    if ["pm.response.text()", "responseBody"].contains(&value) && is_identifier(name) {
        bindings.insert(name.to_string(), TEXT.to_string());
        return true;
    }
    let Some(path) = json_subject(value, bindings) else { return false };
    // `const {a, b} = json`: each name bound to its key.
    if let Some(names) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
        let names: Vec<&str> = names.split(',').map(str::trim).collect();
        if !names.iter().all(|n| is_identifier(n)) {
            return false;
        }
        for key in names {
            bindings.insert(key.to_string(), join(&path, key));
        }
        return true;
    }
    bindings.insert(name.to_string(), path);
    true
}

/// What a name bound to the response's text is bound to.
const TEXT: &str = "\0text";

fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The body path an expression stands for: `pm.response.json().a`, `JSON.parse(responseBody)`,
/// or a bound variable with a path.
fn json_subject(expression: &str, bindings: &Bindings) -> Option<String> {
    for root in ["pm.response.json()", "JSON.parse(responseBody)", "responseJSON"] {
        if let Some(rest) = expression.strip_prefix(root) {
            let (_, path) = member_path(&format!("root{rest}"))?;
            return Some(path);
        }
    }
    let (head, path) = member_path(expression)?;
    let base = bindings.get(&head).filter(|base| *base != TEXT)?;
    Some(join(base, &path))
}

fn join(base: &str, path: &str) -> String {
    match (base.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => base.to_string(),
        _ if path.starts_with('$') => {
            format!("{}{}", if base.starts_with('$') { base.to_string() } else { format!("$.{base}") }, &path[1..])
        }
        _ if path.starts_with('[') => format!("{base}{path}"),
        _ => format!("{base}.{path}"),
    }
}

/// `pm.environment.set("token", json.token)` and its siblings, `unset` and `clear`.
fn capture(statement: &str, bindings: &Bindings, out: &mut Translated) -> bool {
    let follow = |value: &str| {
        let reference = match json_subject(value, bindings) {
            Some(path) => format!("body.{path}").trim_end_matches('.').to_string(),
            None => format!("headers.{}", header_subject(value)?),
        };
        (!reference.contains('$')).then_some(reference)
    };
    let Some(effect) = statement_effect(statement, follow) else { return false };
    if matches!(effect, Effect::Unknown(_) | Effect::ClearAll) {
        let reason = "the value set is not a literal or a plain path into the response: the checks of later \
                      requests that use the variable are left out";
        out.skipped.push((statement.to_string(), reason.into()));
    }
    out.effects.push(effect);
    true
}

fn header_subject(expression: &str) -> Option<String> {
    let rest = expression
        .strip_prefix("pm.response.headers.get(")
        .or_else(|| expression.strip_prefix("postman.getResponseHeader("))?;
    let (args, tail) = call_arguments(rest)?;
    (tail.trim().is_empty() && args.len() == 1).then(|| string(&args[0])).flatten()
}

/// What a `pm.expect(...)` subject, or a `pm.response` property, stands for.
enum Subject {
    Status,
    Latency,
    Text,
    Header(String),
    Body(String),
    /// `x.length` of a body value: a string's or a list's length.
    Length(String),
}

impl Subject {
    fn read(expression: &str, bindings: &Bindings) -> Option<Subject> {
        let expression = expression.trim();
        Some(match expression {
            "pm.response.code" | "responseCode.code" => Subject::Status,
            "pm.response.responseTime" | "responseTime" => Subject::Latency,
            "pm.response.text()" | "responseBody" => Subject::Text,
            name if bindings.get(name).is_some_and(|bound| bound == TEXT) => Subject::Text,
            _ => match header_subject(expression) {
                Some(header) => Subject::Header(header),
                None => {
                    let path = json_subject(expression, bindings)?;
                    match path.strip_suffix("length").filter(|p| p.is_empty() || p.ends_with('.')) {
                        Some(parent) => Subject::Length(parent.trim_end_matches('.').to_string()),
                        None => Subject::Body(path),
                    }
                }
            },
        })
    }

    fn assertion(&self, predicate: Predicate, value: Option<Value>) -> Value {
        let mut assertion = match self {
            Subject::Status => json!({"source": "status"}),
            Subject::Latency => json!({"source": "latency"}),
            Subject::Text => json!({"source": "body"}),
            Subject::Header(name) => json!({"source": "header", "property": name}),
            Subject::Body(path) | Subject::Length(path) if path.is_empty() => {
                json!({"source": "body", "property": "$"})
            }
            Subject::Body(path) | Subject::Length(path) => json!({"source": "body", "property": path}),
        };
        predicate.write_into(&mut assertion, value);
        assertion
    }

    /// `subject OP value` as assertions. `x.length === n` is a `length` check on `x` that is
    /// not an object (an object's `.length` is a property of it, not its size in JavaScript);
    /// other comparisons of a length have no Skopos check.
    fn checks(&self, predicate: Predicate, value: Value) -> Result<Vec<Value>, String> {
        let Subject::Length(_) = self else { return Ok(vec![self.assertion(predicate, Some(value))]) };
        if predicate.op != Op::Eq || predicate.not || !value.is_u64() {
            return Err("a `.length` compared other than for equality with a whole number is not translated".into());
        }
        let length = Predicate { not: predicate.not, op: Op::Length };
        Ok(vec![
            self.assertion(Predicate::new(Op::Type).negate(), Some(json!("object"))),
            self.assertion(length, Some(value)),
        ])
    }
}

/// One expectation statement as one or more assertions.
fn expectation(statement: &str, bindings: &Bindings) -> Result<Vec<Value>, String> {
    if let Some(rest) = statement.strip_prefix("pm.response.to.") {
        return response_assertion(rest);
    }
    let Some(rest) = statement.strip_prefix("pm.expect(") else {
        return Err("not an expectation the importer knows".into());
    };
    let (args, chain) = call_arguments(rest).ok_or("an unfinished `pm.expect(`")?;
    let subject_text = args.first().ok_or("`pm.expect()` without a subject")?;
    let subject = Subject::read(subject_text, bindings)
        .ok_or_else(|| format!("`{subject_text}` is not something in the response the importer can follow"))?;
    chai(&subject, chain.trim())
}

mod chai;
mod legacy;
mod response;
#[cfg(test)]
mod tests;

use chai::chai;
use legacy::legacy_test;
use response::response_assertion;
