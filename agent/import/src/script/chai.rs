//! A chai chain after `pm.expect(subject)`, kept to chai's meaning.

use serde_json::{Value, json};

use skopos_core::predicate::{Op, Predicate};

use super::{Subject, join};
use crate::js::{call_arguments, literal, member_path};
use crate::js_regex;

/// A chai chain after `pm.expect(subject)`. `.not` anywhere in the chain before the call
/// negates the check, as chai's `not` flag does; the translation keeps chai's meaning exactly
/// (a check chai makes on a missing or mistyped value fails both ways, as a negated Skopos
/// operator does), or the statement is left out with the reason.
pub(super) fn chai(subject: &Subject, chain: &str) -> Result<Vec<Value>, String> {
    let call = chain.find('(').map(|open| (&chain[..open], &chain[open + 1..]));
    let head = call.map_or(chain, |(head, _)| head);
    let words: Vec<&str> = head.split('.').collect();
    let negated = words.contains(&"not");
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
    let method = words.last().copied().unwrap_or("");
    if matches!(subject, Subject::Length(_)) && !matches!(method, "eql" | "equal" | "equals" | "eq") {
        return Err(format!("`.length` checked with `.{method}` is not translated"));
    }
    let (op, value) = match method {
        "eql" | "equal" | "equals" | "eq" => (Op::Eq, argument(0)?),
        "oneOf" => (Op::In, argument(0)?),
        "below" | "lessThan" | "lt" => (Op::Lt, argument(0)?),
        "above" | "greaterThan" | "gt" => (Op::Gt, argument(0)?),
        "least" | "gte" => (Op::Gte, argument(0)?),
        "most" | "lte" => (Op::Lte, argument(0)?),
        "include" | "includes" | "contain" | "contains" => (Op::Contains, argument(0)?),
        "exist" => return exist(subject, negated),
        "true" | "false" => (Op::Eq, Some(json!(method == "true"))),
        "null" => (Op::Eq, Some(Value::Null)),
        "a" | "an" => (Op::Type, argument(0)?.map(|t| json!(t.as_str().unwrap_or("").to_lowercase()))),
        "lengthOf" | "length" => (Op::Length, argument(0)?),
        "property" => return property(subject, &words, argument(0)?, argument(1)?),
        "match" | "matches" => {
            let Some((_, rest)) = call else { return Err("`.match` without a pattern".into()) };
            let (args, _) = call_arguments(rest).ok_or("an unfinished call")?;
            (Op::Matches, Some(pattern(args.first().map_or("", String::as_str))?))
        }
        other => return Err(format!("the check `.{other}` is not translated")),
    };
    if value.is_none() {
        return Err(format!("`.{method}` without a value"));
    }
    let strict = matches!(method, "equal" | "equals" | "eq" | "oneOf");
    if strict && value.as_ref().is_some_and(|v| v.is_object() || (v.is_array() && method != "oneOf")) {
        return Err(format!("`.{method}` compares with `===`, which no literal object or list passes; write `.eql`"));
    }
    let predicate = if negated { Predicate::new(op).negate() } else { Predicate::new(op) };
    if let Subject::Length(_) = subject {
        return subject.checks(predicate, value.unwrap_or_default());
    }
    if op == Op::Contains && value.as_ref().is_some_and(Value::is_object) {
        return include_object(subject, &words, value.unwrap_or_default());
    }
    let mut assertions = Vec::new();
    if negated && op == Op::Contains && !matches!(subject, Subject::Text) {
        // chai's `.not.include` throws on a missing value, where `not_contains` would pass.
        assertions.push(subject.assertion(Predicate::new(Op::Exists), None));
    }
    assertions.push(subject.assertion(predicate, value));
    Ok(assertions)
}

/// A JavaScript regular expression literal as a `matches` pattern.
fn pattern(text: &str) -> Result<Value, String> {
    let (pattern, flags) =
        js_regex::literal(text).ok_or_else(|| format!("`{text}` is not a regular expression literal"))?;
    js_regex::translate(pattern, flags)
        .map(Value::String)
        .map_err(|reason| format!("the regular expression `{text}` is not translated: {reason}"))
}

/// `.to.exist`: present and not `null` (chai's `!= null`).
fn exist(subject: &Subject, negated: bool) -> Result<Vec<Value>, String> {
    match (subject, negated) {
        (Subject::Body(_), false) => Ok(vec![
            subject.assertion(Predicate::new(Op::Exists), None),
            subject.assertion(Predicate::new(Op::Eq).negate(), Some(Value::Null)),
        ]),
        (Subject::Body(_), true) => {
            Err("`.not.exist` on the body (missing or null) is not one Skopos check; not translated".into())
        }
        (_, false) => Ok(vec![subject.assertion(Predicate::new(Op::Exists), None)]),
        (_, true) => Ok(vec![subject.assertion(Predicate::new(Op::Exists).negate(), None)]),
    }
}

/// `.include({a: 1})` on an object: each of its keys has that value (`===`, or deep with
/// `.deep`). Read as on an object: the subject is checked to be one.
fn include_object(subject: &Subject, words: &[&str], value: Value) -> Result<Vec<Value>, String> {
    let Subject::Body(base) = subject else {
        return Err("`.include({...})` on something other than the JSON body is not translated".into());
    };
    if words.contains(&"not") {
        return Err("`.not.include({...})` (one of the keys differs) is not one Skopos check; not translated".into());
    }
    let deep = words.contains(&"deep");
    let mut assertions = vec![subject.assertion(Predicate::new(Op::Type), Some(json!("object")))];
    for (key, expected) in value.as_object().into_iter().flatten() {
        if (expected.is_object() || expected.is_array()) && !deep {
            return Err("`.include({key: object})` compares with `===`, which no literal passes; not translated".into());
        }
        let (_, path) =
            member_path(&format!("root[{}]", Value::String(key.clone()))).ok_or("a key that cannot be a path")?;
        assertions.push(Subject::Body(join(base, &path)).assertion(Predicate::new(Op::Eq), Some(expected.clone())));
    }
    Ok(assertions)
}

/// `.to.have.property("p"[, value])` on a body subject; chai compares the value with `===`.
/// With `.nested`, the name is a path (`a.b[1]`); with `.deep`, the value is compared deeply.
fn property(
    subject: &Subject,
    words: &[&str],
    name: Option<Value>,
    value: Option<Value>,
) -> Result<Vec<Value>, String> {
    let negated = words.contains(&"not");
    let Subject::Body(base) = subject else {
        return Err("`.property` on something other than the JSON body is not translated".into());
    };
    let name = name.and_then(|n| n.as_str().map(str::to_string)).ok_or("`.property` without a name")?;
    let written = match words.contains(&"nested") {
        true if name.contains('\\') => return Err("a nested path with `\\` escapes is not translated".into()),
        true => format!("root.{name}"),
        false => format!("root[{}]", Value::String(name)),
    };
    let (_, path) = member_path(&written).ok_or("a property name that cannot be a path")?;
    let inner = Subject::Body(join(base, &path));
    if value.as_ref().is_some_and(|v| v.is_object() || v.is_array()) && !words.contains(&"deep") {
        return Err("`.property(name, object)` compares with `===`, which no literal passes; not translated".into());
    }
    let (op, value) = match value {
        Some(value) => (Op::Eq, Some(value)),
        None => (Op::Exists, None),
    };
    let predicate = if negated { Predicate::new(op).negate() } else { Predicate::new(op) };
    Ok(vec![inner.assertion(predicate, value)])
}
