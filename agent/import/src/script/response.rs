//! `pm.response.to...`: the assertions Postman's response library adds to chai.

use serde_json::{Value, json};

use skopos_core::predicate::{Op, Predicate};

use super::Subject;
use crate::js::{call_arguments, literal, member_path, string};

/// `pm.response.to.have.status(200)`, `.to.be.ok`, `.to.have.header("H"[, "V"])`, each also
/// with `.not` (`pm.response.to.not.have.status(404)`).
pub(super) fn response_assertion(rest: &str) -> Result<Vec<Value>, String> {
    let written = rest.trim();
    let (negated, rest) = match written.strip_prefix("not.") {
        Some(after) => (true, after),
        None => (false, written),
    };
    let is = |op| if negated { Predicate::new(op).negate() } else { Predicate::new(op) };
    let call = |prefix: &str| rest.strip_prefix(prefix).and_then(call_arguments).map(|(args, _)| args);
    if let Some(args) = call("have.status(") {
        let code = args.first().and_then(|a| literal(a)).ok_or("`have.status` with a value that is not a literal")?;
        if code.is_string() {
            return Err("status by reason phrase (`have.status(\"OK\")`) is not translated".into());
        }
        return Ok(vec![Subject::Status.assertion(is(Op::Eq), Some(code))]);
    }
    if let Some(args) = call("have.header(") {
        let name = args.first().and_then(|a| string(a)).ok_or("`have.header` without a header name")?;
        let subject = Subject::Header(name);
        return Ok(vec![match args.get(1).and_then(|a| literal(a)) {
            Some(value) => subject.assertion(is(Op::Eq), Some(value)),
            None => subject.assertion(is(Op::Exists), None),
        }]);
    }
    // The body: valid JSON, JSON at a path (lodash's `_.has` and `_.isEqual`), the text.
    let json_document = Subject::Body(String::new());
    if let Some(args) = call("have.jsonBody(") {
        let path = args.first().map(|a| string(a).ok_or("`have.jsonBody` with a path that is not a literal"));
        return match (path.transpose()?, args.get(1)) {
            (None, _) => Ok(vec![json_document.assertion(is(Op::Exists), None)]),
            (Some(path), None) => Ok(vec![Subject::Body(lodash_path(&path)?).assertion(is(Op::Exists), None)]),
            (Some(path), Some(value)) if !negated => {
                let value = literal(value).ok_or("`have.jsonBody` with a value that is not a literal")?;
                Ok(vec![Subject::Body(lodash_path(&path)?).assertion(Predicate::new(Op::Eq), Some(value))])
            }
            _ => Err("`pm.response.to.not.have.jsonBody(path, value)` is not translated".into()),
        };
    }
    if let Some(args) = call("have.body(") {
        let value = args.first().and_then(|a| literal(a)).ok_or("`have.body` with a value that is not a literal")?;
        let subject = if value.is_object() { json_document } else { Subject::Text };
        if !value.is_object() && !value.is_string() {
            return Err("`have.body` with a value that is not text or an object is not translated".into());
        }
        return Ok(vec![subject.assertion(is(Op::Eq), Some(value))]);
    }
    match rest {
        "be.json" => Ok(vec![json_document.assertion(is(Op::Exists), None)]),
        "be.withBody" => Ok(vec![Subject::Text.assertion(is(Op::Length).negate(), Some(json!(0)))]),
        "be.ok" => Ok(vec![Subject::Status.assertion(is(Op::Eq), Some(json!(200)))]),
        "be.success" if !negated => Ok(vec![
            Subject::Status.assertion(Predicate::new(Op::Gte), Some(json!(200))),
            Subject::Status.assertion(Predicate::new(Op::Lt), Some(json!(300))),
        ]),
        "be.success" => Err("`pm.response.to.not.be.success` (below 200 or 300 and above) is not translated".into()),
        _ => Err(format!("`pm.response.to.{written}` is not a response check the importer knows")),
    }
}

/// A lodash path (`a.b[0]`) as the agent's dot path.
fn lodash_path(path: &str) -> Result<String, String> {
    member_path(&format!("root.{path}"))
        .map(|(_, path)| path)
        .ok_or_else(|| format!("`{path}` is not a path the importer reads"))
}
