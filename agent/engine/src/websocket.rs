//! WebSocket steps: connect (TCP, TLS, the HTTP/1.1 upgrade, each timed), send the step's
//! messages, collect replies until a count, a match, the server's close or the timeout. The
//! messages received become the body, a JSON array.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, StatusCode, Version};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::connect::{host_of, ms, open_tcp, tls_handshake};
use super::http::{Incoming, Outgoing};
use super::tls::TlsConfigs;
use skopos_core::assert::NoPlugins;
use skopos_core::plan::{PlannedMessage, PlannedStep, PlannedWebSocket};
use skopos_core::report::{Attempt, ErrorKind, StepError, Timings};
use skopos_core::response::{CertificateInfo, Response, snippet};

type Failure = (StepError, Timings);

/// One conversation: the step, what opens it and what it sends, and its limits.
struct Conversation<'a> {
    step: &'a PlannedStep,
    planned: &'a PlannedWebSocket,
    /// The rendered URL and headers.
    outgoing: &'a Outgoing,
    messages: Vec<String>,
    /// Listening stops here.
    deadline: tokio::time::Instant,
    max_body_bytes: u64,
}

/// Opens the socket for `outgoing` (the rendered URL and headers), talks, and reads what came
/// back as a response. `messages` are the step's `send`, rendered.
pub async fn run(
    step: &PlannedStep,
    planned: &PlannedWebSocket,
    outgoing: &Outgoing,
    messages: Vec<String>,
    tls: &TlsConfigs,
    max_body_bytes: u64,
    attempts: &mut Vec<Attempt>,
) -> Result<Incoming, Failure> {
    let start = Instant::now();
    let mut timings = Timings::default();
    let mut phase = "connecting";
    // Listening stops at the deadline, with what came; the whole exchange is cut off just
    // after it, when connecting or the handshake hangs.
    let deadline = tokio::time::Instant::now() + step.timeout;
    let conversation = Conversation { step, planned, outgoing, messages, deadline, max_body_bytes };
    let talk = talk(conversation, tls, &mut timings, &mut phase);
    let outcome = match tokio::time::timeout_at(deadline + Duration::from_millis(50), talk).await {
        Ok(outcome) => outcome,
        Err(_) => Err(StepError::new(
            ErrorKind::Timeout,
            format!("the WebSocket got no complete answer within {} ms (timed out {phase})", step.timeout.as_millis()),
        )),
    };
    timings.total_ms = ms(start);
    let outcome = outcome.map(|mut incoming| {
        incoming.timings = timings;
        incoming
    });
    let (status, error) = match &outcome {
        Ok(incoming) => (Some(incoming.status.as_u16()), None),
        Err(error) => (None, Some(error.clone())),
    };
    attempts.push(Attempt { attempt: 1, status, error, timings: Some(timings) });
    outcome.map_err(|error| (error, timings))
}

/// Connects (TCP, and TLS for `wss://`), timing each phase, then converses.
async fn talk(
    conversation: Conversation<'_>,
    tls: &TlsConfigs,
    timings: &mut Timings,
    phase: &mut &'static str,
) -> Result<Incoming, StepError> {
    let url = &conversation.outgoing.url;
    let host = host_of(url)?;
    let secure = match url.scheme() {
        "wss" => true,
        "ws" => false,
        other => return Err(StepError::new(ErrorKind::InvalidRequest, format!("`{other}` is not ws or wss"))),
    };
    let port = url.port_or_known_default().unwrap_or(if secure { 443 } else { 80 });
    let tcp = open_tcp(&host, port, timings, phase).await?;
    if !secure {
        return converse(conversation, tcp, None, timings, phase).await;
    }
    let config = tls.get_http1(&conversation.step.tls).map_err(|e| StepError::new(ErrorKind::Tls, e))?;
    let (stream, certificate) = tls_handshake(&host, tcp, config, timings, phase).await?;
    converse(conversation, stream, certificate, timings, phase).await
}

/// The upgrade, the messages sent, and the collecting of replies.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: Conversation<'_>,
    stream: S,
    certificate: Option<CertificateInfo>,
    timings: &mut Timings,
    phase: &mut &'static str,
) -> Result<Incoming, StepError> {
    let Conversation { step, planned, outgoing, messages, deadline, max_body_bytes } = conversation;
    *phase = "in the WebSocket handshake";
    let mut request = outgoing.url.as_str().into_client_request().map_err(|e| ws_error(&e))?;
    for (name, value) in &outgoing.headers {
        request.headers_mut().insert(name.clone(), value.clone());
    }
    let sent = Instant::now();
    let (mut socket, handshake) = tokio_tungstenite::client_async(request, stream).await.map_err(|e| ws_error(&e))?;
    timings.first_byte_ms = ms(sent);
    *phase = "sending messages";
    for message in messages {
        socket.send(Message::text(message)).await.map_err(|e| ws_error(&e))?;
    }
    *phase = "waiting for messages";
    let listening_until_timeout = planned.count.is_none() && planned.until.is_none();
    let mut received: Vec<Value> = Vec::new();
    let mut bytes = 0u64;
    loop {
        let next = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(next) => next,
            // Listening for the whole step is what a step without `receive` asks for.
            Err(_) if listening_until_timeout => break,
            Err(_) => return Err(not_satisfied(planned, &received, step.timeout)),
        };
        let text = match next {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Text(text))) => text.to_string(),
            Some(Ok(Message::Binary(data))) => String::from_utf8_lossy(&data).into_owned(),
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(ws_error(&err)),
        };
        bytes += text.len() as u64;
        if bytes > max_body_bytes {
            let message = format!("the messages received went over {max_body_bytes} bytes (`defaults.max_body_bytes`)");
            return Err(StepError::new(ErrorKind::BodyTooLarge, message));
        }
        let matched = match &planned.until {
            Some(check) => {
                let alone = Response::new(101, HeaderMap::new(), Bytes::from(text.clone()), Duration::ZERO, None);
                check.evaluate(&alone, &NoPlugins).await.passed
            }
            None => false,
        };
        received.push(serde_json::from_str(&text).unwrap_or(Value::String(text)));
        if matched || planned.count.is_some_and(|count| received.len() >= count) {
            break;
        }
    }
    let _ = socket.close(None).await;
    Ok(Incoming {
        status: StatusCode::SWITCHING_PROTOCOLS,
        version: Version::HTTP_11,
        headers: handshake.headers().clone(),
        body: Bytes::from(serde_json::to_vec(&received).expect("JSON values serialize")),
        url: outgoing.url.clone(),
        certificate,
        timings: *timings,
        trailers: HeaderMap::new(),
        grpc_status: None,
    })
}

/// The step's timeout came before its `count` or `until`.
fn not_satisfied(planned: &PlannedWebSocket, received: &[Value], timeout: Duration) -> StepError {
    let wanted = match (planned.count, &planned.until) {
        (Some(count), None) => format!("{count} message(s)"),
        (None, Some(_)) => "a message matching `receive.until`".to_string(),
        _ => format!("{} message(s) or one matching `receive.until`", planned.count.unwrap_or_default()),
    };
    let last =
        received.last().map(|last| format!("; the last: {}", snippet(&last.to_string(), 200))).unwrap_or_default();
    StepError::new(
        ErrorKind::Timeout,
        format!("waited {} ms for {wanted}, got {} message(s){last}", timeout.as_millis(), received.len()),
    )
}

fn ws_error(err: &WsError) -> StepError {
    match err {
        WsError::Http(response) => {
            let body =
                response.body().as_deref().map(|b| snippet(&String::from_utf8_lossy(b), 200)).unwrap_or_default();
            StepError::new(
                ErrorKind::Protocol,
                format!("the server refused the WebSocket upgrade with HTTP {} {body}", response.status().as_u16()),
            )
        }
        WsError::Io(io) => StepError::new(ErrorKind::Connect, format!("the WebSocket connection failed: {io}")),
        WsError::Capacity(why) => StepError::new(ErrorKind::BodyTooLarge, format!("a message is too large: {why}")),
        other => StepError::new(ErrorKind::Protocol, format!("WebSocket error: {other}")),
    }
}

/// The step's `send`, rendered: text as written, JSON as its text.
pub fn render_messages(
    step: &PlannedStep,
    planned: &PlannedWebSocket,
    scope: &mut skopos_core::interpolate::Scope<'_>,
) -> Result<Vec<String>, StepError> {
    let fail = |e| super::request::reference_error(e, step);
    planned
        .send
        .iter()
        .map(|message| match message {
            PlannedMessage::Text(template) => scope.render(template).map(|t| t.into_owned()).map_err(fail),
            PlannedMessage::Json(template) => scope.render_json(template).map(|v| v.to_string()).map_err(fail),
        })
        .collect()
}
