//! Postman Collection v1 (the format before 2.0: `requests` and `folders` listed by id, and
//! their order in `order` / `folders_order`) read as v2.1, in the order Postman's own
//! transformer gives: the top-level folders (each with its subfolders, then its requests),
//! then the collection's own requests.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// `collection` as a v2.1 collection, with a note for each part not carried over.
pub fn to_v2(collection: &Value, notes: &mut Vec<(String, String)>) -> Value {
    let requests: HashMap<&str, &Value> =
        list(&collection["requests"]).filter_map(|request| Some((request["id"].as_str()?, request))).collect();
    let folders: HashMap<&str, &Value> =
        list(&collection["folders"]).filter_map(|folder| Some((folder["id"].as_str()?, folder))).collect();
    let subfolders: Vec<&str> = list(&collection["folders"]).flat_map(|f| ids(&f["folders_order"])).collect();
    let top: Vec<&str> = match collection["folders_order"].as_array() {
        Some(_) => ids(&collection["folders_order"]).collect(),
        None => list(&collection["folders"]).filter_map(|f| f["id"].as_str()).collect(),
    };
    let builder = Builder { requests: &requests, folders: &folders };
    let mut items: Vec<Value> =
        top.iter().filter(|id| !subfolders.contains(id)).filter_map(|id| builder.folder(id, notes, 0)).collect();
    items.extend(ids(&collection["order"]).filter_map(|id| builder.request(id, notes)));
    json!({
        "info": {
            "name": collection["name"].as_str().unwrap_or("imported"),
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": items,
    })
}

fn list(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

fn ids(value: &Value) -> impl Iterator<Item = &str> {
    list(value).filter_map(Value::as_str)
}

struct Builder<'a> {
    requests: &'a HashMap<&'a str, &'a Value>,
    folders: &'a HashMap<&'a str, &'a Value>,
}

impl Builder<'_> {
    fn folder(&self, id: &str, notes: &mut Vec<(String, String)>, depth: usize) -> Option<Value> {
        let folder = self.folders.get(id)?;
        let mut items: Vec<Value> = Vec::new();
        if depth < 32 {
            items.extend(ids(&folder["folders_order"]).filter_map(|sub| self.folder(sub, notes, depth + 1)));
        }
        items.extend(ids(&folder["order"]).filter_map(|request| self.request(request, notes)));
        Some(json!({ "name": folder["name"].as_str().unwrap_or("folder"), "item": items }))
    }

    fn request(&self, id: &str, notes: &mut Vec<(String, String)>) -> Option<Value> {
        let request = self.requests.get(id)?;
        let name = request["name"].as_str().unwrap_or("request").to_string();
        let mut events = Vec::new();
        for (listen, field) in [("prerequest", "preRequestScript"), ("test", "tests")] {
            if let Some(code) = request[field].as_str().filter(|code| !code.trim().is_empty()) {
                events.push(json!({ "listen": listen, "script": { "type": "text/javascript", "exec": code } }));
            }
        }
        if request.get("currentHelper").is_some_and(|helper| !helper.is_null() && helper != "normal") {
            notes.push((
                format!("request '{name}'"),
                format!("its `{}` auth helper is not carried over", request["currentHelper"]),
            ));
        }
        let mut converted = Map::new();
        converted.insert("method".into(), json!(request["method"].as_str().unwrap_or("GET")));
        converted.insert("url".into(), json!(request["url"].as_str().unwrap_or_default()));
        converted.insert("header".into(), Value::Array(headers(request)));
        if let Some(body) = body(request) {
            converted.insert("body".into(), body);
        }
        Some(json!({ "name": name, "event": events, "request": converted }))
    }
}

/// `headerData`, or the `headers` text (`Name: value` per line; `//` starts a disabled one).
fn headers(request: &Value) -> Vec<Value> {
    if let Some(data) = request["headerData"].as_array().filter(|data| !data.is_empty()) {
        return data
            .iter()
            .map(|h| json!({ "key": h["key"], "value": h["value"], "disabled": h["enabled"] == false }))
            .collect();
    }
    request["headers"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (disabled, line) = match line.trim().strip_prefix("//") {
                Some(rest) => (true, rest),
                None => (false, line.trim()),
            };
            let (key, value) = line.split_once(':')?;
            Some(json!({ "key": key.trim(), "value": value.trim(), "disabled": disabled }))
        })
        .collect()
}

fn body(request: &Value) -> Option<Value> {
    let fields = |data: &Value| -> Vec<Value> {
        list(data)
            .map(|field| {
                json!({
                    "key": field["key"], "value": field["value"], "type": field["type"].as_str().unwrap_or("text"),
                    "disabled": field["enabled"] == false,
                })
            })
            .collect()
    };
    match request["dataMode"].as_str()? {
        "raw" => Some(json!({ "mode": "raw", "raw": request["rawModeData"].as_str().unwrap_or_default() })),
        "params" => Some(json!({ "mode": "formdata", "formdata": fields(&request["data"]) })),
        "urlencoded" => Some(json!({ "mode": "urlencoded", "urlencoded": fields(&request["data"]) })),
        _ => None,
    }
}
