use serde_json::{Value, json};

use super::*;

fn judge(predicate: Predicate, actual: Option<Value>, expected: Value, count: usize, loose: bool) -> Verdict {
    let regex = expected.as_str().and_then(|p| Regex::new(p).ok());
    let operands = Operands { actual: actual.as_ref(), count, expected: &expected, regex: regex.as_ref(), loose };
    evaluate(predicate, &operands)
}

fn check(op: Op, actual: Value, expected: Value) -> bool {
    judge(Predicate::new(op), Some(actual), expected, 1, false).passed
}

fn check_not(op: Op, actual: Value, expected: Value) -> bool {
    judge(Predicate::new(op).negate(), Some(actual), expected, 1, false).passed
}

fn missing(predicate: Predicate, expected: Value) -> Verdict {
    judge(predicate, None, expected, 0, false)
}

#[test]
fn equality_is_json_equality_with_numeric_numbers() {
    assert!(check(Op::Eq, json!(2), json!(2.0)));
    assert!(check(Op::Eq, json!({"a": [1, "x"]}), json!({"a": [1.0, "x"]})));
    assert!(!check(Op::Eq, json!("200"), json!(200)));
    assert!(check_not(Op::Eq, json!("200"), json!(200)));
    assert!(judge(Predicate::new(Op::Eq), Some(json!("200")), json!(200), 1, true).passed);
    assert!(judge(Predicate::new(Op::Eq), Some(json!(200)), json!("200"), 1, true).passed);
    assert!(!check(Op::Eq, json!(null), json!(false)));
}

#[test]
fn ordering_needs_numbers() {
    assert!(check(Op::Lt, json!(799), json!(800)));
    assert!(!check(Op::Lt, json!(800), json!(800)));
    assert!(check(Op::Lte, json!(800), json!(800)));
    assert!(check(Op::Gt, json!(3), json!(2.5)));
    assert!(check(Op::Gte, json!("12"), json!(12)));
    let verdict = judge(Predicate::new(Op::Lt), Some(json!("abc")), json!(1), 1, false);
    assert_eq!(verdict.type_mismatch.as_deref(), Some("string is not a number"));
}

#[test]
fn membership() {
    assert!(check(Op::In, json!(201), json!([200, 201])));
    assert!(!check(Op::In, json!(404), json!([200, 201])));
    assert!(check_not(Op::In, json!(404), json!([200, 201])));
}

#[test]
fn contains_works_on_strings_arrays_and_object_keys() {
    assert!(check(Op::Contains, json!("application/json; charset=utf-8"), json!("json")));
    assert!(check(Op::Contains, json!([1, 2, 3]), json!(2)));
    assert!(check(Op::Contains, json!({"token": 1}), json!("token")));
    assert!(check_not(Op::Contains, json!("text/html"), json!("json")));
    assert!(check(Op::Contains, json!("code 42"), json!(42)));
    let verdict = judge(Predicate::new(Op::Contains), Some(json!(5)), json!("x"), 1, false);
    assert_eq!(verdict.type_mismatch.as_deref(), Some("cannot look for string in number"));
}

#[test]
fn matches_uses_regular_expressions() {
    assert!(check(Op::Matches, json!("order-1234"), json!("^order-\\d+$")));
    assert!(!check(Op::Matches, json!("order-x"), json!("^order-\\d+$")));
    assert!(check(Op::Matches, json!(1234), json!("^\\d{4}$")));
    assert!(check_not(Op::Matches, json!("order-x"), json!("^order-\\d+$")));
}

#[test]
fn presence() {
    assert!(check(Op::Exists, json!(null), Value::Null));
    assert!(!missing(Predicate::new(Op::Exists), Value::Null).passed);
    assert!(missing(Predicate::new(Op::Exists).negate(), Value::Null).passed);
    // A missing value is "not equal" to anything, and fails every positive comparison.
    assert!(missing(Predicate::new(Op::Eq).negate(), json!(1)).passed);
    assert!(!missing(Predicate::new(Op::Eq), json!(null)).passed);
    assert!(!missing(Predicate::new(Op::Lt), json!(1)).passed);
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
        assert!(check(Op::Type, value.clone(), json!(name)), "{name}");
        assert!(!check_not(Op::Type, value, json!(name)), "not {name}");
    }
    assert!(check(Op::Length, json!("héllo"), json!(5)));
    assert!(check(Op::Length, json!([1, 2]), json!(2)));
    assert!(check(Op::Length, json!({"a": 1}), json!(1)));
    assert!(check_not(Op::Length, json!([1, 2]), json!(3)));
    assert!(judge(Predicate::new(Op::Length), Some(json!(5)), json!(1), 1, false).type_mismatch.is_some());
    assert!(missing(Predicate::new(Op::Count), json!(0)).passed);
    assert!(judge(Predicate::new(Op::Count), Some(json!([1, 2])), json!(2), 2, false).passed);
    assert!(!judge(Predicate::new(Op::Count), Some(json!(1)), json!(2), 1, false).passed);
    assert!(judge(Predicate::new(Op::Count).negate(), Some(json!(1)), json!(2), 1, false).passed);
}

/// Negation inverts what an operator found, never a comparison that could not be made: `not
/// lt 5` fails on a string or on nothing, as chai's `.not.below(5)` throws on them.
#[test]
fn negation_never_passes_what_could_not_be_compared() {
    use strum::IntoEnumIterator;
    let expected_for = |op: Op| match op {
        Op::In => json!([1]),
        Op::Matches => json!("^1$"),
        Op::Type => json!("number"),
        _ => json!(1),
    };
    for op in Op::iter().filter(|op| *op != Op::Plugin) {
        let expected = expected_for(op);
        for actual in [json!(1), json!("x"), json!([1]), json!({"a": 1}), json!(null), json!(true)] {
            let positive = judge(Predicate::new(op), Some(actual.clone()), expected.clone(), 1, false);
            let negative = judge(Predicate::new(op).negate(), Some(actual.clone()), expected.clone(), 1, false);
            match &positive.type_mismatch {
                Some(_) => assert!(!positive.passed && !negative.passed, "{op:?} on {actual}"),
                None => assert_ne!(positive.passed, negative.passed, "{op:?} on {actual}"),
            }
            assert_eq!(positive.type_mismatch, negative.type_mismatch, "{op:?} on {actual}");
        }
    }
    for op in [Op::Lt, Op::Lte, Op::Gt, Op::Gte, Op::Matches, Op::Length] {
        let expected = expected_for(op);
        assert!(!missing(Predicate::new(op), expected.clone()).passed, "{op:?}");
        assert!(!missing(Predicate::new(op).negate(), expected).passed, "not {op:?} on nothing");
    }
    for op in [Op::Eq, Op::In, Op::Contains, Op::Exists, Op::Type] {
        let expected = expected_for(op);
        assert!(!missing(Predicate::new(op), expected.clone()).passed, "{op:?}");
        assert!(missing(Predicate::new(op).negate(), expected).passed, "not {op:?} on nothing");
    }
}
