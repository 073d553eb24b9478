//! Hurl's `[Asserts]` and `[Captures]` queries as the agent's assertions and references, each
//! kept only where it means exactly what Hurl means.

use serde_json::{Value, json};

use skopos_core::predicate::{Op, Predicate};
use skopos_core::xpath::XPathQuery;

/// `jsonpath "$.a.b[0]"`, `header "Location"` or `cookie "sid"`, with nothing after it, as a
/// reference inside the step.
pub fn reference(line: &str) -> Option<String> {
    let (subject, rest, _) = query(line).ok()?;
    if !rest.trim().is_empty() {
        return None;
    }
    let property = subject["property"].as_str()?;
    match subject["source"].as_str()? {
        // A plain path; JSONPath and XPath are captured with the step's `captures`.
        "body" if !property.starts_with('$') && !XPathQuery::looks_like(property) => Some(format!("body.{property}")),
        "header" => Some(format!("headers.{property}")),
        "cookie" => Some(format!("cookies.{property}")),
        _ => None,
    }
}

/// Whether the first of `filters` picks one item (`nth`, `first`, `last`): what makes a
/// JSONPath that can match several nodes mean the same to Hurl and here.
fn picks_one(filters: &[Value]) -> bool {
    filters.first().is_some_and(|f| ["first", "last"].iter().any(|p| f == p) || f.get("nth").is_some())
}

/// `$.a.b[0]` as the agent's dot path `a.b[0]`; `None` for anything else (quoted names,
/// filters, wildcards), which is kept as JSONPath.
pub fn dot_path(jsonpath: &str) -> Option<String> {
    let path = jsonpath.strip_prefix("$.")?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']');
    let indexes_only =
        path.split('[').skip(1).all(|part| part.split(']').next().is_some_and(|i| i.parse::<i64>().is_ok()));
    (path.chars().all(plain) && indexes_only && !path.starts_with(['.', '[']) && !path.contains(".."))
        .then(|| path.to_string())
}

/// One `[Asserts]` line: `QUERY [FILTERS] PREDICATE [VALUE]`, as one assertion or (where Hurl's
/// predicate is two Skopos checks) two.
pub fn assertion(line: &str) -> Result<Vec<Value>, String> {
    let (mut subject, mut rest, mut singular) = query(line)?;
    if is_nodeset(&subject) {
        return nodeset_assertion(subject, rest.trim());
    }
    rest = rest.trim();
    let (mut filters, after) = filters(rest)?;
    rest = after;
    // `count` alone keeps its own translation (below); with other filters it is one of them.
    let count = filters == [json!("count")];
    if count {
        filters.clear();
    }
    if ends_in_date(&filters) {
        // Hurl's dates are a kind of their own: only whether there is one reads the same here.
        match rest.trim() {
            "exists" | "isDate" => rest = "exists",
            _ => return Err("a date from `toDate` checked other than by `exists` or `isDate` is not translated".into()),
        }
    }
    if !filters.is_empty() {
        if !singular && !picks_one(&filters) {
            return Err("a JSONPath that can match several nodes, filtered other than by `nth`, `first` or \
                        `last`, is not translated"
                .into());
        }
        singular = true;
        subject["filters"] = Value::Array(filters);
    }
    predicate_of(subject, rest, singular, count)
}

/// Whether `filters` end by making a date (`to_date`), a kind of value only Hurl has.
fn ends_in_date(filters: &[Value]) -> bool {
    filters.last().is_some_and(|filter| filter.get("to_date").is_some())
}

/// An XPath that selects nodes (`//item`) rather than computing a value (`string(//item)`):
/// Hurl reads its result as a node set, which only `count`, `exists` and `not exists` look at.
fn is_nodeset(subject: &Value) -> bool {
    let Some(expression) = subject["property"].as_str().filter(|p| XPathQuery::looks_like(p)) else { return false };
    let call = expression.split('(').next().unwrap_or("").trim();
    call.is_empty()
        || call.starts_with('/')
        || call == "id"
        || !call.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

/// `count == N`, `exists` and `not exists` on an XPath node set.
fn nodeset_assertion(mut subject: Value, rest: &str) -> Result<Vec<Value>, String> {
    let (op, value) = match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["count", "==", n] => {
            (Predicate::new(Op::Count), Some(json!(n.parse::<u64>().map_err(|_| "`count ==` a number")?)))
        }
        ["exists"] => (Predicate::new(Op::Exists), None),
        ["not", "exists"] => (Predicate::new(Op::Exists).negate(), None),
        _ => return Err("on an XPath node set, only `count ==`, `exists` and `not exists` are translated".into()),
    };
    op.write_into(&mut subject, value);
    Ok(vec![subject])
}

/// A `[Captures]` line's query with filters (`header "Location" regex "id=(\\d+)"`) as a step
/// capture named `name`.
pub fn capture(name: &str, line: &str) -> Result<Value, String> {
    let (subject, rest, singular) = query(line)?;
    if is_nodeset(&subject) {
        return Err("Hurl captures an XPath node set, not a value; not translated".into());
    }
    let (filters, rest) = filters(rest.trim())?;
    if !rest.trim().is_empty() {
        return Err(format!("`{}` after the query is not understood", rest.trim()));
    }
    if ends_in_date(&filters) {
        return Err("Hurl captures a date from `toDate` as a value of its own kind; not translated".into());
    }
    if !singular && !picks_one(&filters) {
        return Err("a JSONPath that can match several nodes is read by Hurl as a list, or as the one value matched; \
                    not translated"
            .into());
    }
    let mut capture = json!({"name": name});
    capture.as_object_mut().expect("an object").extend(subject.as_object().cloned().unwrap_or_default());
    if !filters.is_empty() {
        capture["filters"] = Value::Array(filters);
    }
    Ok(capture)
}

/// The query a line starts with, as an assertion's `source` and `property`; the rest of the
/// line; and whether it can match one value at most.
fn query(line: &str) -> Result<(Value, &str, bool), String> {
    let mut singular = true;
    let (subject, rest) = match line.split_once(' ').or(Some((line, ""))) {
        Some(("status", rest)) => (json!({"source": "status"}), rest),
        Some(("duration", rest)) => (json!({"source": "latency"}), rest),
        Some(("body", rest)) => (json!({"source": "body"}), rest),
        Some((kind @ ("jsonpath" | "header" | "cookie" | "xpath"), rest)) => {
            if !rest.trim_start().starts_with('"') {
                return Err("the query's argument is not a quoted string".into());
            }
            let (argument, after) = argument_string(rest)?;
            let subject = match kind {
                "header" => json!({"source": "header", "property": argument}),
                "cookie" => json!({"source": "cookie", "property": argument}),
                "xpath" if !XPathQuery::looks_like(&argument) => {
                    return Err(format!("the XPath `{argument}` would read as a path here; not translated"));
                }
                "xpath" => json!({"source": "body", "property": argument}),
                _ => {
                    singular = skopos_core::path::is_singular(&argument);
                    json!({"source": "body", "property": dot_path(&argument).unwrap_or(argument)})
                }
            };
            (subject, after)
        }
        _ => return Err("this kind of query is not translated (regex, sha256, bytes, ...)".into()),
    };
    Ok((subject, rest, singular))
}

/// The predicate (and value) of an assertion on `subject`.
fn predicate_of(mut subject: Value, rest: &str, singular: bool, count: bool) -> Result<Vec<Value>, String> {
    let negated = rest.starts_with("not ");
    let rest = rest.trim_start_matches("not ").trim();
    let (predicate, value) = rest.split_once(' ').map_or((rest, ""), |(p, v)| (p, v.trim()));
    // Hurl's `not` passes when the query finds nothing: so do Skopos' negated `eq`, `contains`,
    // `exists` and `type`, but not its negated comparisons, patterns and lengths.
    let negatable = ["==", "contains", "includes", "exists", "isString", "isNumber", "isBoolean", "isList", "isObject"];
    if negated && !negatable.contains(&predicate) {
        return Err("Hurl's `not` passes when the value is missing, which the negated Skopos check does not; \
                    not translated"
            .into());
    }
    if !singular {
        // Hurl takes the matches as a list, but one match as that value itself (so `count`
        // counts the matches, or the items of a single list matched): no Skopos check is that.
        return Err("a JSONPath that can match several nodes is read by Hurl as a list of them, or as the one \
                    value when one matches; not translated"
            .into());
    }
    let literal = || hurl_value(value).ok_or_else(|| format!("`{value}` is not a value the importer reads"));
    let (op, expected) = match (predicate, negated) {
        // `count` on a header counts the times it was sent; on a JSONPath that matches one node
        // at most, the items of the list it found.
        ("==", false) if count && subject["source"] == "header" => (Op::Count, Some(literal()?)),
        ("==", false) => (if count { Op::Length } else { Op::Eq }, Some(literal()?)),
        ("!=", false) => (Op::Eq, Some(literal()?)),
        (">" | ">=" | "<" | "<=", false) if !count => {
            let op = match predicate {
                ">" => Op::Gt,
                ">=" => Op::Gte,
                "<" => Op::Lt,
                _ => Op::Lte,
            };
            (op, Some(literal()?))
        }
        ("contains" | "includes", false) => (Op::Contains, Some(literal()?)),
        ("exists", _) => (Op::Exists, None),
        ("startsWith", false) => {
            (Op::Matches, Some(json!(format!("^{}", regex::escape(literal()?.as_str().unwrap_or(""))))))
        }
        ("endsWith", false) => {
            (Op::Matches, Some(json!(format!("{}$", regex::escape(literal()?.as_str().unwrap_or(""))))))
        }
        ("matches", false) if value.starts_with('/') => (Op::Matches, Some(json!(argument(value)?.0))),
        ("matches", false) => (Op::Matches, Some(literal()?)),
        ("contains" | "includes", true) => (Op::Contains, Some(literal()?)),
        ("==", true) => (Op::Eq, Some(literal()?)),
        ("isString", _) => (Op::Type, Some(json!("string"))),
        ("isNumber", _) => (Op::Type, Some(json!("number"))),
        ("isBoolean", _) => (Op::Type, Some(json!("boolean"))),
        ("isList", _) => (Op::Type, Some(json!("array"))),
        ("isObject", _) => (Op::Type, Some(json!("object"))),
        // Hurl tells integers (`5`) from floats (`1.5`, `1.0`) by how the JSON writes them.
        ("isInteger" | "isFloat", false) => {
            let pattern = if predicate == "isInteger" { "^-?[0-9]+$" } else { "[.eE]" };
            let mut is_number = subject.clone();
            Predicate::new(Op::Type).write_into(&mut is_number, Some(json!("number")));
            Predicate::new(Op::Matches).write_into(&mut subject, Some(json!(pattern)));
            return Ok(vec![is_number, subject]);
        }
        ("isUuid", false) => (Op::Matches, Some(json!(UUID))),
        ("isEmpty", false) => (Op::Length, Some(json!(0))),
        _ => return Err(format!("the predicate `{}{predicate}` is not translated", if negated { "not " } else { "" })),
    };
    if count && subject["source"] == "cookie" {
        return Err("`count` on a cookie is not translated".into());
    }
    if count && !matches!(op, Op::Length | Op::Count) {
        return Err("only `count ==` is translated among the filters".into());
    }
    let not_equal = predicate == "!=";
    let predicate = Predicate { not: negated || not_equal, op };
    // Hurl's `!=` fails when the query finds nothing; Skopos' `ne` passes then.
    let mut assertions = Vec::new();
    if not_equal {
        let mut exists = subject.clone();
        Predicate::new(Op::Exists).write_into(&mut exists, None);
        assertions.push(exists);
    }
    predicate.write_into(&mut subject, expected);
    assertions.push(subject);
    Ok(assertions)
}

/// The forms of a UUID Hurl's `isUuid` accepts: hyphenated, simple, braced and URN.
const UUID: &str = "^(?:[0-9a-fA-F]{32}|\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?|urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$";

/// The filters after a query (`regex "id=(\\d+)" toInt`), as the file format writes them, and
/// the rest of the line; a filter with no Skopos equivalent is refused with its name.
pub fn filters(mut rest: &str) -> Result<(Vec<Value>, &str), String> {
    let mut filters = Vec::new();
    loop {
        let trimmed = rest.trim_start();
        let (word, after) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        let filter = match word {
            "regex" | "split" | "nth" | "replace" => {
                let (argument, after) = argument(after)?;
                let filter = match word {
                    "regex" => {
                        let groups = regex::Regex::new(&argument).map_err(|e| format!("the regex filter: {e}"))?;
                        if groups.captures_len() < 2 {
                            return Err("Hurl's `regex` filter needs a group in its pattern".into());
                        }
                        json!({"regex": argument})
                    }
                    "split" => json!({"split": argument}),
                    "nth" => json!({"nth": argument.parse::<i64>().map_err(|_| "`nth` without a whole number")?}),
                    _ => {
                        let (new, after) = argument_string(after)?;
                        rest = after;
                        filters.push(json!({"replace": [argument, new]}));
                        continue;
                    }
                };
                rest = after;
                filter
            }
            "count" | "first" | "last" => {
                rest = after;
                json!(word)
            }
            "toInt" | "toFloat" | "toString" | "urlDecode" | "htmlUnescape" => {
                rest = after;
                json!(match word {
                    "toInt" => "to_int",
                    "toFloat" => "to_float",
                    "toString" => "to_string",
                    "urlDecode" => "url_decode",
                    _ => "html_unescape",
                })
            }
            // A date is Hurl's own kind of value: only `toDate` makes one, and only the date
            // filters read one.
            "toDate" | "format" | "dateFormat" => {
                let (format, after) = argument_string(after)?;
                if word != "toDate" && !filters.iter().any(|f: &Value| f.get("to_date").is_some()) {
                    return Err(format!("`{word}` on a value that is not a date from `toDate` is not translated"));
                }
                if !skopos_core::filter::is_valid_date_format(&format) {
                    return Err(format!("`{format}` is not a date format the importer reads"));
                }
                rest = after;
                json!({if word == "toDate" { "to_date" } else { "format" }: format})
            }
            "daysBeforeNow" | "daysAfterNow" if filters.iter().any(|f: &Value| f.get("to_date").is_some()) => {
                rest = after;
                json!(if word == "daysBeforeNow" { "days_before_now" } else { "days_after_now" })
            }
            "decode"
            | "base64Decode"
            | "base64Encode"
            | "jsonpath"
            | "xpath"
            | "urlEncode"
            | "htmlEscape"
            | "daysBeforeNow"
            | "daysAfterNow"
            | "utf8Decode"
            | "utf8Encode"
            | "hexDecode"
            | "hexEncode"
            | "replaceRegex"
            | "base64UrlSafeDecode"
            | "base64UrlSafeEncode" => {
                return Err(format!("the filter `{word}` is not translated"));
            }
            _ => return Ok((filters, trimmed)),
        };
        filters.push(filter);
    }
}

/// A filter's argument: a quoted string, a `/regex/`, or a number.
fn argument(text: &str) -> Result<(String, &str), String> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('/') {
        let end = inner.find('/').ok_or("an unterminated /regex/")?;
        let mut end = end;
        while inner[..end].ends_with('\\') {
            end += 1 + inner[end + 1..].find('/').ok_or("an unterminated /regex/")?;
        }
        return Ok((inner[..end].replace("\\/", "/"), &inner[end + 1..]));
    }
    if text.starts_with('"') {
        return argument_string(text);
    }
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    Ok((word.to_string(), rest))
}

/// A quoted string argument, its escapes read as Hurl reads them.
fn argument_string(text: &str) -> Result<(String, &str), String> {
    let text = text.trim_start();
    let inner = text.strip_prefix('"').ok_or("a filter argument that is not a quoted string")?;
    let mut end = None;
    let mut escaped = false;
    for (at, c) in inner.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => {
                end = Some(at);
                break;
            }
            _ => escaped = false,
        }
    }
    let end = end.ok_or("an unterminated quoted argument")?;
    let value = hurl_value(&text[..end + 2]).and_then(|v| v.as_str().map(str::to_string));
    Ok((value.ok_or("a quoted argument the importer cannot read")?, &inner[end + 1..]))
}

/// A Hurl value as JSON: a number, `true`/`false`/`null`, a `` `backtick string` ``, or a
/// quoted string whose `\u{E9}` escapes are Hurl's (JSON writes `\u00e9`).
pub fn hurl_value(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some(value);
    }
    if let Some(inner) = text.strip_prefix('`').and_then(|rest| rest.strip_suffix('`')).filter(|t| !t.is_empty()) {
        return Some(Value::String(inner.replace("\\`", "`")));
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut rest = inner;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('}')? + at;
        let code = u32::from_str_radix(&rest[at + 3..close], 16).ok().and_then(char::from_u32)?;
        // Written as JSON escapes, which the JSON reader below turns back into the character.
        for unit in code.encode_utf16(&mut [0u16; 2]) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    serde_json::from_str(&format!("\"{out}\"")).ok()
}

/// A line whose query is `variable "NAME"` with that query replaced by the one that captured
/// NAME in the same entry (`queries`), which reads the same response: so `variable "id" == 5`
/// after `id: jsonpath "$.id"` is `jsonpath "$.id" == 5`. A variable from an earlier entry or
/// the command line is a value this entry's response does not hold: not translated.
pub fn with_variable_expanded(
    line: &str,
    queries: &std::collections::HashMap<String, String>,
) -> Result<String, String> {
    let Some(rest) = line.strip_prefix("variable ") else { return Ok(line.to_string()) };
    let (name, after) = argument_string(rest)?;
    match queries.get(&name) {
        Some(query) => Ok(format!("{query}{after}")),
        None => Err(format!(
            "`variable \"{name}\"` is not a value this entry captures and carries over (it comes from an \
             earlier entry, the command line, or a capture left out); not translated"
        )),
    }
}
