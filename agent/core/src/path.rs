//! Paths into JSON documents: a dot path with indexes (`items[0].qty`, `data.user.id`,
//! `items[-1]`) or, when it starts with `$`, an RFC 9535 JSONPath.

use std::fmt;

use serde_json::Value;
use serde_json_path::JsonPath;

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    /// Negative indexes count from the end.
    Index(i64),
}

#[derive(Debug, Clone)]
pub enum PropertyPath {
    Dot(Vec<Segment>),
    /// `singular`: the path can match at most one node (names and indexes only), so no
    /// match is a missing value, as for a dot path, rather than an empty list of matches.
    JsonPath {
        path: Box<JsonPath>,
        singular: bool,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    #[error("empty path")]
    Empty,
    #[error("invalid path `{path}`: {reason}")]
    Invalid { path: String, reason: String },
    #[error("invalid JSONPath `{path}`: {reason}")]
    JsonPath { path: String, reason: String },
}

/// What a path found in a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<'a> {
    /// A dot path that resolved, or a JSONPath with exactly one match.
    One(&'a Value),
    /// A JSONPath with zero or several matches.
    Many(Vec<&'a Value>),
    /// A dot path that did not resolve; `at` is the prefix that did.
    Missing { at: String },
}

impl Found<'_> {
    /// The number of matched nodes (what the `count` operator compares).
    pub fn count(&self) -> usize {
        match self {
            Found::One(_) => 1,
            Found::Many(nodes) => nodes.len(),
            Found::Missing { .. } => 0,
        }
    }

    /// The value as an owned JSON value: a single node, or an array of the matches.
    pub fn to_value(&self) -> Option<Value> {
        match self {
            Found::One(value) => Some((*value).clone()),
            Found::Many(nodes) => Some(Value::Array(nodes.iter().map(|v| (*v).clone()).collect())),
            Found::Missing { .. } => None,
        }
    }
}

/// The JSONPath parser's time doubles with each level of nested brackets (filters in
/// filters: 20 levels took 7 s, found by `fuzz/path`); real paths nest two or three.
const MAX_BRACKET_DEPTH: usize = 10;

/// How deep `[` brackets nest in `text`, outside quoted names; an error for an escape the
/// parser would choke on.
fn bracket_depth(text: &str) -> Result<usize, String> {
    let (mut depth, mut deepest, mut quote) = (0usize, 0, None);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                // serde_json_path 0.7 panics on a `\u` without four hex digits (`fuzz/path`).
                if chars.next() == Some('u') && !(0..4).all(|_| chars.next().is_some_and(|c| c.is_ascii_hexdigit())) {
                    return Err("`\\u` in a quoted name needs four hex digits".into());
                }
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ']') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    Ok(deepest)
}

/// Whether a JSONPath selects by names and indexes only (`$.a['b c'][0]`): no descendant
/// `..`, wildcard, filter, slice or list of selectors outside quoted names.
pub fn is_singular(text: &str) -> bool {
    let mut quote = None;
    let mut previous = ' ';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '*' | '?' | ':' | ',') => return false,
            (None, '.') if previous == '.' => return false,
            (None, _) => {}
        }
        previous = c;
    }
    true
}

impl PropertyPath {
    pub fn parse(text: &str) -> Result<PropertyPath, PathError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PathError::Empty);
        }
        if text.starts_with('$') {
            let depth = bracket_depth(text).map_err(|reason| PathError::JsonPath { path: text.to_string(), reason })?;
            if depth > MAX_BRACKET_DEPTH {
                let reason = format!("brackets nest {depth} deep; at most {MAX_BRACKET_DEPTH} are allowed");
                return Err(PathError::JsonPath { path: text.to_string(), reason });
            }
            // serde_json_path 0.7 panics on some malformed input (an unfinished `\u` escape
            // in a quoted name, found by `fuzz/path`): that is a parse error too.
            let parsed = std::panic::catch_unwind(|| JsonPath::parse(text))
                .unwrap_or_else(|_| Err(JsonPath::parse("$[").expect_err("`$[` is not a JSONPath")));
            return parsed
                .map(|path| PropertyPath::JsonPath { path: Box::new(path), singular: is_singular(text) })
                .map_err(|err| PathError::JsonPath { path: text.to_string(), reason: err.to_string() });
        }
        parse_dot(text).map(PropertyPath::Dot)
    }

    pub fn find<'a>(&self, document: &'a Value) -> Found<'a> {
        match self {
            PropertyPath::JsonPath { path, singular } => {
                let nodes = path.query(document).all();
                match nodes.len() {
                    1 => Found::One(nodes[0]),
                    0 if *singular => Found::Missing { at: String::new() },
                    _ => Found::Many(nodes),
                }
            }
            PropertyPath::Dot(segments) => {
                let mut current = document;
                for (depth, segment) in segments.iter().enumerate() {
                    let next = match segment {
                        Segment::Key(key) => current.get(key),
                        Segment::Index(index) => current.as_array().and_then(|items| {
                            let len = items.len() as i64;
                            let at = if *index < 0 { len + index } else { *index };
                            usize::try_from(at).ok().and_then(|at| items.get(at))
                        }),
                    };
                    match next {
                        Some(value) => current = value,
                        None => {
                            return Found::Missing { at: display_dot(&segments[..depth]) };
                        }
                    }
                }
                Found::One(current)
            }
        }
    }
}

impl fmt::Display for PropertyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyPath::JsonPath { path, .. } => write!(f, "{path}"),
            PropertyPath::Dot(segments) => f.write_str(&display_dot(segments)),
        }
    }
}

fn display_dot(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn parse_dot(text: &str) -> Result<Vec<Segment>, PathError> {
    let invalid = |reason: &str| PathError::Invalid { path: text.to_string(), reason: reason.into() };
    let mut segments = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']').ok_or_else(|| invalid("`[` without `]`"))?;
            let index = after[..close]
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid("an index must be an integer, like [0] or [-1]"))?;
            segments.push(Segment::Index(index));
            rest = &after[close + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return Err(invalid("empty key"));
            }
            segments.push(Segment::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
        if let Some(after) = rest.strip_prefix('.') {
            if after.is_empty() {
                return Err(invalid("trailing `.`"));
            }
            rest = after;
        } else if !rest.is_empty() && !rest.starts_with('[') {
            return Err(invalid("expected `.` or `[`"));
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `$['a b']` that matches nothing is a missing value (so `ne null` fails on it, as on
    /// `a_b`); `$..a` that matches nothing is an empty list of matches.
    #[test]
    fn a_singular_jsonpath_without_a_match_is_missing() {
        let document = json!({"a b": null, "list": [{"n": 1}]});
        let find = |path: &str| PropertyPath::parse(path).unwrap().find(&document).clone();
        assert_eq!(find("$['a b']"), Found::One(&Value::Null));
        assert!(matches!(find("$['c d']"), Found::Missing { .. }));
        assert!(matches!(find("$.list[3].n"), Found::Missing { .. }));
        assert_eq!(find("$..zz"), Found::Many(vec![]));
        assert_eq!(find("$.list[*].zz"), Found::Many(vec![]));
        for (path, singular) in [
            ("$.a.b[0]", true),
            ("$['x..y,z*']", true),
            ("$..a", false),
            ("$.a[*]", false),
            ("$.a[?@.b]", false),
            ("$.a[0:2]", false),
            ("$.a[0,1]", false),
        ] {
            assert_eq!(is_singular(path), singular, "{path}");
        }
    }

    #[test]
    fn a_jsonpath_the_parser_panics_on_is_an_error() {
        // What `fuzz/path` found: serde_json_path panics ("we do not use streaming parsers").
        let error = PropertyPath::parse("$.ms[\".\\u").unwrap_err();
        assert!(error.to_string().starts_with("invalid JSONPath `$.ms[\".\\u`"), "{error}");
        assert!(error.to_string().ends_with("needs four hex digits"), "refused before the parser: {error}");
        assert!(PropertyPath::parse("$[\"caf\\u00e9\"]").is_ok());
    }

    #[test]
    fn deeply_nested_jsonpath_filters_are_refused_before_the_parser_sees_them() {
        // What `fuzz/path` found: nested filters that kept the parser busy for seconds.
        let found = "$.t[?@.qtems[?@.qt[?$[?@.qtems[?$[?@.qte[?@.qt[?$[?@.qtems[?$[?$.t[?@.qtems[?@.qt[?$[?@.qtems[?$";
        let started = std::time::Instant::now();
        let error = PropertyPath::parse(found).unwrap_err().to_string();
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
        assert!(error.contains("brackets nest 16 deep; at most 10 are allowed"), "{error}");
        // Real paths, quoted brackets and ten levels still parse.
        assert!(PropertyPath::parse("$.items[?@.tags[?@ == 'a[[[[[[[[[[[b']].id").is_ok());
        assert!(PropertyPath::parse(&format!("$.a{}", "[0]".repeat(30))).is_ok());
        assert_eq!(bracket_depth(&format!("$.a{}{}", "[?@.b".repeat(10), "]".repeat(10))), Ok(10));
    }

    fn doc() -> Value {
        json!({"items": [{"qty": 2}, {"qty": 5}], "data": {"user": {"id": 7}}, "a.b": 1})
    }

    fn find(path: &str) -> Option<Value> {
        PropertyPath::parse(path).unwrap().find(&doc()).to_value()
    }

    #[test]
    fn dot_paths_with_indexes() {
        assert_eq!(find("items[0].qty"), Some(json!(2)));
        assert_eq!(find("items[-1].qty"), Some(json!(5)));
        assert_eq!(find("data.user.id"), Some(json!(7)));
        assert_eq!(find("items"), Some(doc()["items"].clone()));
        assert_eq!(find("items[2]"), None);
        assert_eq!(find("items[-3]"), None);
    }

    #[test]
    fn missing_reports_the_part_that_resolved() {
        let path = PropertyPath::parse("data.user.name.first").unwrap();
        assert_eq!(path.find(&doc()), Found::Missing { at: "data.user".into() });
        let path = PropertyPath::parse("nope").unwrap();
        assert_eq!(path.find(&doc()), Found::Missing { at: "".into() });
    }

    #[test]
    fn jsonpath_single_and_multiple_matches() {
        assert_eq!(find("$.data.user.id"), Some(json!(7)));
        assert_eq!(find("$.items[*].qty"), Some(json!([2, 5])));
        let path = PropertyPath::parse("$.items[?@.qty > 1]").unwrap();
        assert_eq!(path.find(&doc()).count(), 2);
        let path = PropertyPath::parse("$.nothing").unwrap();
        assert_eq!(path.find(&doc()).count(), 0);
    }

    #[test]
    fn invalid_paths_are_explained() {
        assert_eq!(PropertyPath::parse(" ").unwrap_err(), PathError::Empty);
        let err = PropertyPath::parse("items[x]").unwrap_err().to_string();
        assert_eq!(err, "invalid path `items[x]`: an index must be an integer, like [0] or [-1]");
        assert!(PropertyPath::parse("items[0").is_err());
        assert!(PropertyPath::parse("a..b").is_err());
        assert!(PropertyPath::parse("a.").is_err());
        let err = PropertyPath::parse("$.items[?").unwrap_err().to_string();
        assert!(err.starts_with("invalid JSONPath `$.items[?`"), "{err}");
    }

    #[test]
    fn display_round_trips() {
        assert_eq!(PropertyPath::parse("items[-1].qty").unwrap().to_string(), "items[-1].qty");
    }
}
