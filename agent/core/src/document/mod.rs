//! Reading collection files: YAML or JSON text into a JSON value plus the position of every
//! node, so that any later problem (a type error, an unknown field, a bad reference) can be
//! reported as `file:line:column`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::Value;

#[cfg(test)]
mod round_trip;
mod yaml;

pub use yaml::write as write_yaml;

/// The largest definition file read. A collection of thousands of steps is a few MiB.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

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
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// Joins a field path and a sequence index.
pub fn child_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A parsed file: its content as JSON, and (computed when first needed) where each part of
/// it came from.
#[derive(Debug)]
pub struct Document {
    pub file: PathBuf,
    pub value: Value,
    text: String,
    positions: OnceLock<Positions>,
}

impl Document {
    /// Reads a file from disk; the format follows the extension (`.json` or YAML otherwise).
    /// Reads a file from disk ([`read_text`]); the format follows the extension (`.json` or
    /// YAML otherwise).
    pub fn read(path: &Path) -> Result<Document, Diagnostic> {
        Document::parse(path, read_text(path)?)
    }

    /// Parses text already in memory; `file` names it in diagnostics and picks the format.
    pub fn parse(file: &Path, text: impl Into<String>) -> Result<Document, Diagnostic> {
        let text = text.into();
        let value = yaml_or_json(file, &text)?;
        Ok(Document { file: file.to_path_buf(), value, text, positions: OnceLock::new() })
    }

    /// Where each node starts. Worked out on first use, by reading the text again: files
    /// without problems never pay for it. JSON is YAML, so one reader serves both; JSON that
    /// it cannot read (rare escapes) has its problems reported at the top of the file.
    pub fn positions(&self) -> &Positions {
        self.positions.get_or_init(|| {
            // JSON may be indented with tabs, which YAML forbids; a space keeps every column.
            let text =
                if is_json(&self.file) { Cow::Owned(self.text.replace('\t', " ")) } else { Cow::Borrowed(&*self.text) };
            yaml::read(&text, true).map(|(_, p)| p).unwrap_or_default()
        })
    }

    /// Moves the content out into `T`, turning serde's error into a located diagnostic.
    /// Afterwards `value` is null: the text stays, for locating later problems, but a large
    /// file's JSON tree is not kept alive beside the model made from it.
    pub fn deserialize<T: DeserializeOwned>(&mut self) -> Result<T, Diagnostic> {
        let value = std::mem::take(&mut self.value);
        // The fast path; only a failure is worth tracking field paths for.
        if let Ok(model) = T::deserialize(value) {
            return Ok(model);
        }
        self.value = yaml_or_json(&self.file, &self.text)?;
        serde_path_to_error::deserialize(&self.value).map_err(|err| {
            let path = field_path(err.path());
            let message = err.inner().to_string();
            // For an unknown field, the path ends with that field: point at the key.
            let location = match unknown_name(&message, "field") {
                Some(_) => self.positions().of_key(&path),
                None => self.positions().of_value(&path),
            };
            let location = inside(&self.text, location);
            Diagnostic { file: self.file.clone(), location, path, hint: did_you_mean(&message), message }
        })
    }

    /// A diagnostic about the value at `path`.
    pub fn problem(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            location: inside(&self.text, self.positions().of_value(path)),
            path: path.to_string(),
            message: message.into(),
            hint: None,
        }
    }
}

/// A definition or import file's text. Files larger than [`MAX_FILE_BYTES`] are refused
/// before they are read; UTF-16 and byte-order marks are understood ([`decode`]).
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let problem = |message: String| Diagnostic {
        file: path.to_path_buf(),
        location: Location { line: 1, column: 1 },
        path: String::new(),
        message,
        hint: None,
    };
    let size = std::fs::metadata(path).map_err(|err| problem(format!("cannot read file: {err}")))?.len();
    if size > MAX_FILE_BYTES {
        let mib = MAX_FILE_BYTES >> 20;
        return Err(problem(format!("the file is {size} bytes; definition files are at most {mib} MiB")));
    }
    let bytes = std::fs::read(path).map_err(|err| problem(format!("cannot read file: {err}")))?;
    decode(bytes).map_err(problem)
}

/// A file's text: UTF-8 (a byte-order mark is dropped), or UTF-16 with its byte-order mark,
/// as Windows tools often save exports.
fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest.chunks(2).map(|pair| from([pair[0], *pair.get(1).unwrap_or(&0)])).collect();
        String::from_utf16(&units).map_err(|_| "the file starts as UTF-16 but is not valid UTF-16".to_string())
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).map_err(|e| not_utf8(&e)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes).map_err(|e| not_utf8(&e)),
    }
}

fn not_utf8(error: &std::string::FromUtf8Error) -> String {
    format!("the file is not UTF-8 text (byte {} is not)", error.utf8_error().valid_up_to())
}

fn is_json(file: &Path) -> bool {
    file.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Parses `text` as JSON (a `.json` file) or YAML (anything else).
fn yaml_or_json(file: &Path, text: &str) -> Result<Value, Diagnostic> {
    let value = if is_json(file) {
        serde_json::from_str(text).map_err(|err| Diagnostic {
            file: file.to_path_buf(),
            location: Location { line: err.line().max(1), column: err.column().max(1) },
            path: String::new(),
            message: format!("invalid JSON: {}", strip_serde_position(&err.to_string())),
            hint: None,
        })?
    } else {
        yaml::read(text, false)
            .map_err(|(location, message)| Diagnostic {
                file: file.to_path_buf(),
                location: inside(text, location),
                path: String::new(),
                message: format!("invalid YAML: {message}"),
                hint: None,
            })?
            .0
    };
    Ok(value)
}

/// `location`, or the end of the text when it lies past it: the YAML reader reports an
/// unclosed `{` or `[`, or an empty last value, on the line after the last one (found by
/// `fuzz/collection_file`).
fn inside(text: &str, location: Location) -> Location {
    // Line breaks as YAML counts them: `\n`, `\r\n` and a lone `\r`.
    let lines: Vec<&str> = text.split("\r\n").flat_map(|piece| piece.split(['\n', '\r'])).collect();
    if location.line <= lines.len() {
        return location;
    }
    let last = lines.last().copied().unwrap_or_default();
    Location { line: lines.len().max(1), column: last.chars().count() + 1 }
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

/// A readable name from `text` that is not yet in `taken`: `text` in lower case with each run
/// of characters that are not `keep` ones as one `-` (`fallback` when nothing is left), shaped
/// by `shape`, with `-2`, `-3`, ... added to the slug while the shaped name is taken. The name
/// returned is added to `taken`.
pub fn unique_slug(
    text: &str,
    keep: impl Fn(char) -> bool,
    fallback: &str,
    shape: impl Fn(&str) -> String,
    taken: &mut std::collections::HashSet<String>,
) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if keep(c) {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = match slug.trim_matches('-') {
        "" => fallback,
        trimmed => trimmed,
    };
    let mut name = shape(slug);
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = shape(&format!("{slug}-{n}"));
        n += 1;
    }
    name
}

/// The candidate closest to `given`, if any is close enough to be a likely typo.
pub fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(&given.to_lowercase(), candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_flow_mapping_at_the_end_is_located_inside_the_file() {
        // The input `fuzz/collection_file` found: the reader pointed at line 3 of 2.
        let problem = Document::parse(Path::new("a.yaml"), "name: nightly\nscheaders\": {ron:\u{659}").unwrap_err();
        assert_eq!(problem.location, Location { line: 2, column: 19 }, "just past the last character");
        assert!(problem.message.contains("flow mapping"), "{}", problem.message);
        let problem = Document::parse(Path::new("a.yaml"), "a: [1,\r").unwrap_err();
        assert!(problem.location.line <= 2, "{problem:?}");
        // An empty last value, which the reader places on the next line.
        let mut document = Document::parse(Path::new("a.yaml"), "name: ").unwrap();
        let problem = document.deserialize::<crate::model::Collection>().unwrap_err();
        assert_eq!((problem.path.as_str(), problem.location), ("name", Location { line: 1, column: 7 }));
    }

    #[test]
    fn yaml_positions_point_at_keys_and_values() {
        let text = "name: demo\nsteps:\n  - request:\n      url: http://x\n";
        let doc = Document::parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(doc.value["steps"][0]["request"]["url"], "http://x");
        assert_eq!(doc.positions().of_value("name"), Location { line: 1, column: 7 });
        assert_eq!(doc.positions().of_value("steps[0].request.url"), Location { line: 4, column: 12 });
        assert_eq!(doc.positions().of_key("steps[0].request.url"), Location { line: 4, column: 7 });
        // An unknown path falls back to its nearest known parent.
        assert_eq!(doc.positions().of_value("steps[0].request.nope"), Location { line: 3, column: 5 });
        assert_eq!(doc.positions().of_value("steps[0]"), Location { line: 3, column: 5 });
    }

    #[test]
    fn written_yaml_reads_back_as_the_same_value() {
        let value = serde_json::json!({
            "name": "checkout: flow #1", "n": 200, "x": 0.25, "big": 1e300, "yes": "yes", "null": "Null", "empty": "",
            "template": "@{{login.body.token}}", "number_text": "200", "lines": "one\ntwo\n", "tab": "a\tb",
            "unicode": "café ✓", "list": [], "map": {}, "nested": [{"a": [1, "-1", true, null]}], "spaced": " x ",
        });
        let text = write_yaml(&value);
        let doc = Document::parse(Path::new("export.yaml"), text.clone()).unwrap();
        assert_eq!(doc.value, value, "{text}");
    }

    #[test]
    fn yaml_scalars_keep_their_types() {
        let text = "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: hello\ng: -3\nh: .5\ni: 0x1F\nj: Null\nk: tru\nl: FALSE\nm: .inf\nn: no\n";
        let doc = Document::parse(Path::new("c.yml"), text).unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"a": 1, "b": 1.5, "c": true, "d": null, "e": "1", "f": "hello", "g": -3, "h": 0.5,
                               "i": 31, "j": "Null", "k": "tru", "l": false, "m": ".inf", "n": "no"})
        );
    }

    #[test]
    fn yaml_anchors_and_aliases_are_expanded() {
        let text = "h: &h {A: b}\nx: *h\n";
        let doc = Document::parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(doc.value["x"], serde_json::json!({"A": "b"}));
    }

    /// Nine levels of nine aliases: 600 bytes that expand to 387 million values.
    #[test]
    fn an_alias_bomb_is_refused_at_once() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..=9 {
            let previous = format!("*a{}", level - 1);
            text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![previous; 9].join(", ")));
        }
        let started = std::time::Instant::now();
        let problem = Document::parse(Path::new("bomb.yaml"), text).unwrap_err();
        assert!(problem.message.contains("expand to more than 100000 values"), "{problem}");
        assert_eq!(problem.location.line, 6, "{problem}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let big = tempfile_with(&vec![b' '; (MAX_FILE_BYTES + 1) as usize]);
        let problem = Document::read(&big).unwrap_err();
        assert!(problem.message.contains("at most 16 MiB"), "{problem}");
        std::fs::remove_file(big).unwrap();
    }

    /// Exports saved by Windows tools: a UTF-8 byte-order mark, or UTF-16 either way round.
    #[test]
    fn byte_order_marks_and_utf16_files_are_read() {
        let text = "{\"name\": \"café\"}";
        let utf16 = |little: bool| {
            let mut bytes = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for unit in text.encode_utf16() {
                bytes.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
            }
            bytes
        };
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        for bytes in [with_bom, utf16(true), utf16(false), text.as_bytes().to_vec()] {
            let file = tempfile_with(&bytes);
            let document = Document::read(&file).unwrap_or_else(|p| panic!("{p}"));
            assert_eq!(document.value["name"], "café");
            std::fs::remove_file(file).unwrap();
        }
        let file = tempfile_with(b"name: \xff\n");
        let problem = Document::read(&file).unwrap_err();
        assert_eq!(problem.message, "the file is not UTF-8 text (byte 6 is not)");
        std::fs::remove_file(file).unwrap();
    }

    fn tempfile_with(bytes: &[u8]) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("skopos-document-{}-{number}.yaml", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = Document::parse(Path::new("bad.yaml"), "a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
        assert!(err.message.contains("invalid YAML"), "{err}");
        let err = Document::parse(Path::new("bad.json"), "{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(err.location, Location { line: 3, column: 7 });
    }

    #[test]
    fn tab_indented_json_is_located() {
        let text = "{\n\t\"name\": \"x\",\n\t\"steps\": [\n\t\t{\"url\": 1}\n\t]\n}";
        let doc = Document::parse(Path::new("c.json"), text).unwrap();
        assert_eq!(doc.positions().of_value("steps[0].url"), Location { line: 4, column: 11 });
    }

    #[test]
    fn json_documents_get_positions_too() {
        let text = "{\n  \"name\": \"x\",\n  \"steps\": [\n    {\"url\": 1}\n  ]\n}";
        let doc = Document::parse(Path::new("c.json"), text).unwrap();
        assert_eq!(doc.positions().of_value("steps[0].url").line, 4);
    }

    #[test]
    fn suggestions_pick_the_closest_name() {
        let names = ["method", "url", "headers"];
        assert_eq!(suggest("metod", names.into_iter()), Some("method"));
        assert_eq!(suggest("zzz", names.into_iter()), None);
    }
}
