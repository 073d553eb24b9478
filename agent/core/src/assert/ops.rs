//! Each operator as a pure function of the actual and expected JSON values, and negation
//! applied to their outcome in one place ([`evaluate`]).

use regex::Regex;
use serde_json::Value;

use crate::predicate::{Op, Predicate};

/// Whether a comparison passed, and why it could not be made at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// Set when the values could not be compared (a number against a string, ...).
    pub type_mismatch: Option<String>,
}

/// What an operator found, before negation.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Holds,
    Fails,
    /// Nothing to compare (a missing value where the operator needs one, a string where it
    /// needs a number): the assertion fails whether or not it is negated. The reason, when
    /// there is more to say than "got nothing".
    Incomparable(Option<String>),
}

impl Outcome {
    fn of(holds: bool) -> Outcome {
        if holds { Outcome::Holds } else { Outcome::Fails }
    }
}

/// What an operator is given: the value found (`None` when nothing was), how many nodes the
/// property matched, the expected value and its compiled pattern. `loose` lets `200` equal
/// `"200"` (status and headers).
pub struct Operands<'a> {
    pub actual: Option<&'a Value>,
    pub count: usize,
    pub expected: &'a Value,
    pub regex: Option<&'a Regex>,
    pub loose: bool,
}

/// Judges `predicate` on `operands`. A negated predicate passes when its operator fails, and
/// fails, like the operator, when the values cannot be compared. `Op::Plugin` is judged by its
/// plugin, not here.
pub fn evaluate(predicate: Predicate, operands: &Operands) -> Verdict {
    let outcome = match predicate.op {
        Op::Eq => eq(operands),
        Op::Lt => order(operands, |a, e| a < e),
        Op::Lte => order(operands, |a, e| a <= e),
        Op::Gt => order(operands, |a, e| a > e),
        Op::Gte => order(operands, |a, e| a >= e),
        Op::In => is_in(operands),
        Op::Contains => contains(operands),
        Op::Matches => matches(operands),
        Op::Exists => Outcome::of(operands.actual.is_some()),
        Op::Type => type_is(operands),
        Op::Length => length(operands),
        Op::Count => count(operands),
        Op::Plugin => Outcome::Fails,
    };
    match outcome {
        Outcome::Incomparable(reason) => Verdict { passed: false, type_mismatch: reason },
        outcome => Verdict { passed: (outcome == Outcome::Holds) != predicate.not, type_mismatch: None },
    }
}

fn eq(operands: &Operands) -> Outcome {
    Outcome::of(operands.actual.is_some_and(|actual| equal(actual, operands.expected, operands.loose)))
}

fn order(operands: &Operands, holds: fn(f64, f64) -> bool) -> Outcome {
    let Some(actual) = operands.actual else { return Outcome::Incomparable(None) };
    match (as_number(actual), as_number(operands.expected)) {
        (Some(a), Some(e)) => Outcome::of(holds(a, e)),
        _ => Outcome::Incomparable(Some(format!("{} is not a number", type_name(actual)))),
    }
}

fn is_in(operands: &Operands) -> Outcome {
    let Some(actual) = operands.actual else { return Outcome::Fails };
    let items = operands.expected.as_array().map(Vec::as_slice).unwrap_or_default();
    Outcome::of(items.iter().any(|item| equal(actual, item, operands.loose)))
}

fn contains(operands: &Operands) -> Outcome {
    let Some(actual) = operands.actual else { return Outcome::Fails };
    let expected = operands.expected;
    let found = match (actual, expected) {
        (Value::String(text), _) => as_text(expected).map(|needle| text.contains(needle.as_ref())),
        (Value::Array(items), _) => Some(items.iter().any(|item| equal(item, expected, false))),
        (Value::Object(map), Value::String(key)) => Some(map.contains_key(key)),
        _ => None,
    };
    match found {
        Some(found) => Outcome::of(found),
        None => {
            Outcome::Incomparable(Some(format!("cannot look for {} in {}", type_name(expected), type_name(actual))))
        }
    }
}

fn matches(operands: &Operands) -> Outcome {
    let Some(actual) = operands.actual else { return Outcome::Incomparable(None) };
    match (operands.regex, as_text(actual)) {
        (Some(regex), Some(text)) => Outcome::of(regex.is_match(&text)),
        _ => Outcome::Incomparable(Some(format!("{} cannot be matched against a pattern", type_name(actual)))),
    }
}

fn type_is(operands: &Operands) -> Outcome {
    Outcome::of(operands.actual.is_some_and(|actual| operands.expected.as_str() == Some(type_name(actual))))
}

fn length(operands: &Operands) -> Outcome {
    let Some(actual) = operands.actual else { return Outcome::Incomparable(None) };
    let length = match actual {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => return Outcome::Incomparable(Some(format!("{} has no length", type_name(actual)))),
    };
    Outcome::of(operands.expected.as_f64() == Some(length as f64))
}

fn count(operands: &Operands) -> Outcome {
    Outcome::of(operands.expected.as_f64() == Some(operands.count as f64))
}

/// JSON equality where numbers compare by value (`1` equals `1.0`); with `loose`, a number
/// also equals the same number written as a string.
pub fn equal(actual: &Value, expected: &Value, loose: bool) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => a.as_f64() == e.as_f64(),
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(a, e)| equal(a, e, loose)),
        (Value::Object(a), Value::Object(e)) => {
            a.len() == e.len() && a.iter().all(|(k, v)| e.get(k).is_some_and(|ev| equal(v, ev, loose)))
        }
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) if loose => {
            s.trim().parse::<f64>().ok() == n.as_f64()
        }
        _ => actual == expected,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(s.into()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string().into()),
        _ => None,
    }
}

/// The name the `type` operator uses for a JSON value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests;
