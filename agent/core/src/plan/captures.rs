//! Planning a step's `captures`: each read as an assertion reads its source, then filtered.

use serde_json::Value;

use super::Compiler;
use crate::assert::part_of;
use crate::document::{child_index, child_key};
use crate::extract::Part;
use crate::filter::Filters;
use crate::interpolate::resolve_part;
use crate::model::Capture;
use crate::response::Response;

/// A capture ready to read from a response.
#[derive(Debug, Clone)]
pub struct PlannedCapture {
    pub name: String,
    part: Part,
    filters: Filters,
}

impl PlannedCapture {
    /// The captured value, or why there is none.
    pub fn read(&self, response: &Response) -> Result<Value, String> {
        let value = match &self.part {
            Part::Header(name) if !self.filters.is_empty() => response.header_for_filters(name),
            _ => None,
        };
        let value = match value {
            Some(value) => value,
            None => resolve_part(&self.part, "the response", response)?,
        };
        self.filters.apply(value)
    }
}

impl Compiler<'_> {
    pub(super) fn captures(&mut self, at: &str, captures: &[Capture]) -> Vec<PlannedCapture> {
        let mut planned: Vec<PlannedCapture> = Vec::with_capacity(captures.len());
        for (index, capture) in captures.iter().enumerate() {
            let at = child_index(&child_key(at, "captures"), index);
            let name_ok = !capture.name.is_empty()
                && capture.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !name_ok {
                self.problem(&child_key(&at, "name"), "a capture's name is letters, digits, `_` and `-`");
                continue;
            }
            if planned.iter().any(|earlier| earlier.name == capture.name) {
                self.problem(&child_key(&at, "name"), format!("the step already captures `{}`", capture.name));
                continue;
            }
            let part = match part_of(capture.source, capture.property.as_deref().map(str::trim)) {
                Ok(part) => part,
                Err(problem) => {
                    self.problem(&child_key(&at, problem.field), problem.message);
                    continue;
                }
            };
            match Filters::compile(&capture.filters) {
                Ok(filters) => planned.push(PlannedCapture { name: capture.name.clone(), part, filters }),
                Err((filter, message)) => self.problem(&child_index(&child_key(&at, "filters"), filter), message),
            }
        }
        planned
    }
}
