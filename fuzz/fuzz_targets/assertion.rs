//! An assertion (as JSON) judged against a response whose status, headers and body come from
//! the input: `{"assert": {...}, "status": 200, "headers": {"k": "v"}, "body": <any JSON>}`.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use skopos_core::assert::{Check, NoPlugins};
use skopos_core::model::Assertion;
use skopos_core::response::Response;

fuzz_target!(|input: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(input) else { return };
    let Ok(assertion) = serde_json::from_value::<Assertion>(input["assert"].clone()) else { return };
    let Ok(check) = Check::compile(&assertion) else { return };
    let mut headers = http::HeaderMap::new();
    for (name, value) in input["headers"].as_object().into_iter().flatten() {
        let (Ok(name), Ok(value)) = (name.parse::<http::HeaderName>(), value.as_str().unwrap_or("").parse()) else {
            continue;
        };
        headers.append(name, value);
    }
    let body = match &input["body"] {
        Value::String(text) => bytes::Bytes::from(text.clone()),
        other => bytes::Bytes::from(other.to_string()),
    };
    let status = input["status"].as_u64().unwrap_or(200) as u16;
    let response = Response::new(status, headers, body, Duration::from_millis(12), None);
    // Built-in operators finish at once; there are no plugins to wait for.
    let evaluation = pin!(check.evaluate(&response, &NoPlugins));
    let Poll::Ready(result) = evaluation.poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("a built-in assertion did not finish at once");
    };
    assert_eq!(result.passed, result.message.is_none(), "{result:?}");
});
