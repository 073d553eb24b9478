//! YAML text into a JSON value, optionally recording where every key and value starts.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{Event, Yaml};

use super::{Location, Positions, child_index, child_key};

/// Parses YAML. With `record`, also returns the positions of every node (slower: a path
/// string per node), which is only needed once a problem has to be located.
pub fn read(text: &str, record: bool) -> Result<(Value, Positions), (Location, String)> {
    let mut builder = Builder { record, ..Builder::default() };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|err| (to_location(err.marker()), err.info().to_string()))?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok((builder.root.unwrap_or(Value::Null), builder.positions))
}

fn to_location(marker: &Marker) -> Location {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Location { line: marker.line().max(1), column: marker.col() + 1 }
}

enum Frame {
    Map { path: String, map: Map<String, Value>, key: Option<String>, anchor: usize },
    Seq { path: String, items: Vec<Value>, anchor: usize },
}

#[derive(Default)]
struct Builder {
    record: bool,
    stack: Vec<Frame>,
    root: Option<Value>,
    positions: Positions,
    /// Each anchor's value and how many values it holds.
    anchors: HashMap<usize, (Value, usize)>,
    /// Values copied in by aliases so far, against [`MAX_ALIAS_VALUES`].
    aliased: usize,
    error: Option<(Location, String)>,
}

/// How many values aliases may copy into one document. Definition files use a few anchors
/// for shared headers; nine levels of nine aliases (600 bytes) would otherwise expand to
/// 387 million values.
pub const MAX_ALIAS_VALUES: usize = 100_000;

/// Where the next event goes: a map key, or a value (with its path when recording).
enum Slot {
    Key,
    Value(String),
}

impl Builder {
    fn next_slot(&self) -> Slot {
        let path = |make: &dyn Fn() -> String| if self.record { make() } else { String::new() };
        match self.stack.last() {
            None => Slot::Value(String::new()),
            Some(Frame::Map { key: None, .. }) => Slot::Key,
            Some(Frame::Map { path: parent, key: Some(key), .. }) => Slot::Value(path(&|| child_key(parent, key))),
            Some(Frame::Seq { path: parent, items, .. }) => Slot::Value(path(&|| child_index(parent, items.len()))),
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

    fn key(&mut self, text: String, mark: Marker) {
        let Some(Frame::Map { path, key, .. }) = self.stack.last_mut() else { return };
        if self.record {
            let location = to_location(&mark);
            // A mapping is located at its first key: yaml-rust2 marks block mappings after
            // that key, which reads oddly in messages.
            if !self.positions.keys.contains_key(path.as_str()) {
                self.positions.values.entry(path.clone()).or_insert(location);
            }
            self.positions.keys.insert(child_key(path, &text), location);
        }
        *key = Some(text);
    }

    fn remember(&mut self, anchor: usize, value: &Value) {
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), count_values(value)));
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::Scalar(text, style, anchor, _tag) => match self.next_slot() {
                Slot::Key => self.key(text, mark),
                Slot::Value(path) => {
                    if self.record {
                        self.positions.values.insert(path, to_location(&mark));
                    }
                    let value = scalar(text, style);
                    self.remember(anchor, &value);
                    self.insert(value);
                }
            },
            Event::MappingStart(anchor, _) => match self.next_slot() {
                Slot::Key => self.fail(mark, "a mapping cannot be used as a key"),
                Slot::Value(path) => self.stack.push(Frame::Map { path, map: Map::new(), key: None, anchor }),
            },
            Event::SequenceStart(anchor, _) => match self.next_slot() {
                Slot::Key => self.fail(mark, "a sequence cannot be used as a key"),
                Slot::Value(path) => {
                    if self.record {
                        self.positions.values.insert(path.clone(), to_location(&mark));
                    }
                    self.stack.push(Frame::Seq { path, items: Vec::new(), anchor });
                }
            },
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    None => return,
                };
                self.remember(anchor, &value);
                self.insert(value);
            }
            Event::Alias(anchor) => match (self.anchors.get(&anchor), self.next_slot()) {
                (Some((_, count)), Slot::Value(_)) if self.aliased + count > MAX_ALIAS_VALUES => {
                    let message = format!("aliases here expand to more than {MAX_ALIAS_VALUES} values");
                    self.fail(mark, &message)
                }
                (Some((value, count)), Slot::Value(path)) => {
                    let value = value.clone();
                    self.aliased += count;
                    if self.record {
                        self.positions.values.insert(path, to_location(&mark));
                    }
                    self.insert(value);
                }
                _ => self.fail(mark, "an alias must refer to an earlier anchor and not be a key"),
            },
            _ => {}
        }
    }
}

/// The number of values in `value`, itself included.
fn count_values(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_values).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(count_values).sum::<usize>(),
        _ => 1,
    }
}

fn scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    // Most plain scalars are words: resolving them through yaml-rust2 would copy each one.
    let may_be_typed = text.is_empty()
        || text.starts_with(|c: char| {
            c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | '~' | 'n' | 'N' | 't' | 'T' | 'f' | 'F')
        });
    if !may_be_typed {
        return Value::String(text);
    }
    match Yaml::from_str(&text) {
        Yaml::Integer(int) => Value::Number(int.into()),
        Yaml::Real(real) => {
            real.parse::<f64>().ok().and_then(Number::from_f64).map_or(Value::String(text), Value::Number)
        }
        Yaml::Boolean(boolean) => Value::Bool(boolean),
        Yaml::Null => Value::Null,
        _ => Value::String(text),
    }
}

/// A JSON value as YAML text (for `skopos export`): block style, strings quoted wherever
/// YAML would otherwise read them as something else, so [`read`] gives the value back.
///
/// Strings with line breaks are written as `|` blocks, which read best, when that reads
/// back as the same value; YAML's block scalars cannot hold every string (`"\n"` alone,
/// trailing blank lines, a first line indented by spaces), so otherwise every string is
/// written quoted, with escapes.
pub fn write(value: &Value) -> String {
    let yaml = to_yaml(value);
    let blocks = emit(&yaml, true);
    if read(&blocks, false).is_ok_and(|(back, _)| back == *value) { blocks } else { emit(&yaml, false) }
}

fn emit(yaml: &Yaml, multiline_strings: bool) -> String {
    let mut text = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut text);
    emitter.multiline_strings(multiline_strings);
    emitter.dump(yaml).expect("writing to a String cannot fail");
    // The emitter starts documents with `---` and ends without a newline.
    let body = text.strip_prefix("---\n").unwrap_or(&text);
    format!("{body}\n")
}

fn to_yaml(value: &Value) -> Yaml {
    match value {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
        Value::Object(map) => Yaml::Hash(map.iter().map(|(k, v)| (Yaml::String(k.clone()), to_yaml(v))).collect()),
    }
}
