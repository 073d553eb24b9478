//! Reading collection files: YAML or JSON text into a JSON value plus the position of every
//! node, so that any later problem (a type error, an unknown field, a bad reference) can be
//! reported as `file:line:column`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use yaml_rust2::Event;
use yaml_rust2::Yaml;
use yaml_rust2::parser::{MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One problem found in a file, with where it is and, when we can guess, what was meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub location: Location,
    /// Field path inside the document, such as `steps[1].assert[0].op`; empty for the root.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Location { line, column } = self.location;
        write!(f, "{}:{line}:{column}: ", self.file.display())?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Where each node of a parsed document starts, keyed by field path.
#[derive(Debug, Default)]
pub struct Positions {
    values: HashMap<String, Location>,
    keys: HashMap<String, Location>,
}

impl Positions {
    /// The position of the value at `path`, or of the nearest enclosing node that has one.
    pub fn of_value(&self, path: &str) -> Location {
        let mut path = path;
        loop {
            if let Some(location) = self.values.get(path).or_else(|| self.keys.get(path)) {
                return *location;
            }
            match parent_path(path) {
                Some(parent) => path = parent,
                None => return Location { line: 1, column: 1 },
            }
        }
    }

    /// The position of the key at `path` (for "unknown field" problems), else of its value.
    pub fn of_key(&self, path: &str) -> Location {
        match self.keys.get(path) {
            Some(location) => *location,
            None => self.of_value(path),
        }
    }
}

fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    Some(match path.rfind(['.', '[']) {
        Some(cut) => &path[..cut],
        None => "",
    })
}

/// Joins a field path and a map key.
pub fn child_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Joins a field path and a sequence index.
pub fn child_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A parsed file: its content as JSON and where each part of it came from.
#[derive(Debug)]
pub struct Document {
    pub file: PathBuf,
    pub value: Value,
    pub positions: Positions,
}

impl Document {
    /// Reads a file from disk; the format follows the extension (`.json` or YAML otherwise).
    pub fn read(path: &Path) -> Result<Document, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|err| Diagnostic {
            file: path.to_path_buf(),
            location: Location { line: 1, column: 1 },
            path: String::new(),
            message: format!("cannot read file: {err}"),
            hint: None,
        })?;
        Document::parse(path, &text)
    }

    /// Parses text already in memory; `file` names it in diagnostics and picks the format.
    pub fn parse(file: &Path, text: &str) -> Result<Document, Diagnostic> {
        let is_json = file
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        if is_json {
            let value: Value = serde_json::from_str(text).map_err(|err| Diagnostic {
                file: file.to_path_buf(),
                location: Location {
                    line: err.line().max(1),
                    column: err.column().max(1),
                },
                path: String::new(),
                message: format!("invalid JSON: {}", strip_serde_position(&err.to_string())),
                hint: None,
            })?;
            // JSON is YAML, so the YAML reader gives us positions; JSON that it cannot read
            // (rare escapes) still loads, with problems reported at the top of the file.
            let positions = read_yaml(text).map(|(_, p)| p).unwrap_or_default();
            return Ok(Document {
                file: file.to_path_buf(),
                value,
                positions,
            });
        }
        let (value, positions) = read_yaml(text).map_err(|(location, message)| Diagnostic {
            file: file.to_path_buf(),
            location,
            path: String::new(),
            message: format!("invalid YAML: {message}"),
            hint: None,
        })?;
        Ok(Document {
            file: file.to_path_buf(),
            value,
            positions,
        })
    }

    /// Deserializes the document into `T`, turning serde's error into a located diagnostic.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        serde_path_to_error::deserialize(&self.value).map_err(|err| {
            let path = field_path(err.path());
            let message = err.inner().to_string();
            // For an unknown field, the path ends with that field: point at the key.
            let location = match unknown_name(&message, "field") {
                Some(_) => self.positions.of_key(&path),
                None => self.positions.of_value(&path),
            };
            Diagnostic {
                file: self.file.clone(),
                location,
                path,
                hint: did_you_mean(&message),
                message,
            }
        })
    }

    /// A diagnostic about the value at `path`.
    pub fn problem(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            location: self.positions.of_value(path),
            path: path.to_string(),
            message: message.into(),
            hint: None,
        }
    }
}

fn strip_serde_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(cut) => &message[..cut],
        None => message,
    }
}

fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out = child_index(&out, *index),
            Segment::Map { key } => out = child_key(&out, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// Extracts `x` from serde's "unknown field `x`, expected ..." (or "unknown variant").
fn unknown_name(message: &str, what: &str) -> Option<String> {
    let rest = message.strip_prefix(&format!("unknown {what} `"))?;
    Some(rest[..rest.find('`')?].to_string())
}

/// Turns serde's list of expected names into a "did you mean" hint for the closest one.
fn did_you_mean(message: &str) -> Option<String> {
    let given = unknown_name(message, "field").or_else(|| unknown_name(message, "variant"))?;
    let (_, expected) = message.split_once("expected")?;
    let candidates = expected.split('`').skip(1).step_by(2);
    let best = suggest(&given, candidates)?;
    Some(format!("did you mean `{best}`?"))
}

/// The candidate closest to `given`, if any is close enough to be a likely typo.
pub fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| {
            (
                strsim::jaro_winkler(&given.to_lowercase(), candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Parses YAML into a JSON value, recording the position of every key and value.
fn read_yaml(text: &str) -> Result<(Value, Positions), (Location, String)> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|err| {
        let marker = err.marker();
        (to_location(marker), err.info().to_string())
    })?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok((builder.root.unwrap_or(Value::Null), builder.positions))
}

fn to_location(marker: &Marker) -> Location {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Location {
        line: marker.line().max(1),
        column: marker.col() + 1,
    }
}

enum Frame {
    Map {
        path: String,
        map: Map<String, Value>,
        key: Option<String>,
        anchor: usize,
    },
    Seq {
        path: String,
        items: Vec<Value>,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    positions: Positions,
    anchors: HashMap<usize, Value>,
    error: Option<(Location, String)>,
}

impl Builder {
    /// The path the next value will have, or `None` when the next scalar is a map key.
    fn next_value_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map {
                path,
                key: Some(key),
                ..
            }) => Some(child_key(path, key)),
            Some(Frame::Seq { path, items, .. }) => Some(child_index(path, items.len())),
        }
    }

    fn insert(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some(key) = key.take() {
                    map.insert(key, value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
        }
    }

    fn fail(&mut self, mark: Marker, message: &str) {
        if self.error.is_none() {
            self.error = Some((to_location(&mark), message.to_string()));
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let start = |builder: &mut Builder, complex: &str| match builder.next_value_path() {
            Some(path) => {
                if complex.starts_with("a sequence") {
                    builder
                        .positions
                        .values
                        .insert(path.clone(), to_location(&mark));
                }
                Some(path)
            }
            None => {
                builder.fail(mark, complex);
                None
            }
        };
        match event {
            Event::Scalar(text, style, anchor, _tag) => match self.next_value_path() {
                None => {
                    let Some(Frame::Map { path, key, .. }) = self.stack.last_mut() else {
                        return;
                    };
                    let location = to_location(&mark);
                    // A mapping is located at its first key: yaml-rust2 marks block mappings
                    // after that key, which reads oddly in messages.
                    if !self.positions.keys.contains_key(path.as_str()) {
                        self.positions
                            .values
                            .entry(path.clone())
                            .or_insert(location);
                    }
                    self.positions.keys.insert(child_key(path, &text), location);
                    *key = Some(text);
                }
                Some(path) => {
                    self.positions.values.insert(path, to_location(&mark));
                    let value = scalar(text, style);
                    if anchor > 0 {
                        self.anchors.insert(anchor, value.clone());
                    }
                    self.insert(value);
                }
            },
            Event::MappingStart(anchor, _) => {
                if let Some(path) = start(self, "a mapping cannot be used as a key") {
                    self.stack.push(Frame::Map {
                        path,
                        map: Map::new(),
                        key: None,
                        anchor,
                    });
                }
            }
            Event::SequenceStart(anchor, _) => {
                if let Some(path) = start(self, "a sequence cannot be used as a key") {
                    self.stack.push(Frame::Seq {
                        path,
                        items: Vec::new(),
                        anchor,
                    });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.insert(value);
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).cloned() {
                Some(value) if self.next_value_path().is_some() => {
                    start(self, "");
                    self.insert(value);
                }
                _ => self.fail(
                    mark,
                    "an alias must refer to an earlier anchor and not be a key",
                ),
            },
            _ => {}
        }
    }
}

fn scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match Yaml::from_str(&text) {
        Yaml::Integer(int) => Value::Number(int.into()),
        Yaml::Real(real) => real
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::String(text), Value::Number),
        Yaml::Boolean(boolean) => Value::Bool(boolean),
        Yaml::Null => Value::Null,
        _ => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_positions_point_at_keys_and_values() {
        let text = "name: demo\nsteps:\n  - request:\n      url: http://x\n";
        let doc = Document::parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(doc.value["steps"][0]["request"]["url"], "http://x");
        assert_eq!(
            doc.positions.of_value("name"),
            Location { line: 1, column: 7 }
        );
        assert_eq!(
            doc.positions.of_value("steps[0].request.url"),
            Location {
                line: 4,
                column: 12
            }
        );
        assert_eq!(
            doc.positions.of_key("steps[0].request.url"),
            Location { line: 4, column: 7 }
        );
        // An unknown path falls back to its nearest known parent.
        assert_eq!(
            doc.positions.of_value("steps[0].request.nope"),
            Location { line: 3, column: 5 }
        );
        assert_eq!(
            doc.positions.of_value("steps[0]"),
            Location { line: 3, column: 5 }
        );
    }

    #[test]
    fn yaml_scalars_keep_their_types() {
        let text = "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: hello\n";
        let doc = Document::parse(Path::new("c.yml"), text).unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"a":1,"b":1.5,"c":true,"d":null,"e":"1","f":"hello"})
        );
    }

    #[test]
    fn yaml_anchors_and_aliases_are_expanded() {
        let text = "h: &h {A: b}\nx: *h\n";
        let doc = Document::parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(doc.value["x"], serde_json::json!({"A": "b"}));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = Document::parse(Path::new("bad.yaml"), "a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
        assert!(err.message.contains("invalid YAML"), "{err}");
        let err =
            Document::parse(Path::new("bad.json"), "{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(err.location, Location { line: 3, column: 7 });
    }

    #[test]
    fn json_documents_get_positions_too() {
        let text = "{\n  \"name\": \"x\",\n  \"steps\": [\n    {\"url\": 1}\n  ]\n}";
        let doc = Document::parse(Path::new("c.json"), text).unwrap();
        assert_eq!(doc.positions.of_value("steps[0].url").line, 4);
    }

    #[test]
    fn suggestions_pick_the_closest_name() {
        let names = ["method", "url", "headers"];
        assert_eq!(suggest("metod", names.into_iter()), Some("method"));
        assert_eq!(suggest("zzz", names.into_iter()), None);
    }
}
