//! The legacy `tests["name"] = condition` form, with `responseCode`, `responseBody` and
//! `responseTime`.

use serde_json::Value;

use skopos_core::predicate::{Op, Predicate};

use super::{Bindings, Subject, Translated, join, json_subject, named};
use crate::js::{call_arguments, literal, member_path, string};
use crate::js_regex;

/// `tests["name"] = CONDITION`.
pub(super) fn legacy_test(statement: &str, rest: &str, bindings: &Bindings, out: &mut Translated) {
    let Some(close) = rest.find(']') else {
        return out.skipped.push((statement.to_string(), "an unfinished `tests[`".into()));
    };
    let (Some(name), Some(condition)) = (string(&rest[..close]), rest[close + 1..].trim().strip_prefix('=')) else {
        return out.skipped.push((statement.to_string(), "not `tests[\"name\"] = condition`".into()));
    };
    match comparison(condition.trim(), bindings) {
        Ok(assertions) => out.assertions.extend(assertions.into_iter().map(|a| named(&name, a))),
        Err(reason) => out.skipped.push((statement.to_string(), reason)),
    }
}

/// `(expression)` as `expression`, when the parentheses enclose all of it.
fn without_parentheses(text: &str) -> &str {
    let mut text = text.trim();
    while let Some(inner) = text.strip_prefix('(') {
        match call_arguments(inner) {
            Some((args, tail)) if args.len() == 1 && tail.trim().is_empty() => text = inner[..inner.len() - 1].trim(),
            _ => break,
        }
    }
    text
}

/// `'key' in json.path` or `json.path.hasOwnProperty('key')`: the key is present (which holds
/// for `null` values too, as `exists` does).
fn key_in_object(condition: &str, negated: bool, bindings: &Bindings) -> Option<Result<Value, String>> {
    let (key, object) = match condition.split_once(" in ") {
        Some((key, object)) => (string(key)?, object),
        // `object.hasOwnProperty("key")`: the same, for the JSON a response parses into.
        None => {
            let (object, call) = condition.split_once(".hasOwnProperty(")?;
            let (args, tail) = call_arguments(call)?;
            if args.len() != 1 || !tail.trim().is_empty() {
                return None;
            }
            (string(&args[0])?, object)
        }
    };
    let Some(base) = json_subject(object.trim(), bindings) else {
        return Some(Err(format!("`{}` is not something in the response the importer can follow", object.trim())));
    };
    let (_, path) = member_path(&format!("root[{}]", Value::String(key)))?;
    let exists = if negated { Predicate::new(Op::Exists).negate() } else { Predicate::new(Op::Exists) };
    Some(Ok(Subject::Body(join(&base, &path)).assertion(exists, None)))
}

/// A legacy condition: `responseCode.code === 200`, `responseTime < 500`,
/// `responseBody.has("x")` (also `!responseBody.has("x")` and `... === false`), `json.a === 1`.
fn comparison(condition: &str, bindings: &Bindings) -> Result<Vec<Value>, String> {
    let condition = without_parentheses(condition.trim_end_matches(';').trim());
    let (negated, has) = match condition.strip_prefix('!') {
        Some(rest) => (true, without_parentheses(rest.trim_start())),
        None => (false, condition),
    };
    if let Some(assertion) = key_in_object(has, negated, bindings) {
        return assertion.map(|a| vec![a]);
    }
    // `/re/.test(responseBody)`.
    if let Some((re, call)) = has.split_once("/.test(").map(|(re, call)| (format!("{re}/"), call))
        && let Some((args, _)) = call_arguments(call).filter(|(args, tail)| args.len() == 1 && tail.trim().is_empty())
    {
        let subject = Subject::read(&args[0], bindings)
            .ok_or_else(|| format!("`{}` is not something in the response the importer can follow", args[0]))?;
        let (pattern, flags) =
            js_regex::literal(&re).ok_or_else(|| format!("`{re}` is not a regular expression literal"))?;
        let pattern = js_regex::translate(pattern, flags)
            .map_err(|reason| format!("the regular expression `{re}` is not translated: {reason}"))?;
        let matches = if negated { Predicate::new(Op::Matches).negate() } else { Predicate::new(Op::Matches) };
        return subject.checks(matches, Value::String(pattern));
    }
    if let Some(rest) = has.strip_prefix("responseBody.has(") {
        let (args, tail) = call_arguments(rest).ok_or("an unfinished `responseBody.has(`")?;
        let text = args.first().and_then(|a| literal(a)).ok_or("`responseBody.has` without a literal")?;
        let negated = match tail.trim() {
            "" => negated,
            "=== true" | "== true" | "!== false" | "!= false" if !negated => false,
            "=== false" | "== false" | "!== true" | "!= true" if !negated => true,
            other => return Err(format!("`{other}` after `responseBody.has(...)` is not translated")),
        };
        let contains = Predicate::new(Op::Contains);
        return Ok(vec![Subject::Text.assertion(if negated { contains.negate() } else { contains }, Some(text))]);
    }
    for (symbol, predicate) in [
        ("===", Predicate::new(Op::Eq)),
        ("!==", Predicate::new(Op::Eq).negate()),
        ("==", Predicate::new(Op::Eq)),
        ("!=", Predicate::new(Op::Eq).negate()),
        ("<=", Predicate::new(Op::Lte)),
        (">=", Predicate::new(Op::Gte)),
        ("<", Predicate::new(Op::Lt)),
        (">", Predicate::new(Op::Gt)),
    ] {
        if let Some((left, right)) = condition.split_once(symbol) {
            let subject = Subject::read(left, bindings)
                .ok_or_else(|| format!("`{}` is not something in the response the importer can follow", left.trim()))?;
            if matches!(symbol, "==" | "!=") && matches!(subject, Subject::Body(_)) {
                // `"1" == 1` and `undefined == null` hold in JavaScript; no Skopos check is that loose.
                return Err(format!(
                    "loose `{symbol}` on a JSON value converts types; not translated (`{symbol}=` would be)"
                ));
            }
            let value = literal(right).ok_or_else(|| format!("`{}` is not a literal value", right.trim()))?;
            return subject.checks(predicate, value);
        }
    }
    Err("not a comparison the importer knows".into())
}
