//! Planning a gRPC call: the method, its descriptor from `.proto` files (compiled here, in
//! Rust, by protox) or the built-in health service, and the message.

use std::path::Path;
use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, MethodDescriptor};
use serde_json::{Value, json};

use super::{Compiler, RefScope};
use crate::document::child_key;
use crate::interpolate::JsonTemplate;
use crate::model;

/// The standard health service (grpc/grpc `doc/health-checking.md`), so a health check needs
/// neither `.proto` files nor reflection.
pub const HEALTH_PROTO: &str = r#"syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
}
"#;

/// `Check` of `grpc.health.v1.Health`.
pub const HEALTH_METHOD: &str = "grpc.health.v1.Health/Check";

#[derive(Debug)]
pub struct PlannedGrpc {
    /// `package.Service`.
    pub service: String,
    /// The method's name within its service.
    pub method_name: String,
    /// The request message (proto3 JSON), with references inside.
    pub message: JsonTemplate,
    /// From the step's `.proto` files or the built-in health service; `None` when the
    /// server's reflection service is to be asked.
    pub method: Option<MethodDescriptor>,
    /// A `health` shortcut (it passes on `SERVING` unless the step checks `status` itself).
    pub health: bool,
}

impl PlannedGrpc {
    /// The HTTP/2 path of the call: `/package.Service/Method`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.service, self.method_name)
    }
}

/// The health service's descriptors, compiled once.
pub fn health_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut compiler = protox::Compiler::with_file_resolver(HealthFile);
        compiler.open_file("grpc/health/v1/health.proto").expect("the health proto compiles");
        compiler.descriptor_pool()
    })
}

struct HealthFile;

impl protox::file::FileResolver for HealthFile {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        match name {
            "grpc/health/v1/health.proto" => protox::file::File::from_source(name, HEALTH_PROTO),
            _ => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// `package.Service/Method` (a leading `/` allowed) as service and method.
pub fn split_method(text: &str) -> Option<(&str, &str)> {
    let (service, method) = text.trim().trim_start_matches('/').rsplit_once('/')?;
    let valid =
        |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    (valid(service) && valid(method)).then_some((service, method))
}

/// The unary method `method_name` of `service` in `pool`, or what is wrong.
pub fn find_method(pool: &DescriptorPool, service: &str, method_name: &str) -> Result<MethodDescriptor, String> {
    let Some(found) = pool.get_service_by_name(service) else {
        let known: Vec<String> = pool.services().map(|s| s.full_name().to_string()).collect();
        return Err(format!("no service `{service}` is defined (there are: {})", known.join(", ")));
    };
    let Some(method) = found.methods().find(|m| m.name() == method_name) else {
        let known: Vec<String> = found.methods().map(|m| m.name().to_string()).collect();
        return Err(format!("`{service}` has no method `{method_name}` (it has: {})", known.join(", ")));
    };
    if method.is_client_streaming() || method.is_server_streaming() {
        return Err(format!("`{service}/{method_name}` streams; only unary calls are supported"));
    }
    Ok(method)
}

impl Compiler<'_> {
    pub(super) fn grpc(&mut self, at: &str, grpc: &model::Grpc, scope: &RefScope, base_dir: &Path) -> PlannedGrpc {
        let message = grpc.message.clone().unwrap_or_else(|| json!({}));
        let (written, message) = match (&grpc.method, &grpc.health) {
            (Some(method), None) => (method.as_str(), message),
            (None, Some(service)) => {
                if grpc.message.is_some() {
                    self.problem(
                        &child_key(at, "message"),
                        "a `health` check sends the service's name; leave `message` out",
                    );
                }
                (HEALTH_METHOD, json!({ "service": service }))
            }
            (Some(_), Some(_)) => {
                self.problem(at, "a gRPC call has `method` or `health`, not both");
                (HEALTH_METHOD, message)
            }
            (None, None) => {
                self.problem(at, "a gRPC call needs `method` (`package.Service/Method`) or `health`");
                (HEALTH_METHOD, message)
            }
        };
        let (service, method_name) = split_method(written).unwrap_or_else(|| {
            self.problem(&child_key(at, "method"), format!("`{written}` is not `package.Service/Method`"));
            ("grpc.health.v1.Health", "Check")
        });
        if !matches!(message, Value::Object(_)) {
            self.problem(&child_key(at, "message"), "a message is a JSON object (proto3's JSON mapping)");
        }
        let health = grpc.health.is_some();
        // The health service is known without `.proto` files, called by either name.
        let pool = if health || (grpc.proto.is_empty() && written.trim_start_matches('/') == HEALTH_METHOD) {
            Some(health_pool().clone())
        } else if grpc.proto.is_empty() {
            None
        } else {
            self.compile_protos(at, grpc, base_dir)
        };
        let method = pool.and_then(|pool| {
            find_method(&pool, service, method_name)
                .map_err(|message| self.problem(&child_key(at, "method"), message))
                .ok()
        });
        if let (Some(method), Some(_)) = (&method, &grpc.message) {
            self.check_message(&child_key(at, "message"), method, &message);
        }
        let template = self.json_template(&child_key(at, "message"), &message, scope);
        PlannedGrpc {
            service: service.to_string(),
            method_name: method_name.to_string(),
            message: template,
            method,
            health,
        }
    }

    fn compile_protos(&mut self, at: &str, grpc: &model::Grpc, base_dir: &Path) -> Option<DescriptorPool> {
        let mut includes: Vec<_> = grpc.import_paths.iter().map(|p| base_dir.join(p)).collect();
        includes.push(if base_dir.as_os_str().is_empty() {
            Path::new(".").to_path_buf()
        } else {
            base_dir.to_path_buf()
        });
        let mut compiler = match protox::Compiler::new(&includes) {
            Ok(compiler) => compiler,
            Err(err) => {
                self.problem(&child_key(at, "import_paths"), err.to_string());
                return None;
            }
        };
        let mut ok = true;
        for (index, file) in grpc.proto.iter().enumerate() {
            let full = base_dir.join(file);
            let path = crate::document::child_index(&child_key(at, "proto"), index);
            if !full.is_file() {
                self.problem(&path, format!("no file `{}` beside the collection", file.display()));
                ok = false;
            } else if let Err(err) = compiler.open_file(&full) {
                self.problem(&path, format!("`{}` does not compile: {err}", file.display()));
                ok = false;
            }
        }
        ok.then(|| compiler.descriptor_pool())
    }

    /// A message without references is read against the method's input type now, so a
    /// misspelt field is found before anything runs.
    fn check_message(&mut self, at: &str, method: &MethodDescriptor, message: &Value) {
        if JsonTemplate::parse(message).is_ok_and(|template| !template.references().is_empty()) {
            return;
        }
        if let Err(err) = prost_reflect::DynamicMessage::deserialize(method.input(), message) {
            self.problem(at, format!("not a `{}` message: {err}", method.input().full_name()));
        }
    }
}
