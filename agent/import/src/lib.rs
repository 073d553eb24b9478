//! `skopos import`: checks people already have, made into collections. Each importer gives
//! [`Imported`] collections with notes on everything it could not carry over; nothing is
//! dropped without a note. The collections are checked as any file is before they are written.

mod curl;
mod grpcurl;
mod har;
mod hurl;
mod js;
mod js_regex;
mod openapi;
mod postman;
mod script;
mod templates;
mod variables;

pub use curl::import as import_curl;
pub use grpcurl::import as import_grpcurl;
pub use har::import as import_har;
pub use hurl::{Options as HurlOptions, import as import_hurl, import_with as import_hurl_with};
pub use openapi::import as import_openapi;
pub use postman::{Options as PostmanOptions, import as import_postman};
pub use templates::{Templates, variable_key};

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use skopos_core::interpolate::Template;

/// Redirects curl follows with `-L` unless `--max-redirs` says otherwise; Hurl, built on
/// libcurl, takes the same number.
const CURL_MAX_REDIRECTS: u32 = 50;

/// A redirect limit as curl's `--max-redirs` and Hurl's `max-redirs` write it, when a step can
/// hold it (`-1`, unlimited, cannot).
fn max_redirects(written: &str) -> Option<u32> {
    written.parse().ok().filter(|most| *most <= skopos_core::model::REDIRECTS_LIMIT)
}

/// One collection made by an importer.
#[derive(Debug)]
pub struct Imported {
    pub name: String,
    pub variables: Map<String, Value>,
    /// Steps in the file format.
    pub steps: Vec<Value>,
    /// The collection's `script` (its scripts and scopes), when imported with scripts.
    pub script: Option<Value>,
    /// Its `defaults`, when the source has any to carry (Postman goes on past a request
    /// that gets no response).
    pub defaults: Map<String, Value>,
    /// What was not carried over, each starting with where it was (`step 2 'login': ...`).
    pub notes: Vec<String>,
    /// Where each step and each of its assertions came from in the source, for notes.
    origins: Vec<Origin>,
    /// The folder the collection is written to: paths in it (file parts) are checked there.
    pub dir: Option<std::path::PathBuf>,
}

/// Where a step is in the source (`step 2 (GET line 14)`), and each of its assertions
/// (`line 17`) when the source has lines.
#[derive(Debug)]
struct Origin {
    step: String,
    assertions: Vec<Option<String>>,
}

impl Imported {
    pub fn new(name: String) -> Imported {
        Imported {
            name,
            variables: Map::new(),
            steps: Vec::new(),
            script: None,
            defaults: Map::new(),
            notes: Vec::new(),
            origins: Vec::new(),
            dir: None,
        }
    }

    pub fn note(&mut self, place: &str, message: String) {
        self.notes.push(format!("{place}: {message}"));
    }

    /// Adds a step with its assertions (with none, the step has no `assert`); `origin` says
    /// where it is in the source (`step 2 (GET line 14)`).
    pub fn push_step(&mut self, origin: &str, step: Value, assertions: Vec<Value>) {
        let count = assertions.len();
        self.push(Origin { step: origin.to_string(), assertions: vec![None; count] }, step, assertions);
    }

    /// [`push_step`](Imported::push_step) with where each assertion is in the source.
    pub fn push_placed_step(&mut self, origin: &str, step: Value, assertions: Vec<(Value, String)>) {
        let (assertions, places): (Vec<Value>, Vec<String>) = assertions.into_iter().unzip();
        let origin = Origin { step: origin.to_string(), assertions: places.into_iter().map(Some).collect() };
        self.push(origin, step, assertions);
    }

    fn push(&mut self, origin: Origin, mut step: Value, assertions: Vec<Value>) {
        if !assertions.is_empty() {
            step["assert"] = Value::Array(assertions);
        }
        self.steps.push(step);
        self.origins.push(origin);
    }

    /// Takes the variables `templates` gathered, with a note for each it had to invent, and
    /// [`settles`](Imported::settle) the collection.
    pub fn finish(&mut self, templates: Templates) {
        self.variables = templates.variables;
        for (name, note) in templates.notes {
            self.note(&format!("`{{{{{name}}}}}`"), note);
        }
        self.settle();
    }

    /// Leaves out, each with a note, every assertion and then every step the agent would
    /// refuse, so that one part that cannot be carried over never costs the rest. A step
    /// left out takes the steps that refer to it along (they are noted too). References
    /// between steps use step names, so no later step's meaning shifts.
    pub fn settle(&mut self) {
        for _ in 0..=self.steps.iter().map(|s| 1 + s["assert"].as_array().map_or(0, Vec::len)).sum::<usize>() {
            let Err(problems) = self.problems() else { return };
            let Some((step, assertion, message)) = problems.iter().find_map(place) else { return };
            let origin = self.origins.get_mut(step);
            let label = origin.as_ref().map_or_else(|| format!("step {}", step + 1), |origin| origin.step.clone());
            match assertion {
                Some(index) => {
                    let line = origin.filter(|o| index < o.assertions.len()).and_then(|o| o.assertions.remove(index));
                    let list = self.steps[step]["assert"].as_array_mut().expect("the problem is in this list");
                    let removed = list.remove(index);
                    if list.is_empty() {
                        self.steps[step].as_object_mut().expect("a step is an object").remove("assert");
                    }
                    let place = line.map(|line| format!("{line}: ")).unwrap_or_default();
                    self.note(&label, format!("{place}the assertion {removed} is not carried over: {message}"));
                }
                None => {
                    self.steps.remove(step);
                    if step < self.origins.len() {
                        self.origins.remove(step);
                    }
                    self.note(&label, format!("the step is not carried over: {message}"));
                }
            }
        }
    }

    fn problems(&self) -> Result<(), Vec<skopos_core::document::Diagnostic>> {
        let file = self.dir.clone().unwrap_or_default().join("import.yaml");
        let file = file.as_path();
        let text = skopos_core::document::write_yaml(&self.spec());
        let mut document = skopos_core::document::Document::parse(file, text).map_err(|problem| vec![problem])?;
        let collection = document.deserialize().map_err(|problem| vec![problem])?;
        skopos_core::plan::compile(&document, collection, &Map::new()).map(|_| ())
    }

    /// The collection in the file format.
    pub fn spec(&self) -> Value {
        let mut spec = json!({"name": self.name});
        if !self.variables.is_empty() {
            spec["variables"] = Value::Object(self.variables.clone());
        }
        if !self.defaults.is_empty() {
            spec["defaults"] = Value::Object(self.defaults.clone());
        }
        if let Some(script) = &self.script {
            spec["script"] = script.clone();
        }
        spec["steps"] = Value::Array(self.steps.clone());
        spec
    }

    /// Checks the collection as `skopos validate` checks the file it is written to.
    pub fn check(&self) -> Result<(), String> {
        self.problems().map_err(|problems| {
            problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("\n")
        })
    }
}

/// The step (and assertion) a problem is in: `steps[2].assert[1].value` → `(2, Some(1))`.
fn place(problem: &skopos_core::document::Diagnostic) -> Option<(usize, Option<usize>, String)> {
    let rest = problem.path.strip_prefix("steps[")?;
    let (step, rest) = rest.split_once(']')?;
    let assertion = rest.strip_prefix(".assert[").and_then(|rest| rest.split_once(']')?.0.parse().ok());
    Some((step.parse().ok()?, assertion, problem.message.clone()))
}

/// Escapes every string in `value` (not object keys) so that it is sent as it is
/// ([`Template::escape`]).
pub fn escape_strings(value: &mut Value) {
    match value {
        Value::String(text) if text.contains("@{{") => *text = Template::escape(text),
        Value::Array(items) => items.iter_mut().for_each(escape_strings),
        Value::Object(fields) => fields.values_mut().for_each(escape_strings),
        _ => {}
    }
}

/// A step name the file format accepts (letters, digits, `_`, `-`), from a request's title:
/// `Add to cart` → `add-to-cart`; unique among `taken`.
pub fn step_name(title: &str, taken: &mut HashSet<String>) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || c == '_';
    skopos_core::document::unique_slug(title, keep, "step", str::to_string, taken)
}

/// A variable name that usually holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    ["password", "passwd", "secret", "token", "apikey", "credential"].iter().any(|word| name.contains(word))
}

/// The environment variable a secret is read from: `apiKey` → `API_KEY`.
pub fn env_name(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_references_and_secrets_stay_out_of_files() {
        let mut templates = Templates::new(Map::from_iter([("base".to_string(), json!("http://x"))]));
        templates.captured.insert("cartId".into(), "step2.body.id".into());
        let converted =
            templates.convert("{{base}}/cart/{{cartId}}?t={{apiKey}}&u={{user}}&id={{$guid}}&n={{$randomInt}}");
        assert_eq!(
            converted,
            "@{{vars.base}}/cart/@{{step2.body.id}}?t=@{{env.API_KEY}}&u=@{{vars.user}}&id=@{{$uuid}}&n=@{{$random_int}}"
        );
        assert_eq!(templates.variables["user"], "", "an undefined variable gets a value to set");
        let notes: Vec<&String> = templates.notes.keys().collect();
        assert_eq!(notes, ["apiKey", "user"]);
        assert_eq!((env_name("apiKey"), env_name("client-secret")), ("API_KEY".into(), "CLIENT_SECRET".into()));
        assert!(looks_secret("DB_Password") && !looks_secret("user"));
    }

    #[test]
    fn text_that_looks_like_a_skopos_reference_is_sent_as_it_is() {
        // What `fuzz/import_postman` found: a raw body with `@{{` in it made a collection
        // that did not load.
        let mut templates = Templates::new(Map::from_iter([("base".to_string(), json!("http://x"))]));
        let converted = templates.convert("{\"password\": \"open@{{-sesame\"}");
        assert_eq!(converted, "{\"password\": \"open@{{'@{{'}}-sesame\"}");
        assert_eq!(Template::parse(&converted).unwrap().as_literal(), Some("{\"password\": \"open@{{-sesame\"}"));
        // An `@` before a Postman variable stays a literal `@`.
        let converted = templates.convert("{{base}} @{{base}}");
        assert_eq!(converted, "@{{vars.base}} @@{{vars.base}}");
        assert_eq!(Template::parse(&converted).unwrap().references().count(), 2);
    }

    #[test]
    fn step_names_are_ones_references_can_use() {
        let mut taken = HashSet::new();
        assert_eq!(step_name("Add to cart", &mut taken), "add-to-cart");
        assert_eq!(step_name("Add to cart!", &mut taken), "add-to-cart-2");
        assert_eq!(step_name("✓", &mut taken), "step");
    }
}
