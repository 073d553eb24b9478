//! Export → apply → export is the identity: any collection or monitor written as YAML by
//! [`write_yaml`] reads back as the same definition, which validates, and writes the same
//! text again. Generated definitions hold the strings that YAML finds hard: line breaks
//! (alone, trailing, doubled), tabs, quotes, `@{{` references and escapes, YAML indicators,
//! words YAML would read as other types, and unicode.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{Document, write_yaml};
use crate::model::{Collection, Monitor};
use crate::plan::{compile_stored, compile_stored_monitor};

const PIECES: &[&str] = &[
    "a",
    "Zz",
    "0",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    "@{{vars.v}}",
    "@{{'@{{'}}",
    "\"",
    "'",
    "#",
    ": ",
    "- ",
    "? ",
    "é",
    "✓",
    "日本",
    "{",
    "}",
    "[",
    "]",
    "&x",
    "*x",
    "!",
    "|",
    ">",
    "%",
    "`",
    "\\",
    "null",
    "true",
    "1.5",
    "0x1F",
    "~",
    "---",
    "...",
    "=",
    ",",
];

/// Text that may hold anything a file can.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![4 => proptest::sample::select(PIECES).prop_map(str::to_string), 1 => "\\PC{0,4}"];
    proptest::collection::vec(piece, 0..7).prop_map(|pieces| pieces.concat())
}

/// Text on one line (header values, names).
fn line() -> impl Strategy<Value = String> {
    text().prop_map(|text| text.replace(['\n', '\r'], " "))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        any::<i32>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        (-1.0e6f64..1.0e6).prop_map(|x| json!(x)),
        Just(Value::Null),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(line(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn headers() -> impl Strategy<Value = Map<String, Value>> {
    let name = proptest::sample::select(&["Accept", "X-Trace", "Authorization", "X-Ünicode-Free"][..3]);
    proptest::collection::btree_map(name, line(), 0..3)
        .prop_map(|map| map.into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect())
}

fn body() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        json_value().prop_map(|json| Some(json!({"json": json}))),
        text().prop_map(|text| Some(json!({"text": text}))),
        proptest::collection::btree_map("[a-z]{1,5}", text(), 0..3)
            .prop_map(|form| Some(json!({"form": Map::from_iter(form.into_iter().map(|(k, v)| (k, json!(v))))}))),
        proptest::collection::btree_map("[a-z]{1,5}", text(), 0..3).prop_map(|parts| {
            Some(json!({"multipart": Map::from_iter(parts.into_iter().map(|(k, v)| (k, json!(v))))}))
        }),
        (text(), json_value()).prop_map(|(query, value)| {
            Some(json!({"graphql": {"query": format!("{{ a {query} }}"), "variables": {"v": value}, "operation_name": "Op"}}))
        }),
    ]
}

/// What a step exchanges beyond an HTTP request: a gRPC call, a WebSocket conversation or a
/// probe; `None` for plain HTTP.
fn exchange() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => (json_value(), headers()).prop_map(|(value, headers)| Some(json!({"request": {
            "method": "GET", "url": "http://127.0.0.1:1", "headers": headers,
            "grpc": {"method": "shop.v1.Orders/GetOrder", "message": {"id": value}}}}))),
        1 => (json_value(), text(), 1usize..5).prop_map(|(value, text, count)| Some(json!({"websocket": {
            "url": "ws://127.0.0.1:1/events", "send": [value, text], "receive": {"count": count}}}))),
        1 => (line(), json_value()).prop_map(|(target, value)| Some(json!({"probe": {
            "plugin": "tcp", "target": format!("127.0.0.1:{}", target.len() + 1), "config": {"k": value}}}))),
    ]
}

/// Filters, with text arguments that may hold anything.
fn filters() -> impl Strategy<Value = Value> {
    let filter = prop_oneof![
        line().prop_map(|text| json!({"regex": format!("({})", regex::escape(&text))})),
        (-3i64..3).prop_map(|n| json!({"nth": n})),
        text().prop_map(|text| json!({"split": text})),
        (text(), text()).prop_map(|(old, new)| json!({"replace": [old, new]})),
        proptest::sample::select(&["%Y-%m-%d", "%a, %d %b %Y %H:%M:%S GMT", "%+"][..])
            .prop_flat_map(|format| proptest::sample::select(&["to_date", "format"][..])
                .prop_map(move |name| json!({name: format}))),
        proptest::sample::select(
            &[
                "count",
                "first",
                "last",
                "to_int",
                "to_float",
                "to_string",
                "url_decode",
                "url_encode",
                "html_unescape",
                "days_before_now",
                "days_after_now"
            ][..]
        )
        .prop_map(|name| json!(name)),
    ];
    proptest::collection::vec(filter, 0..3).prop_map(Value::Array)
}

fn capture() -> impl Strategy<Value = Value> {
    ("[a-z][a-z0-9_-]{0,5}", filters()).prop_map(|(name, filters)| {
        let mut capture = json!({"name": name, "source": "header", "property": "Location"});
        if filters.as_array().is_some_and(|f| !f.is_empty()) {
            capture["filters"] = filters;
        }
        capture
    })
}

fn assertion() -> impl Strategy<Value = Value> {
    let named = proptest::option::of(line());
    let check = prop_oneof![
        (100u16..600).prop_map(|code| json!({"source": "status", "op": "eq", "value": code})),
        (text(), any::<bool>()).prop_map(|(text, not)| {
            json!({"source": "body", "property": "a.b[0]", "op": "contains", "not": not, "value": text})
        }),
        line().prop_map(|text| json!({"source": "header", "property": "X-Trace", "op": "matches",
                                       "value": regex::escape(&text)})),
        json_value().prop_map(|value| json!({"source": "body", "property": "$['k y']", "op": "ne", "value": value})),
        Just(json!({"source": "body", "property": "token", "op": "exists"})),
        Just(json!({"source": "latency", "op": "lt", "value": 500})),
        (line(), filters()).prop_map(|(cookie, filters)| {
            json!({"source": "cookie", "property": format!("sid{}", cookie.len()), "filters": filters, "op": "exists"})
        }),
    ];
    (named, check).prop_map(|(name, mut check)| {
        if check["filters"].as_array().is_some_and(Vec::is_empty) {
            check.as_object_mut().unwrap().remove("filters");
        }
        if check["not"] == json!(false) {
            check.as_object_mut().unwrap().remove("not");
        }
        if let Some(name) = name {
            check["name"] = json!(name);
        }
        check
    })
}

fn step() -> impl Strategy<Value = Value> {
    let method = proptest::sample::select(&["GET", "POST", "PUT", "DELETE"][..]);
    let query = proptest::collection::btree_map("[a-z]{1,4}", line(), 0..3);
    let cookies = proptest::collection::btree_map("[a-z]{1,4}", line(), 0..2);
    let captures = proptest::collection::btree_map("[a-z]{1,4}", capture(), 0..2);
    let parts = (method, "[a-z0-9/]{0,8}", query, headers(), body(), proptest::collection::vec(assertion(), 0..4));
    let redirects = proptest::option::of((any::<bool>(), 0..=100u32));
    (parts, cookies, captures, exchange(), proptest::option::of(scripts()), redirects).prop_map(
        |((method, path, query, headers, body, assertions), cookies, captures, exchange, script, redirects)| {
            let mut request = json!({"method": method, "url": format!("http://127.0.0.1:1/{path}")});
            if !query.is_empty() {
                request["query"] = json!(query);
            }
            if !headers.is_empty() {
                request["headers"] = Value::Object(headers);
            }
            if let Some(body) = body {
                request["body"] = body;
            }
            if !cookies.is_empty() {
                request["cookies"] = json!(cookies);
            }
            if let Some((follow, most)) = redirects {
                request["follow_redirects"] = json!(follow);
                request["max_redirects"] = json!(most);
            }
            let mut step = match exchange {
                Some(Value::Object(mut other)) => {
                    if let Some(Value::Object(request)) = other.get_mut("request") {
                        request.retain(|_, value| value != &json!({}));
                    }
                    other.insert("assert".into(), json!(assertions));
                    Value::Object(other)
                }
                _ => {
                    let mut step = json!({"request": request, "assert": assertions});
                    // Scripts run around HTTP requests only.
                    if let Some(script) = script {
                        step["script"] = script;
                    }
                    step
                }
            };
            if !captures.is_empty() {
                // Unique names: the map's keys.
                let captures: Vec<Value> = captures
                    .into_iter()
                    .map(|(name, mut capture)| {
                        capture["name"] = json!(name);
                        capture
                    })
                    .collect();
                step["captures"] = Value::Array(captures);
            }
            step
        },
    )
}

/// A step's (or the collection's) scripts: one, or a list, before and after.
fn scripts() -> impl Strategy<Value = Value> {
    let one_or_many =
        prop_oneof![text().prop_map(Value::String), proptest::collection::vec(text(), 1..3).prop_map(|v| json!(v))];
    (proptest::option::of(one_or_many.clone()), proptest::option::of(one_or_many), proptest::option::of(line()))
        .prop_map(|(before, after, request_name)| {
            let mut script = json!({});
            for (key, value) in
                [("before", before), ("after", after), ("request_name", request_name.map(Value::String))]
            {
                if let Some(value) = value {
                    script[key] = value;
                }
            }
            script
        })
}

fn collection() -> impl Strategy<Value = Value> {
    let variables = proptest::collection::btree_map("[a-z]{1,4}", scalar(), 0..3);
    let scopes = (proptest::collection::btree_map("[a-z]{1,4}", scalar(), 0..3), proptest::option::of(scripts()));
    (
        line(),
        proptest::option::of(text()),
        variables,
        headers(),
        proptest::collection::vec(step(), 1..4),
        scopes,
        any::<bool>(),
    )
        .prop_map(|(name, description, mut variables, headers, steps, (environment, script), goes_on)| {
            variables.insert("v".into(), json!("value"));
            let mut collection = json!({"name": format!("c {name}"), "variables": variables, "steps": steps});
            if let Some(description) = description {
                collection["description"] = json!(description);
            }
            if !headers.is_empty() {
                collection["defaults"] = json!({"headers": headers});
            }
            if goes_on {
                collection["defaults"]["continue_after_error"] = json!(true);
            }
            if let Some(mut script) = script {
                script.as_object_mut().unwrap().remove("request_name");
                if !environment.is_empty() {
                    script["environment"] = json!(environment);
                }
                collection["script"] = script;
            }
            collection
        })
}

fn monitor() -> impl Strategy<Value = Value> {
    let schedule = prop_oneof![
        Just(json!({"every": "1m"})),
        Just(json!({"every": "1h 30m", "jitter": "10s"})),
        Just(json!({"cron": "*/5 * * * *", "tz": "Europe/Paris"})),
    ];
    let config = proptest::collection::btree_map("[a-z]{1,6}", json_value(), 0..3);
    (line(), schedule, proptest::collection::vec(line(), 1..3), 1u32..5, config, any::<bool>()).prop_map(
        |(name, schedule, collections, alert_after, config, paused)| {
            let collections: Vec<String> = collections.into_iter().map(|c| format!("c {c}")).collect();
            json!({"name": format!("m {name}"), "schedule": schedule, "collections": collections,
                   "alert_after": alert_after, "paused": paused,
                   "notify": [{"plugin": "webhook", "config": config}]})
        },
    )
}

/// The definition as stored after `apply`, then written by `export`, then read and applied again.
fn exported<T: serde::de::DeserializeOwned + serde::Serialize>(file: &Value) -> (Value, String, Value) {
    let applied: T = serde_json::from_value(file.clone()).expect("generated definitions are well formed");
    let stored = serde_json::to_value(&applied).unwrap();
    let text = write_yaml(&stored);
    let mut document =
        Document::parse(Path::new("export.yaml"), text.clone()).unwrap_or_else(|problem| panic!("{problem}\n{text}"));
    let reapplied: T = document.deserialize().unwrap_or_else(|problem| panic!("{problem}\n{text}"));
    (stored, text, serde_json::to_value(&reapplied).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn exporting_a_collection_and_applying_it_again_changes_nothing(file in collection()) {
        let applied: Collection = serde_json::from_value(file.clone()).unwrap();
        prop_assume!(compile_stored(&applied).is_ok());
        let (stored, text, reapplied) = exported::<Collection>(&file);
        prop_assert_eq!(&reapplied, &stored, "{}", text);
        let collection: Collection = serde_json::from_value(reapplied.clone()).unwrap();
        prop_assert!(compile_stored(&collection).is_ok(), "{}", text);
        prop_assert_eq!(write_yaml(&reapplied), text);
    }

    #[test]
    fn exporting_a_monitor_and_applying_it_again_changes_nothing(file in monitor()) {
        let applied: Monitor = serde_json::from_value(file.clone()).unwrap();
        prop_assume!(compile_stored_monitor(&applied).is_ok());
        let (stored, text, reapplied) = exported::<Monitor>(&file);
        prop_assert_eq!(&reapplied, &stored, "{}", text);
        let monitor: Monitor = serde_json::from_value(reapplied.clone()).unwrap();
        prop_assert!(compile_stored_monitor(&monitor).is_ok(), "{}", text);
        prop_assert_eq!(write_yaml(&reapplied), text);
    }
}

#[test]
fn strings_block_scalars_cannot_hold_are_written_quoted() {
    for text in ["\n", "\n\n", "a\n\n", " a\nb", "a\n ", "\ta\n", "a\r\nb", "\u{feff}x\n", "a\u{85}b\n"] {
        let value = json!({"text": text, "next": "a\nb\n"});
        let written = write_yaml(&value);
        let back = Document::parse(Path::new("x.yaml"), written.clone()).unwrap().value;
        assert_eq!(back, value, "{text:?} was written as\n{written}");
    }
    assert_eq!(write_yaml(&json!({"text": "one\ntwo\n"})), "text: |\n  one\n  two\n", "block style where it holds");
}
