//! gRPC calls on the run's HTTP/2 connections: the message from JSON to protobuf and the
//! reply back, gRPC's length-prefixed framing, the status from the trailers, and (in
//! [`reflection`]) methods found by asking the server.

mod reflection;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, header};
use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions};

use super::http::{Connections, Incoming, Outgoing};
use super::request::reference_error;
use skopos_core::interpolate::Scope;
use skopos_core::plan::{PlannedGrpc, PlannedStep};
use skopos_core::report::{ErrorKind, StepError, Timings};
use skopos_core::response::GrpcStatus;

/// A call ready to send: what its reply decodes as, and its message as reports show it.
pub struct Call {
    output: MessageDescriptor,
    /// The request message as JSON text.
    pub shown: String,
}

/// Turns the rendered request into the call: the method's path, its metadata and the
/// encoded message.
pub async fn prepare(
    step: &PlannedStep,
    planned: &PlannedGrpc,
    outgoing: &mut Outgoing,
    scope: &mut Scope<'_>,
    connections: &mut Connections,
) -> Result<Call, StepError> {
    let message = scope.render_json(&planned.message).map_err(|e| reference_error(e, step))?;
    let base = outgoing.url.path().trim_end_matches('/').to_string();
    outgoing.url.set_path(&format!("{base}{}", planned.path()));
    set_metadata(&mut outgoing.headers, step);
    let method = match &planned.method {
        Some(method) => method.clone(),
        None => reflection::method(step, planned, outgoing, connections).await?,
    };
    let input = DynamicMessage::deserialize(method.input(), &message).map_err(|err| {
        let message = format!("the message is not a `{}`: {err}", method.input().full_name());
        StepError::new(ErrorKind::InvalidRequest, scope.secrets.mask(&message).into_owned())
    })?;
    outgoing.body = frame(&input.encode_to_vec());
    let shown = serde_json::to_string(&message).expect("JSON values serialize");
    Ok(Call { output: method.output(), shown })
}

/// gRPC's request headers over the step's own (which are its metadata).
fn set_metadata(headers: &mut HeaderMap, step: &PlannedStep) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert(header::TE, HeaderValue::from_static("trailers"));
    // gRPC compresses messages itself (`grpc-encoding`); HTTP content codings do not apply.
    headers.remove(header::ACCEPT_ENCODING);
    headers.remove(header::ACCEPT);
    let millis = step.timeout.as_millis().min(99_999_999);
    headers.insert("grpc-timeout", HeaderValue::from_str(&format!("{millis}m")).expect("digits and `m`"));
}

/// A message with gRPC's prefix: not compressed, then its length (big-endian).
pub fn frame(message: &[u8]) -> Bytes {
    let mut framed = BytesMut::with_capacity(message.len() + 5);
    framed.put_u8(0);
    framed.put_u32(message.len() as u32);
    framed.put_slice(message);
    framed.freeze()
}

/// The messages of a response body.
pub fn unframe(mut body: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut messages = Vec::new();
    while !body.is_empty() {
        if body.len() < 5 {
            return Err(format!("the body ends inside a message prefix ({} bytes left)", body.len()));
        }
        let length = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        if body[0] != 0 {
            return Err("the reply is compressed, though no `grpc-accept-encoding` was offered".into());
        }
        let Some(message) = body.get(5..5 + length) else {
            return Err(format!("a message of {length} bytes is cut short at {} bytes", body.len() - 5));
        };
        messages.push(message);
        body = &body[5 + length..];
    }
    Ok(messages)
}

/// The call's status: `grpc-status` in the trailers, or in the headers of a reply that is
/// only headers.
pub fn status_of(headers: &HeaderMap, trailers: &HeaderMap) -> Option<GrpcStatus> {
    let source = if trailers.contains_key("grpc-status") { trailers } else { headers };
    let code = source.get("grpc-status")?.to_str().ok()?.trim().parse().ok()?;
    let message = source
        .get("grpc-message")
        .map(|m| percent_encoding::percent_decode(m.as_bytes()).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    Some(GrpcStatus { code, message })
}

/// The reply read as the step's response: the message as JSON (fields by their `.proto`
/// names, defaults included), trailers among the headers, and the status.
pub fn receive(mut incoming: Incoming, call: &Call) -> Result<Incoming, (StepError, Timings)> {
    let timings = incoming.timings;
    let protocol = |message: String| (StepError::new(ErrorKind::Protocol, message), timings);
    let Some(status) = status_of(&incoming.headers, &incoming.trailers) else {
        let kind = incoming.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no type");
        return Err(protocol(format!(
            "the server answered HTTP {} ({kind}) without a gRPC status: is it a gRPC server?",
            incoming.status.as_u16()
        )));
    };
    let body = if status.code == 0 {
        let messages = unframe(&incoming.body).map_err(|e| protocol(format!("the reply is not gRPC: {e}")))?;
        let [message] = messages.as_slice() else {
            return Err(protocol(format!("a unary call got {} reply messages, not 1", messages.len())));
        };
        let reply = DynamicMessage::decode(call.output.clone(), *message)
            .map_err(|err| protocol(format!("the reply is not a `{}`: {err}", call.output.full_name())))?;
        Bytes::from(to_json(&reply))
    } else {
        Bytes::new()
    };
    for (name, value) in std::mem::take(&mut incoming.trailers).iter() {
        incoming.headers.append(name.clone(), value.clone());
    }
    incoming.body = body;
    incoming.grpc_status = Some(status);
    Ok(incoming)
}

/// proto3's JSON mapping, with the `.proto` field names (`user_id`, as the file reads) and
/// fields at their default value written out, so `count: 0` can be checked.
fn to_json(message: &DynamicMessage) -> Vec<u8> {
    let options = SerializeOptions::new().use_proto_field_name(true).skip_default_fields(false);
    let mut serializer = serde_json::Serializer::new(Vec::new());
    message.serialize_with_options(&mut serializer, &options).expect("messages serialize to JSON");
    serializer.into_inner()
}
