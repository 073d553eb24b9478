//! What a step exchanges beyond a plain HTTP request: a gRPC call, a WebSocket conversation
//! or a probe plugin's check, planned.

use serde_json::Value;

use http::{HeaderName, Method};

use super::{Compiler, Inherited, PlannedAuth, PlannedBody, RefScope};
use crate::assert::Check;
use crate::document::{child_index, child_key};
use crate::interpolate::{JsonTemplate, Template};
use crate::model::{self, Assertion, AssertionSource, Severity, Tls};

use super::grpc::PlannedGrpc;

/// What goes out on the wire, whatever the step's kind.
pub(super) struct Wire {
    pub method: Method,
    pub url: Template,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(HeaderName, Template)>,
    pub cookies: Vec<(String, Template)>,
    pub body: PlannedBody,
    pub auth: Option<PlannedAuth>,
    pub follow_redirects: bool,
    pub max_redirects: u32,
    pub tls: Tls,
    pub exchange: Exchange,
}

impl Wire {
    /// A step that sends nothing over HTTP itself (a probe).
    pub fn none(tls: &Tls, exchange: Exchange) -> Wire {
        Wire {
            method: Method::GET,
            url: Template::default(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: PlannedBody::None,
            auth: None,
            follow_redirects: false,
            max_redirects: 0,
            tls: tls.clone(),
            exchange,
        }
    }
}

/// The kind of a step, with what that kind needs beyond the request fields.
#[derive(Debug)]
pub enum Exchange {
    Http,
    Grpc(PlannedGrpc),
    WebSocket(PlannedWebSocket),
    Probe(PlannedProbe),
}

/// A WebSocket step: the step's `url` and `headers` open it.
#[derive(Debug)]
pub struct PlannedWebSocket {
    pub send: Vec<PlannedMessage>,
    /// Stop after this many messages.
    pub count: Option<usize>,
    /// Stop at the first message this passes on.
    pub until: Option<Check>,
}

/// A message to send: text as written, or a JSON value sent as its text.
#[derive(Debug)]
pub enum PlannedMessage {
    Text(Template),
    Json(JsonTemplate),
}

#[derive(Debug)]
pub struct PlannedProbe {
    pub plugin: String,
    pub target: Template,
    /// The plugin's settings, with references inside.
    pub config: JsonTemplate,
    /// The settings as written, to check against the plugin's schema.
    pub settings: Value,
}

impl Compiler<'_> {
    pub(super) fn json_template(&mut self, path: &str, value: &Value, scope: &RefScope) -> JsonTemplate {
        match JsonTemplate::parse(value) {
            Ok(template) => {
                for reference in template.references() {
                    self.reference(path, reference, scope);
                }
                template
            }
            Err((inner, err)) => {
                self.problem(&format!("{path}{inner}"), err.to_string());
                JsonTemplate::Literal(Value::Null)
            }
        }
    }

    pub(super) fn websocket(
        &mut self,
        at: &str,
        websocket: &model::WebSocket,
        inherited: &Inherited,
        scope: &RefScope,
    ) -> Wire {
        let at = child_key(at, "websocket");
        let url = self.url(&child_key(&at, "url"), &websocket.url, &["ws", "wss"], scope);
        let headers = self.headers(&child_key(&at, "headers"), &websocket.headers, inherited, scope);
        let send = websocket
            .send
            .iter()
            .enumerate()
            .map(|(index, message)| {
                let path = child_index(&child_key(&at, "send"), index);
                match message {
                    Value::String(text) => PlannedMessage::Text(self.template(&path, text, scope)),
                    other => PlannedMessage::Json(self.json_template(&path, other, scope)),
                }
            })
            .collect();
        let receive = websocket.receive.clone().unwrap_or_default();
        if receive.count == Some(0) {
            self.problem(
                &child_key(&at, "receive.count"),
                "`count` is at least 1 (leave it out to listen until the timeout)",
            );
        }
        let until = receive.until.and_then(|until| {
            let assertion = Assertion {
                name: None,
                source: AssertionSource::Body,
                property: until.property,
                op: until.op,
                not: until.not,
                value: until.value,
                plugin: None,
                filters: Vec::new(),
                severity: Severity::Fail,
            };
            let path = child_key(&at, "receive.until");
            Check::compile(&assertion).map_err(|err| self.problem(&child_key(&path, err.field), err.message)).ok()
        });
        let mut wire =
            Wire::none(inherited.tls, Exchange::WebSocket(PlannedWebSocket { send, count: receive.count, until }));
        wire.url = url;
        wire.headers = headers;
        wire
    }

    pub(super) fn probe(&mut self, at: &str, probe: &model::Probe, scope: &RefScope) -> Exchange {
        if probe.plugin.trim().is_empty() {
            self.problem(&child_key(at, "plugin"), "name the probe plugin (`tcp`, `dns`, `tls`, ...)");
        }
        if probe.target.trim().is_empty() {
            self.problem(&child_key(at, "target"), "a probe needs a target");
        }
        Exchange::Probe(PlannedProbe {
            plugin: probe.plugin.trim().to_string(),
            target: self.template(&child_key(at, "target"), &probe.target, scope),
            config: self.json_template(&child_key(at, "config"), &Value::Object(probe.config.clone()), scope),
            settings: Value::Object(probe.config.clone()),
        })
    }
}
