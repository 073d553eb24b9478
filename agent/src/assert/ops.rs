//! Operators as pure functions of the actual and expected JSON values.

use regex::Regex;
use serde_json::Value;

use crate::model::Op;

/// Why a comparison failed, beyond "expected X, got Y".
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// Set when the values could not be compared at all (a number against a string, ...).
    pub type_mismatch: Option<String>,
}

impl Verdict {
    fn of(passed: bool) -> Verdict {
        Verdict { passed, type_mismatch: None }
    }

    fn mismatch(reason: String) -> Verdict {
        Verdict { passed: false, type_mismatch: Some(reason) }
    }
}

/// Compares `actual` with `expected` under `op`. `loose` lets `200` equal `"200"` (status and
/// headers). `count` is the number of nodes the property matched. `Op::Plugin` is not handled here.
pub fn compare(
    op: Op,
    actual: Option<&Value>,
    expected: Option<&Value>,
    regex: Option<&Regex>,
    loose: bool,
    count: usize,
) -> Verdict {
    let null = Value::Null;
    let expected = expected.unwrap_or(&null);
    match op {
        Op::Exists => Verdict::of(actual.is_some()),
        Op::NotExists => Verdict::of(actual.is_none()),
        Op::Count => numeric_eq(count as f64, expected),
        _ => {
            let Some(actual) = actual else {
                return Verdict::of(op == Op::Ne || op == Op::NotIn || op == Op::NotContains);
            };
            compare_present(op, actual, expected, regex, loose)
        }
    }
}

fn compare_present(op: Op, actual: &Value, expected: &Value, regex: Option<&Regex>, loose: bool) -> Verdict {
    match op {
        Op::Eq => Verdict::of(equal(actual, expected, loose)),
        Op::Ne => Verdict::of(!equal(actual, expected, loose)),
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
            let (Some(a), Some(e)) = (as_number(actual), as_number(expected)) else {
                return Verdict::mismatch(format!("{} is not a number", type_name(actual)));
            };
            Verdict::of(match op {
                Op::Lt => a < e,
                Op::Lte => a <= e,
                Op::Gt => a > e,
                _ => a >= e,
            })
        }
        Op::In | Op::NotIn => {
            let found = expected.as_array().is_some_and(|items| items.iter().any(|e| equal(actual, e, loose)));
            Verdict::of(found == (op == Op::In))
        }
        Op::Contains | Op::NotContains => match contains(actual, expected) {
            Some(found) => Verdict::of(found == (op == Op::Contains)),
            None => Verdict::mismatch(format!("cannot look for {} in {}", type_name(expected), type_name(actual))),
        },
        Op::Matches => match (regex, as_text(actual)) {
            (Some(regex), Some(text)) => Verdict::of(regex.is_match(&text)),
            _ => Verdict::mismatch(format!("{} cannot be matched against a pattern", type_name(actual))),
        },
        Op::Type => Verdict::of(expected.as_str() == Some(type_name(actual))),
        Op::Length => match length(actual) {
            Some(len) => numeric_eq(len as f64, expected),
            None => Verdict::mismatch(format!("{} has no length", type_name(actual))),
        },
        Op::Exists | Op::NotExists | Op::Count | Op::Plugin => Verdict::of(false),
    }
}

fn numeric_eq(actual: f64, expected: &Value) -> Verdict {
    Verdict::of(expected.as_f64() == Some(actual))
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

fn contains(actual: &Value, expected: &Value) -> Option<bool> {
    match (actual, expected) {
        (Value::String(text), _) => Some(text.contains(as_text(expected)?.as_ref())),
        (Value::Array(items), _) => Some(items.iter().any(|item| equal(item, expected, false))),
        (Value::Object(map), Value::String(key)) => Some(map.contains_key(key)),
        _ => None,
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

fn length(value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(items) => Some(items.len()),
        Value::Object(map) => Some(map.len()),
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

pub const TYPE_NAMES: [&str; 6] = ["string", "number", "boolean", "object", "array", "null"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: Op, actual: Value, expected: Value) -> bool {
        let regex = expected.as_str().and_then(|p| Regex::new(p).ok());
        compare(op, Some(&actual), Some(&expected), regex.as_ref(), false, 1).passed
    }

    #[test]
    fn equality_is_json_equality_with_numeric_numbers() {
        assert!(check(Op::Eq, json!(2), json!(2.0)));
        assert!(check(Op::Eq, json!({"a": [1, "x"]}), json!({"a": [1.0, "x"]})));
        assert!(!check(Op::Eq, json!("200"), json!(200)));
        assert!(check(Op::Ne, json!("200"), json!(200)));
        assert!(compare(Op::Eq, Some(&json!("200")), Some(&json!(200)), None, true, 1).passed);
        assert!(compare(Op::Eq, Some(&json!(200)), Some(&json!("200")), None, true, 1).passed);
        assert!(!check(Op::Eq, json!(null), json!(false)));
    }

    #[test]
    fn ordering_needs_numbers() {
        assert!(check(Op::Lt, json!(799), json!(800)));
        assert!(!check(Op::Lt, json!(800), json!(800)));
        assert!(check(Op::Lte, json!(800), json!(800)));
        assert!(check(Op::Gt, json!(3), json!(2.5)));
        assert!(check(Op::Gte, json!("12"), json!(12)));
        let verdict = compare(Op::Lt, Some(&json!("abc")), Some(&json!(1)), None, false, 1);
        assert_eq!(verdict.type_mismatch.as_deref(), Some("string is not a number"));
    }

    #[test]
    fn membership() {
        assert!(check(Op::In, json!(201), json!([200, 201])));
        assert!(!check(Op::In, json!(404), json!([200, 201])));
        assert!(check(Op::NotIn, json!(404), json!([200, 201])));
    }

    #[test]
    fn contains_works_on_strings_arrays_and_object_keys() {
        assert!(check(Op::Contains, json!("application/json; charset=utf-8"), json!("json")));
        assert!(check(Op::Contains, json!([1, 2, 3]), json!(2)));
        assert!(check(Op::Contains, json!({"token": 1}), json!("token")));
        assert!(check(Op::NotContains, json!("text/html"), json!("json")));
        assert!(check(Op::Contains, json!("code 42"), json!(42)));
        let verdict = compare(Op::Contains, Some(&json!(5)), Some(&json!("x")), None, false, 1);
        assert_eq!(verdict.type_mismatch.as_deref(), Some("cannot look for string in number"));
    }

    #[test]
    fn matches_uses_regular_expressions() {
        assert!(check(Op::Matches, json!("order-1234"), json!("^order-\\d+$")));
        assert!(!check(Op::Matches, json!("order-x"), json!("^order-\\d+$")));
        assert!(check(Op::Matches, json!(1234), json!("^\\d{4}$")));
    }

    #[test]
    fn presence() {
        assert!(compare(Op::Exists, Some(&json!(null)), None, None, false, 1).passed);
        assert!(!compare(Op::Exists, None, None, None, false, 0).passed);
        assert!(compare(Op::NotExists, None, None, None, false, 0).passed);
        // A missing value is "not equal" to anything, and fails every positive comparison.
        assert!(compare(Op::Ne, None, Some(&json!(1)), None, false, 0).passed);
        assert!(!compare(Op::Eq, None, Some(&json!(null)), None, false, 0).passed);
        assert!(!compare(Op::Lt, None, Some(&json!(1)), None, false, 0).passed);
    }

    #[test]
    fn type_length_and_count() {
        for (value, name) in [
            (json!(1), "number"),
            (json!("s"), "string"),
            (json!([]), "array"),
            (json!({}), "object"),
            (json!(true), "boolean"),
            (json!(null), "null"),
        ] {
            assert!(check(Op::Type, value, json!(name)), "{name}");
        }
        assert!(check(Op::Length, json!("héllo"), json!(5)));
        assert!(check(Op::Length, json!([1, 2]), json!(2)));
        assert!(check(Op::Length, json!({"a": 1}), json!(1)));
        assert!(compare(Op::Length, Some(&json!(5)), Some(&json!(1)), None, false, 1).type_mismatch.is_some());
        assert!(compare(Op::Count, None, Some(&json!(0)), None, false, 0).passed);
        assert!(compare(Op::Count, Some(&json!([1, 2])), Some(&json!(2)), None, false, 2).passed);
        assert!(!compare(Op::Count, Some(&json!(1)), Some(&json!(2)), None, false, 1).passed);
    }
}
