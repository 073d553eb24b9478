//! Postman test scripts into assertions: the patterns people actually write (`pm.test`,
//! `pm.response.to.have.status`, `pm.expect(json.a.b).to.eql(...)`, the legacy
//! `tests["..."] = responseCode.code === 200`), and variables set from the response, which
//! become references to the step. What is not understood is returned with the reason.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::js::{call_arguments, literal, member_path, statements, string, strip_comments};

/// What a request's test script became.
#[derive(Debug, Default)]
pub struct Translated {
    /// Assertions in the file format, in script order.
    pub assertions: Vec<Value>,
    /// Variables the script sets from this response: name → reference inside the step
    /// (`body.token`, `headers.location`).
    pub captures: Vec<(String, String)>,
    /// Statements not translated, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Where the script's variables bound to the response's JSON point (`json` → `""`,
/// `data` → `"data"`).
type Bindings = HashMap<String, String>;

pub fn translate(script: &str) -> Translated {
    let mut out = Translated::default();
    let mut bindings = Bindings::new();
    for statement in statements(&strip_comments(script)) {
        top_level(&statement, &mut bindings, &mut out);
    }
    out
}

fn top_level(statement: &str, bindings: &mut Bindings, out: &mut Translated) {
    if let Some(rest) = statement.strip_prefix("pm.test(") {
        return test_block(statement, rest, bindings, out);
    }
    if let Some(rest) = statement.strip_prefix("tests[") {
        return legacy_test(statement, rest, bindings, out);
    }
    if bind(statement, bindings) || capture(statement, bindings, out) {
        return;
    }
    // A bare expectation outside `pm.test` still fails the run in Postman: keep it unnamed.
    match expectation(statement, bindings) {
        Ok(assertions) => out.assertions.extend(assertions),
        Err(reason) => out.skipped.push((statement.to_string(), reason)),
    }
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
    for inner in statements(body) {
        if bind(&inner, bindings) || capture(&inner, bindings, out) {
            continue;
        }
        match expectation(&inner, bindings) {
            Ok(assertions) => {
                out.assertions.extend(assertions.into_iter().map(|a| named(&name, a)));
            }
            Err(reason) => out.skipped.push((format!("{name}: {inner}"), reason)),
        }
    }
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

/// `tests["name"] = CONDITION`.
fn legacy_test(statement: &str, rest: &str, bindings: &Bindings, out: &mut Translated) {
    let Some(close) = rest.find(']') else {
        return out.skipped.push((statement.to_string(), "an unfinished `tests[`".into()));
    };
    let (Some(name), Some(condition)) = (string(&rest[..close]), rest[close + 1..].trim().strip_prefix('=')) else {
        return out.skipped.push((statement.to_string(), "not `tests[\"name\"] = condition`".into()));
    };
    match comparison(condition.trim(), bindings) {
        Ok(assertion) => out.assertions.push(named(&name, assertion)),
        Err(reason) => out.skipped.push((statement.to_string(), reason)),
    }
}

/// `var json = pm.response.json()` (or `JSON.parse(responseBody)`, with a path after it).
fn bind(statement: &str, bindings: &mut Bindings) -> bool {
    let Some(declaration) = ["var ", "let ", "const "].iter().find_map(|k| statement.strip_prefix(k)) else {
        return false;
    };
    let Some((name, value)) = declaration.split_once('=') else { return false };
    let Some(path) = json_subject(value.trim(), bindings) else { return false };
    bindings.insert(name.trim().to_string(), path);
    true
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
    let base = bindings.get(&head)?;
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

/// `pm.environment.set("token", json.token)` and its siblings.
fn capture(statement: &str, bindings: &Bindings, out: &mut Translated) -> bool {
    const SETTERS: [&str; 6] = [
        "pm.environment.set(",
        "pm.collectionVariables.set(",
        "pm.globals.set(",
        "pm.variables.set(",
        "postman.setEnvironmentVariable(",
        "postman.setGlobalVariable(",
    ];
    let Some(rest) = SETTERS.iter().find_map(|s| statement.strip_prefix(s)) else { return false };
    let Some((args, _)) = call_arguments(rest) else { return false };
    let (Some(name), Some(value)) = (args.first().and_then(|a| string(a)), args.get(1)) else { return false };
    let reference = if let Some(path) = json_subject(value, bindings) {
        Some(format!("body.{path}").trim_end_matches('.').to_string())
    } else {
        header_subject(value).map(|header| format!("headers.{header}"))
    };
    match reference {
        Some(reference) if !reference.contains('$') => out.captures.push((name, reference)),
        _ => out.skipped.push((statement.to_string(), "the value set is not a plain path into the response".into())),
    }
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
}

impl Subject {
    fn read(expression: &str, bindings: &Bindings) -> Option<Subject> {
        let expression = expression.trim();
        Some(match expression {
            "pm.response.code" | "responseCode.code" | "pm.response.status" => Subject::Status,
            "pm.response.responseTime" | "responseTime" => Subject::Latency,
            "pm.response.text()" | "responseBody" => Subject::Text,
            _ => match header_subject(expression) {
                Some(header) => Subject::Header(header),
                None => Subject::Body(json_subject(expression, bindings)?),
            },
        })
    }

    fn assertion(&self, op: &str, value: Option<Value>) -> Value {
        let mut assertion = match self {
            Subject::Status => json!({"source": "status"}),
            Subject::Latency => json!({"source": "latency"}),
            Subject::Text => json!({"source": "body"}),
            Subject::Header(name) => json!({"source": "header", "property": name}),
            Subject::Body(path) if path.is_empty() => json!({"source": "body", "property": "$"}),
            Subject::Body(path) => json!({"source": "body", "property": path}),
        };
        assertion["op"] = json!(op);
        if let Some(value) = value {
            assertion["value"] = value;
        }
        assertion
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

/// `pm.response.to.have.status(200)`, `.to.be.ok`, `.to.have.header("H"[, "V"])`.
fn response_assertion(rest: &str) -> Result<Vec<Value>, String> {
    let rest = rest.trim();
    let call = |prefix: &str| rest.strip_prefix(prefix).and_then(call_arguments).map(|(args, _)| args);
    if let Some(args) = call("have.status(") {
        let code = args.first().and_then(|a| literal(a)).ok_or("`have.status` with a value that is not a literal")?;
        if code.is_string() {
            return Err("status by reason phrase (`have.status(\"OK\")`) is not translated".into());
        }
        return Ok(vec![Subject::Status.assertion("eq", Some(code))]);
    }
    if let Some(args) = call("have.header(") {
        let name = args.first().and_then(|a| string(a)).ok_or("`have.header` without a header name")?;
        let subject = Subject::Header(name);
        return Ok(vec![match args.get(1).and_then(|a| literal(a)) {
            Some(value) => subject.assertion("eq", Some(value)),
            None => subject.assertion("exists", None),
        }]);
    }
    match rest {
        "be.ok" => Ok(vec![Subject::Status.assertion("eq", Some(json!(200)))]),
        "be.success" => Ok(vec![
            Subject::Status.assertion("gte", Some(json!(200))),
            Subject::Status.assertion("lt", Some(json!(300))),
        ]),
        "be.json" | "be.withBody" | "have.body" => Err(format!("`pm.response.to.{rest}` is not translated")),
        _ => Err(format!("`pm.response.to.{rest}` is not a response check the importer knows")),
    }
}

/// A chai chain after `pm.expect(subject)`.
fn chai(subject: &Subject, chain: &str) -> Result<Vec<Value>, String> {
    let words: Vec<&str> = chain.split(['.', '(']).collect();
    let negated = words.contains(&"not");
    let call = chain.find('(').map(|open| (&chain[..open], &chain[open + 1..]));
    let argument = |index: usize| -> Result<Option<Value>, String> {
        let Some((_, rest)) = call else { return Ok(None) };
        let (args, tail) = call_arguments(rest).ok_or("an unfinished call")?;
        if !tail.trim().is_empty() {
            return Err(format!("`{tail}` after the check is not translated"));
        }
        match args.get(index) {
            None => Ok(None),
            Some(text) => literal(text).map(Some).ok_or_else(|| format!("`{text}` is not a literal value")),
        }
    };
    let method =
        call.map_or_else(|| words.last().copied().unwrap_or(""), |(head, _)| head.rsplit('.').next().unwrap_or(""));
    let (op, value) = match method {
        "eql" | "equal" | "equals" | "eq" => (if negated { "ne" } else { "eq" }, argument(0)?),
        "oneOf" => (if negated { "not_in" } else { "in" }, argument(0)?),
        "below" | "lessThan" | "lt" => ("lt", argument(0)?),
        "above" | "greaterThan" | "gt" => ("gt", argument(0)?),
        "least" | "gte" => ("gte", argument(0)?),
        "most" | "lte" => ("lte", argument(0)?),
        "include" | "includes" | "contain" | "contains" => {
            (if negated { "not_contains" } else { "contains" }, argument(0)?)
        }
        "exist" => (if negated { "not_exists" } else { "exists" }, None),
        "true" | "false" if !negated => ("eq", Some(json!(method == "true"))),
        "null" if !negated => ("eq", Some(Value::Null)),
        "a" | "an" if !negated => ("type", argument(0)?.map(|t| json!(t.as_str().unwrap_or("").to_lowercase()))),
        "lengthOf" | "length" if !negated => ("length", argument(0)?),
        "property" => return property(subject, negated, argument(0)?, argument(1)?),
        "match" => return Err("regular expressions in scripts are not translated (write a `matches` assertion)".into()),
        other => return Err(format!("the check `.{other}` is not translated")),
    };
    if op != "exists" && op != "not_exists" && value.is_none() {
        return Err(format!("`.{method}` without a value"));
    }
    Ok(vec![subject.assertion(op, value)])
}

/// `.to.have.property("p"[, value])` on a body subject.
fn property(subject: &Subject, negated: bool, name: Option<Value>, value: Option<Value>) -> Result<Vec<Value>, String> {
    let Subject::Body(base) = subject else {
        return Err("`.property` on something other than the JSON body is not translated".into());
    };
    let name = name.and_then(|n| n.as_str().map(str::to_string)).ok_or("`.property` without a name")?;
    let (_, path) =
        member_path(&format!("root[{}]", Value::String(name))).ok_or("a property name that cannot be a path")?;
    let inner = Subject::Body(join(base, &path));
    Ok(vec![match (negated, value) {
        (true, _) => inner.assertion("not_exists", None),
        (false, Some(value)) => inner.assertion("eq", Some(value)),
        (false, None) => inner.assertion("exists", None),
    }])
}

/// A legacy condition: `responseCode.code === 200`, `responseTime < 500`,
/// `responseBody.has("x")`, `json.a === 1`.
fn comparison(condition: &str, bindings: &Bindings) -> Result<Value, String> {
    let condition = condition.trim_end_matches(';').trim();
    if let Some(rest) = condition.strip_prefix("responseBody.has(") {
        let (args, _) = call_arguments(rest).ok_or("an unfinished `responseBody.has(`")?;
        let text = args.first().and_then(|a| literal(a)).ok_or("`responseBody.has` without a literal")?;
        return Ok(Subject::Text.assertion("contains", Some(text)));
    }
    for (symbol, op) in [
        ("===", "eq"),
        ("!==", "ne"),
        ("==", "eq"),
        ("!=", "ne"),
        ("<=", "lte"),
        (">=", "gte"),
        ("<", "lt"),
        (">", "gt"),
    ] {
        if let Some((left, right)) = condition.split_once(symbol) {
            let subject = Subject::read(left, bindings)
                .ok_or_else(|| format!("`{}` is not something in the response the importer can follow", left.trim()))?;
            let value = literal(right).ok_or_else(|| format!("`{}` is not a literal value", right.trim()))?;
            return Ok(subject.assertion(op, Some(value)));
        }
    }
    Err("not a comparison the importer knows".into())
}

#[cfg(test)]
mod tests;
