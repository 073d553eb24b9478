//! Planning a request body: `json`, `text`, `form` or `multipart`, at most one of them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Compiler, RefScope};
use crate::document::child_key;
use crate::interpolate::{JsonTemplate, Template};
use crate::model;

#[derive(Debug)]
pub enum PlannedBody {
    None,
    Json(JsonTemplate),
    Text(Template),
    Form(Vec<(String, Template)>),
    /// `multipart/form-data`: fields in the order written.
    Multipart(Vec<(String, PlannedPart)>),
    /// A GraphQL operation as the JSON object sent (`query`, `variables`, `operationName`).
    GraphQl(JsonTemplate),
}

/// One part of a multipart body.
#[derive(Debug)]
pub enum PlannedPart {
    Text(Template),
    /// A file's bytes, read when the request is sent.
    File {
        path: PathBuf,
        filename: String,
        content_type: String,
    },
}

impl Compiler<'_> {
    pub(super) fn body(
        &mut self,
        at: &str,
        body: Option<&model::Body>,
        scope: &RefScope,
        base_dir: &Path,
    ) -> PlannedBody {
        let Some(body) = body else {
            return PlannedBody::None;
        };
        let given = [
            body.json.is_some(),
            body.text.is_some(),
            body.form.is_some(),
            body.multipart.is_some(),
            body.graphql.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            self.problem(at, "a body has at most one of `json`, `text`, `form`, `multipart` or `graphql`");
        }
        if let Some(graphql) = &body.graphql {
            return self.graphql(&child_key(at, "graphql"), graphql, scope);
        }
        if let Some(json) = &body.json {
            let path = child_key(at, "json");
            return match JsonTemplate::parse(json) {
                Ok(template) => {
                    for reference in template.references() {
                        self.reference(&path, reference, scope);
                    }
                    PlannedBody::Json(template)
                }
                Err((inner, err)) => {
                    self.problem(&format!("{path}{inner}"), err.to_string());
                    PlannedBody::None
                }
            };
        }
        if let Some(text) = &body.text {
            return PlannedBody::Text(self.template(&child_key(at, "text"), text, scope));
        }
        if let Some(form) = &body.form {
            let mut fields = Vec::new();
            for (name, value) in form {
                let path = child_key(&child_key(at, "form"), name);
                if let Some(text) = self.scalar_text(&path, value) {
                    fields.push((name.clone(), self.template(&path, &text, scope)));
                }
            }
            return PlannedBody::Form(fields);
        }
        if let Some(parts) = &body.multipart {
            let mut planned = Vec::new();
            for (name, value) in parts {
                let path = child_key(&child_key(at, "multipart"), name);
                if let Some(part) = self.part(&path, value, scope, base_dir) {
                    planned.push((name.clone(), part));
                }
            }
            return PlannedBody::Multipart(planned);
        }
        PlannedBody::None
    }

    /// The operation as GraphQL over HTTP sends it; references work in the query and in the
    /// variables' strings.
    fn graphql(&mut self, at: &str, graphql: &model::GraphQl, scope: &RefScope) -> PlannedBody {
        if graphql.query.trim().is_empty() {
            self.problem(&child_key(at, "query"), "a GraphQL request needs its `query`");
        }
        let query = self.template(&child_key(at, "query"), &graphql.query, scope);
        let mut fields = vec![("query".to_string(), JsonTemplate::Text(query))];
        if let Some(variables) = &graphql.variables {
            if !matches!(variables, Value::Object(_)) {
                self.problem(&child_key(at, "variables"), "GraphQL variables are an object, by name");
            }
            fields.push(("variables".to_string(), self.json_template(&child_key(at, "variables"), variables, scope)));
        }
        if let Some(name) = &graphql.operation_name {
            fields.push(("operationName".to_string(), JsonTemplate::Literal(Value::String(name.clone()))));
        }
        PlannedBody::GraphQl(JsonTemplate::Object(fields))
    }

    /// A text field, or `{file, content_type?}`: a file relative to the collection file.
    fn part(&mut self, path: &str, value: &Value, scope: &RefScope, base_dir: &Path) -> Option<PlannedPart> {
        let Value::Object(fields) = value else {
            let text = self.scalar_text(path, value)?;
            return Some(PlannedPart::Text(self.template(path, &text, scope)));
        };
        if let Some(unknown) = fields.keys().find(|key| !["file", "content_type"].contains(&key.as_str())) {
            self.problem(&child_key(path, unknown), "a file part has only `file` and `content_type`");
            return None;
        }
        let Some(file) = fields.get("file").and_then(Value::as_str) else {
            self.problem(path, "expected text, or a file part: `{file: PATH, content_type: TYPE}`");
            return None;
        };
        let content_type = match fields.get("content_type") {
            None => "application/octet-stream".to_string(),
            Some(Value::String(content_type)) => content_type.clone(),
            Some(_) => {
                self.problem(&child_key(path, "content_type"), "expected a media type, as text");
                return None;
            }
        };
        let full = base_dir.join(file);
        if !full.is_file() {
            self.problem(&child_key(path, "file"), format!("no file `{file}` beside the collection"));
            return None;
        }
        let filename = Path::new(file).file_name().map_or_else(|| file.to_string(), |n| n.to_string_lossy().into());
        Some(PlannedPart::File { path: full, filename, content_type })
    }
}
