//! Finding a method by asking the server: gRPC server reflection (`grpc.reflection.v1`, and
//! `v1alpha` for older servers), once per run and service.

use http::{HeaderValue, Method};
use prost::Message;
use prost_reflect::prost_types::FileDescriptorProto;
use prost_reflect::{DescriptorPool, MethodDescriptor};

use super::{frame, status_of, unframe};
use crate::http::{Connections, Outgoing, SendOptions};
use skopos_core::plan::{PlannedGrpc, PlannedStep, find_method};
use skopos_core::report::{ErrorKind, StepError};

/// `grpc.reflection.v1.ServerReflectionRequest`, with the two requests Skopos makes.
#[derive(Clone, PartialEq, Message)]
struct ReflectionRequest {
    #[prost(string, optional, tag = "3")]
    file_by_filename: Option<String>,
    #[prost(string, optional, tag = "4")]
    file_containing_symbol: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct ReflectionResponse {
    #[prost(message, optional, tag = "4")]
    file_descriptor_response: Option<FileDescriptorResponse>,
    #[prost(message, optional, tag = "7")]
    error_response: Option<ErrorResponse>,
}

#[derive(Clone, PartialEq, Message)]
struct FileDescriptorResponse {
    #[prost(bytes = "vec", repeated, tag = "1")]
    file_descriptor_proto: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
struct ErrorResponse {
    #[prost(int32, tag = "1")]
    error_code: i32,
    #[prost(string, tag = "2")]
    error_message: String,
}

const SERVICES: [&str; 2] = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
/// Files a service's definition may pull in, at most: a guard against a server that never
/// stops naming new ones.
const MAX_FILES: usize = 256;

/// The step's method, from the server's reflection service (the call's headers go along,
/// so a server that wants credentials for reflection gets them).
pub async fn method(
    step: &PlannedStep,
    planned: &PlannedGrpc,
    call: &Outgoing,
    connections: &mut Connections,
) -> Result<MethodDescriptor, StepError> {
    let key = format!("{}|{}", call.url.origin().ascii_serialization(), planned.service);
    if let Some(pool) = connections.reflected.get(&key) {
        return find_method(pool, &planned.service, &planned.method_name).map_err(unusable);
    }
    let asked = tokio::time::timeout(step.timeout, descriptors(step, planned, call, connections)).await;
    let pool = asked.unwrap_or_else(|_| {
        let message = format!("server reflection gave no answer within {} ms", step.timeout.as_millis());
        Err(StepError::new(ErrorKind::Timeout, message))
    })?;
    let method = find_method(&pool, &planned.service, &planned.method_name).map_err(unusable);
    connections.reflected.insert(key, pool);
    method
}

fn unusable(message: String) -> StepError {
    StepError::new(ErrorKind::InvalidRequest, format!("by the server's reflection, {message}"))
}

/// Every file the service's definition needs, asked for until none is missing.
async fn descriptors(
    step: &PlannedStep,
    planned: &PlannedGrpc,
    call: &Outgoing,
    connections: &mut Connections,
) -> Result<DescriptorPool, StepError> {
    let mut files: Vec<FileDescriptorProto> = Vec::new();
    let mut version = 0;
    let mut wanted = ReflectionRequest { file_containing_symbol: Some(planned.service.clone()), ..Default::default() };
    loop {
        let answer = match ask(step, call, connections, SERVICES[version], &wanted).await {
            // A server with only the older version of the service says so on the first question.
            Err(Unimplemented) if version == 0 && files.is_empty() => {
                version = 1;
                continue;
            }
            Err(Unimplemented) => {
                return Err(StepError::new(
                    ErrorKind::Protocol,
                    "the server offers no reflection service; give the method's `.proto` files in `grpc.proto`",
                ));
            }
            Ok(answer) => answer?,
        };
        for bytes in answer {
            let file = FileDescriptorProto::decode(bytes.as_slice()).map_err(|e| {
                StepError::new(ErrorKind::Protocol, format!("server reflection sent a broken file descriptor: {e}"))
            })?;
            if !files.iter().any(|known| known.name == file.name) {
                files.push(file);
            }
        }
        let missing = files
            .iter()
            .flat_map(|file| file.dependency.iter())
            .find(|dependency| !files.iter().any(|known| known.name.as_ref() == Some(*dependency)));
        match missing {
            Some(_) if files.len() >= MAX_FILES => {
                return Err(StepError::new(ErrorKind::Protocol, "server reflection named too many files"));
            }
            Some(name) => wanted = ReflectionRequest { file_by_filename: Some(name.clone()), ..Default::default() },
            None => break,
        }
    }
    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_protos(files).map_err(|e| {
        StepError::new(ErrorKind::Protocol, format!("server reflection's descriptors do not fit together: {e}"))
    })?;
    Ok(pool)
}

/// The reflection service is not there (`UNIMPLEMENTED`).
struct Unimplemented;

/// One question to reflection `service`: the file descriptors it answers with.
async fn ask(
    step: &PlannedStep,
    call: &Outgoing,
    connections: &mut Connections,
    service: &str,
    wanted: &ReflectionRequest,
) -> Result<Result<Vec<Vec<u8>>, StepError>, Unimplemented> {
    let mut url = call.url.clone();
    url.set_path(&format!("/{service}/ServerReflectionInfo"));
    let mut headers = call.headers.clone();
    headers.remove("grpc-timeout");
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    let request = Outgoing { method: Method::POST, url, headers, body: frame(&wanted.encode_to_vec()) };
    let options = SendOptions {
        tls: &step.tls,
        follow_redirects: false,
        max_redirects: 0,
        max_body_bytes: 64 << 20,
        http2_only: true,
    };
    let failed =
        |message: String| Ok(Err(StepError::new(ErrorKind::Protocol, format!("server reflection: {message}"))));
    let incoming = match connections.send(&request, options).await {
        Ok(incoming) => incoming,
        Err((error, _)) => return Ok(Err(error)),
    };
    match status_of(&incoming.headers, &incoming.trailers) {
        Some(status) if status.code == 12 => return Err(Unimplemented),
        Some(status) if status.code != 0 => return failed(format!("{} {}", status.name(), status.message)),
        Some(_) => {}
        None => return failed(format!("HTTP {} without a gRPC status", incoming.status.as_u16())),
    }
    let messages = match unframe(&incoming.body) {
        Ok(messages) => messages,
        Err(why) => return failed(why),
    };
    let mut files = Vec::new();
    for message in messages {
        let response = match ReflectionResponse::decode(message) {
            Ok(response) => response,
            Err(err) => return failed(err.to_string()),
        };
        if let Some(error) = response.error_response {
            return failed(format!("{} (code {})", error.error_message, error.error_code));
        }
        files.extend(response.file_descriptor_response.map(|r| r.file_descriptor_proto).unwrap_or_default());
    }
    Ok(Ok(files))
}
