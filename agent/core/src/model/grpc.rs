//! A gRPC call as a step: `request.grpc`, sent to the server at `request.url`.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A unary gRPC call. The request's `url` is the server (`http://host:port` for plaintext
/// HTTP/2, `https://` for TLS), its `headers` are sent as metadata.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grpc {
    /// `package.Service/Method`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Instead of `method`: the standard health check (`grpc.health.v1.Health/Check`) of this
    /// service (`""` asks about the whole server). It passes on `SERVING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// The request message in proto3's JSON mapping (`{}` when omitted); references work in
    /// its strings as in a `json` body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    /// `.proto` files defining the method, relative to the collection file. Without them the
    /// server's reflection service is asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proto: Vec<PathBuf>,
    /// Folders `import`s in `proto` are looked up in, relative to the collection file (its
    /// own folder when none is given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_paths: Vec<PathBuf>,
}
