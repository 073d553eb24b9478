//! `{{name}}` placeholders of the imported tools, as the agent's references.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value, json};

use skopos_core::interpolate::Template;

use super::{env_name, looks_secret, variables};

/// Rewrites `{{name}}` placeholders into the agent's references: a variable set from an
/// earlier response becomes a reference to that step, any other a collection variable
/// (given an empty value, and a note, when nothing defines it), Postman's dynamic variables
/// the agent's built-ins where there is one.
pub struct Templates {
    pub variables: Map<String, Value>,
    /// Variables that look secret (a password, token, key): read from this environment
    /// variable when the check runs, never written into the file.
    pub secrets: HashMap<String, String>,
    /// Variable → the reference that replaces it (`step1.body.token`), once a step set it.
    pub captured: HashMap<String, String>,
    /// A note per variable, once.
    pub notes: BTreeMap<String, String>,
    /// Variables a script set to a literal, with that text, from where it set them on.
    pub literals: HashMap<String, String>,
    /// Variables a script changed in a way not followed, from where it did on.
    unknown: HashSet<String>,
    /// Set when a script cleared every variable: all but those set again since are unknown.
    cleared: Option<HashSet<String>>,
    /// The unknown variables used since [`take_unknown_uses`](Templates::take_unknown_uses).
    used_unknown: BTreeSet<String>,
    /// An undefined variable is sent as written (`{{name}}`), as Postman sends it, rather
    /// than empty.
    pub undefined_as_written: bool,
    /// Names whose value a script may set, or that the run's scopes hold (a collection
    /// imported with its scripts): always read from the run's variables when the step runs.
    pub dynamic: HashSet<String>,
}

/// A piece of text written with `{{name}}` placeholders.
#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// `written` is `{{ name }}` as it stands; `name` is trimmed.
    Placeholder {
        name: &'a str,
        written: &'a str,
    },
}

/// `text` cut into its text and its `{{name}}` placeholders, in order; a `{{` that is never
/// closed is text.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let written = &rest[open..open + 4 + close];
        pieces.push(Piece::Placeholder { name: written[2..written.len() - 2].trim(), written });
        rest = &rest[open + 4 + close..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

pub use skopos_core::interpolate::variable_key;

impl Templates {
    pub fn new(variables: Map<String, Value>) -> Templates {
        Templates {
            variables: variables.into_iter().map(|(name, value)| (variable_key(&name), value)).collect(),
            secrets: HashMap::new(),
            captured: HashMap::new(),
            notes: BTreeMap::new(),
            literals: HashMap::new(),
            unknown: HashSet::new(),
            cleared: None,
            used_unknown: BTreeSet::new(),
            undefined_as_written: false,
            dynamic: HashSet::new(),
        }
    }

    /// Applies what a script did to variables, after or before the step `step` (the step
    /// whose response a capture reads).
    pub fn apply(&mut self, effect: &variables::Effect, step: &str) {
        use variables::Effect;
        let known = |templates: &mut Templates, name: &str| {
            templates.unknown.remove(name);
            templates.literals.remove(name);
            templates.captured.remove(name);
            if let Some(set_again) = &mut templates.cleared {
                set_again.insert(name.to_string());
            }
        };
        match effect {
            Effect::Capture(name, reference) => {
                known(self, name);
                self.captured.insert(name.clone(), format!("{step}.{reference}"));
            }
            Effect::Literal(name, text) => {
                known(self, name);
                self.literals.insert(name.clone(), text.clone());
            }
            Effect::Unknown(name) => {
                known(self, name);
                self.unknown.insert(name.clone());
            }
            Effect::ClearAll => self.cleared = Some(HashSet::new()),
        }
    }

    /// The variables used since the last call whose values a script changed in a way not
    /// followed: the request that uses them is not the one the source sends.
    pub fn take_unknown_uses(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.used_unknown)
    }

    fn is_unknown(&self, name: &str) -> bool {
        self.unknown.contains(name) || self.cleared.as_ref().is_some_and(|set_again| !set_again.contains(name))
    }

    pub fn convert(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        // Text (and placeholders kept as written) is escaped as one, so no `@{{` is made at
        // the seams.
        let mut as_written = String::new();
        for piece in pieces(text) {
            match piece {
                Piece::Text(text) => as_written.push_str(text),
                Piece::Placeholder { name, written } => match self.reference(name) {
                    Some(reference) => {
                        out.push_str(&Template::escape(&std::mem::take(&mut as_written)));
                        out.push_str(&reference);
                    }
                    None => as_written.push_str(written),
                },
            }
        }
        out.push_str(&Template::escape(&as_written));
        out
    }

    /// A field, header or query parameter name: the file format sends names as written, so
    /// a `{{variable}}` in one is replaced by its value now (a script's literal or the
    /// variable's); one with no value known now (set from a response, secret, changed by a
    /// script) stays as written and counts as an unknown use.
    pub fn name(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in pieces(text) {
            let (name, written) = match piece {
                Piece::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Piece::Placeholder { name, written } => (name, written),
            };
            let value = self.literals.get(name).cloned().or_else(|| {
                let known =
                    !self.is_unknown(name) && !self.captured.contains_key(name) && !self.secrets.contains_key(name);
                known.then(|| self.variables.get(&variable_key(name))?.as_str().map(str::to_string)).flatten()
            });
            match value {
                Some(value) => out.push_str(&value),
                None => {
                    self.used_unknown.insert(name.to_string());
                    out.push_str(written);
                }
            }
        }
        out
    }

    /// The replacement for `{{name}}`; `None` keeps the text as it is.
    fn reference(&mut self, name: &str) -> Option<String> {
        if !name.starts_with('$') && self.is_unknown(name) {
            self.used_unknown.insert(name.to_string());
        }
        if let Some(text) = self.literals.get(name) {
            return Some(Template::escape(text));
        }
        if let Some(dynamic) = name.strip_prefix('$') {
            let builtin = match dynamic {
                "guid" | "randomUUID" => "$uuid",
                "timestamp" => "$timestamp",
                "isoTimestamp" => "$now",
                "randomInt" => "$random_int",
                _ => {
                    let note =
                        "Postman's dynamic variable has no equivalent here; the text is sent as it is".to_string();
                    self.notes.entry(name.to_string()).or_insert(note);
                    return None;
                }
            };
            return Some(format!("@{{{{{builtin}}}}}"));
        }
        if self.dynamic.contains(name) && !variable_key(name).is_empty() {
            return Some(format!("@{{{{vars.{}}}}}", variable_key(name)));
        }
        if let Some(reference) = self.captured.get(name) {
            return Some(format!("@{{{{{reference}}}}}"));
        }
        if let Some(variable) = self.secrets.get(name).cloned().or_else(|| looks_secret(name).then(|| env_name(name))) {
            let note = format!(
                "looks secret: read from the environment variable `{variable}` when the check runs, not written here"
            );
            self.notes.entry(name.to_string()).or_insert(note);
            return Some(format!("@{{{{env.{variable}}}}}"));
        }
        let key = variable_key(name);
        if key.is_empty() {
            return None;
        }
        if !self.variables.contains_key(&key) {
            let value = if self.undefined_as_written { format!("{{{{{name}}}}}") } else { String::new() };
            self.variables.insert(key.clone(), json!(value));
            let sent = if self.undefined_as_written { " (sent as written, as Postman sends it)" } else { "" };
            let note = format!("no value in the collection or environment{sent}: set it with `--var {key}=VALUE`");
            self.notes.entry(name.to_string()).or_insert(note);
        }
        Some(format!("@{{{{vars.{key}}}}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_its_placeholders() {
        assert_eq!(
            pieces("a{{ x }}b{{y}}{{unfinished"),
            vec![
                Piece::Text("a"),
                Piece::Placeholder { name: "x", written: "{{ x }}" },
                Piece::Text("b"),
                Piece::Placeholder { name: "y", written: "{{y}}" },
                Piece::Text("{{unfinished"),
            ]
        );
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn text_around_a_placeholder_kept_as_written_is_escaped_as_one() {
        // `a@` and an unknown dynamic variable: together they would start a reference.
        let mut templates = Templates::new(Map::new());
        assert_eq!(templates.convert("a@{{$unknown}}"), "a@{{'@{{'}}$unknown}}");
        assert_eq!(templates.convert("a@{{x}}"), "a@@{{vars.x}}");
    }
}
