//! A WebSocket exchange as a step: connect, send, collect what comes back.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::predicate::OpName;

/// Connects to `url` (`ws://` or `wss://`), sends `send` in order, and collects messages until
/// `receive` is satisfied, the server closes, or the step's timeout. The messages received are
/// the step's body: a JSON array, each message parsed as JSON when it is JSON, else its text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebSocket {
    pub url: String,
    /// Sent with the opening handshake.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub headers: Map<String, Value>,
    /// Messages sent once connected, in order: a string goes as that text, anything else as
    /// its JSON text. References work in both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send: Vec<Value>,
    /// When to stop listening; without it the step listens until the server closes or the
    /// timeout, and a timeout is then not an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive: Option<Receive>,
}

/// When a WebSocket step has heard enough. With both, whichever comes first. Reaching the
/// step's timeout before either is a `timeout` error.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Receive {
    /// Stop after this many messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// Stop at the first message this check passes on, read as a body on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<MessageMatch>,
}

/// A check on one message, written as an assertion on `body` is.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageMatch {
    /// A dot path or JSONPath into the message; the whole message without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    pub op: OpName,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}
