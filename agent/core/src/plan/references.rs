//! Names and references: every `@{{...}}` must point at an earlier step or a defined
//! variable, checked before anything runs; and which responses each step still needs.

use crate::document::{child_index, child_key, suggest};
use crate::interpolate::{Reference, StepRef, Target, Template};

use super::{Compiler, RefScope};

impl Compiler<'_> {
    pub(super) fn check_names(&mut self, names: &[Option<String>]) {
        for (index, name) in names.iter().enumerate() {
            let Some(name) = name else { continue };
            let path = child_key(&child_index("steps", index), "name");
            let bad_char = name.chars().find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'));
            if name.is_empty() || bad_char.is_some() {
                self.problem(&path, format!("step name `{name}` may only use letters, digits, `_` and `-`, so that `@{{{{{name}.body}}}}` can refer to it"));
            } else if name == "vars" || name == "env" {
                self.problem(&path, format!("`{name}` is reserved for `@{{{{{name}.NAME}}}}`; pick another step name"));
            } else if let Some(n) = name.strip_prefix("step").and_then(|n| n.parse::<usize>().ok())
                && n != index + 1
            {
                self.problem(
                    &path,
                    format!("step {} cannot be named `{name}`: `@{{{{{name}}}}}` means step {n}", index + 1),
                );
            } else if names[..index].iter().any(|other| other.as_deref() == Some(name)) {
                self.problem(&path, format!("another step is already named `{name}`"));
            }
        }
    }

    pub(super) fn template(&mut self, path: &str, text: &str, scope: &RefScope) -> Template {
        match Template::parse(text) {
            Ok(template) => {
                for reference in template.references() {
                    self.reference(path, reference, scope);
                }
                template
            }
            Err(err) => {
                self.problem(path, err.to_string());
                Template::default()
            }
        }
    }

    /// Checks statically that a reference can resolve: an earlier step, a defined variable.
    pub(super) fn reference(&mut self, path: &str, reference: &Reference, scope: &RefScope) {
        let text = &reference.text;
        match &reference.target {
            Target::Var { name, .. } if !scope.variables.contains_key(name) && !scope.scripted => {
                let hint = suggest(name, scope.variables.keys().map(String::as_str))
                    .map(|s| format!("; did you mean `vars.{s}`?"))
                    .unwrap_or_default();
                self.problem(
                    path,
                    format!(
                        "`@{{{{{text}}}}}`: variable `{name}` is not defined in `variables` (or given with --var){hint}"
                    ),
                );
            }
            Target::Step { .. } if scope.position.is_none() => {
                self.problem(
                    path,
                    format!("`@{{{{{text}}}}}`: defaults apply to every step, the first included, so they cannot refer to steps; set it on the steps that need it"),
                );
            }
            Target::Step { step, .. } => {
                let position = scope.position.unwrap_or_default();
                let target = match step {
                    StepRef::Position(n) => n.checked_sub(1).filter(|i| *i < scope.names.len()),
                    StepRef::Name(name) => scope.names.iter().position(|n| n.as_deref() == Some(name.as_str())),
                };
                match target {
                    Some(index) if index < position => {
                        let last = &mut self.last_use[index];
                        *last = (*last).max(Some(position));
                    }
                    Some(index) if index == position => {
                        self.problem(path, format!("`@{{{{{text}}}}}` refers to this step itself; only earlier steps can be referenced"));
                    }
                    Some(index) => self.problem(path, format!("`@{{{{{text}}}}}` refers to step {}, which runs later; only earlier steps can be referenced", index + 1)),
                    None => {
                        let known = scope.names.iter().flatten().map(String::as_str);
                        let hint = match step {
                            StepRef::Name(name) => suggest(name, known).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default(),
                            StepRef::Position(_) => format!("; the collection has {} steps", scope.names.len()),
                        };
                        self.problem(path, format!("`@{{{{{text}}}}}`: there is no step `{step}`{hint}"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Inverts "last step using each response" into "responses to release after each step".
pub(super) fn release_after(last_use: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut release = vec![Vec::new(); last_use.len()];
    for (step, last) in last_use.iter().enumerate() {
        release[last.unwrap_or(step)].push(step);
    }
    release
}
