//! `grpcurl` command lines (as people share them, and as Postman writes a gRPC request's code
//! snippet) into gRPC steps of one collection: the server, TLS, metadata (`-H`), the message
//! (`-d`), the method, and `.proto` files (`-proto`, `-import-path`). Options that change only
//! how grpcurl shows a reply are passed over; any other is noted, and a command that is not a
//! unary call (`list`, `describe`, a message on standard input) is left out with a note.

use serde_json::{Map, Value, json};

use super::Imported;

/// Options that change only how grpcurl prints or connects, not what it asks.
const QUIET: [&str; 7] =
    ["-v", "-vv", "-emit-defaults", "-allow-unknown-fields", "-format-error", "-msg-template", "-use-reflection"];
/// Of those, the ones that take a value.
const QUIET_WITH_VALUE: [&str; 4] = ["-format", "-keepalive-time", "-max-msg-sz", "-connect-timeout"];
/// Options not carried over that take a value (so it is not read as the address).
const WITH_VALUE: [&str; 7] =
    ["-authority", "-servername", "-user-agent", "-protoset", "-protoset-out", "-reflect-header", "-unix-socket"];

/// Each command in `text` with the line it starts on: one per line, `\` continuing a line,
/// blank lines and `#` comments passed over.
fn commands(text: &str) -> Vec<(usize, String)> {
    let mut commands = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let (start, mut command) = current.take().unwrap_or((index + 1, String::new()));
        let line = line.trim();
        if command.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(continued) => {
                command.push_str(continued);
                command.push(' ');
                current = Some((start, command));
            }
            None => {
                command.push_str(line);
                commands.push((start, command));
            }
        }
    }
    commands.extend(current);
    commands
}

/// One step per `grpcurl` command in `text`.
pub fn import(text: &str, name: &str) -> Result<Imported, String> {
    let mut imported = Imported::new(name.to_string());
    let commands = commands(text);
    if commands.is_empty() {
        return Err("no grpcurl command given".into());
    }
    let mut names = std::collections::HashSet::new();
    for (line, command) in commands {
        let command = command.as_str();
        let label = format!("line {line}");
        let words = shlex::split(command).ok_or_else(|| format!("{label}: unbalanced quotes"))?;
        if words.first().map(String::as_str) != Some("grpcurl") {
            return Err(format!("{label}: not a grpcurl command: `{}`", command.chars().take(60).collect::<String>()));
        }
        match step(&words[1..], &mut imported, &label) {
            Ok(mut step) => {
                super::escape_strings(&mut step["request"]);
                let title =
                    step["request"]["grpc"]["method"].as_str().unwrap_or("call").rsplit('/').next().unwrap_or("call");
                step["name"] = json!(super::step_name(title, &mut names));
                imported.push_step(&label, step, Vec::new());
            }
            Err(why) => imported.note(&label, format!("left out: {why}")),
        }
    }
    Ok(imported)
}

/// The step for one command's words (after `grpcurl`).
fn step(words: &[String], imported: &mut Imported, label: &str) -> Result<Value, String> {
    let mut plaintext = false;
    let mut tls = Map::new();
    let mut headers = Map::new();
    let mut grpc = Map::new();
    let (mut protos, mut imports) = (Vec::new(), Vec::new());
    let mut timeout_ms = None;
    let mut positional = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        // grpcurl takes `-flag value` and `-flag=value`, with one dash or two.
        let (flag, inline) = match word.strip_prefix('-') {
            Some(_) => match word.split_once('=') {
                Some((flag, value)) => (format!("-{}", flag.trim_start_matches('-')), Some(value.to_string())),
                None => (format!("-{}", word.trim_start_matches('-')), None),
            },
            None => {
                positional.push(word.clone());
                continue;
            }
        };
        let mut value =
            || inline.clone().or_else(|| words.next().cloned()).ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "-plaintext" => plaintext = inline.as_deref() != Some("false"),
            "-insecure" => {
                tls.insert("insecure".into(), json!(true));
            }
            "-cacert" => {
                tls.insert("ca_file".into(), json!(value()?));
            }
            "-cert" => {
                tls.insert("client_cert".into(), json!(value()?));
            }
            "-key" => {
                tls.insert("client_key".into(), json!(value()?));
            }
            "-H" | "-rpc-header" => {
                let header = value()?;
                let (name, text) =
                    header.split_once(':').ok_or_else(|| format!("`-H {header}` is not `name: value`"))?;
                headers.insert(name.trim().to_string(), json!(text.trim()));
            }
            "-d" => {
                let data = value()?;
                if data == "@" {
                    return Err("the message comes from standard input, which a collection cannot hold".into());
                }
                let message: Value =
                    serde_json::from_str(&data).map_err(|e| format!("`-d` is not one JSON message: {e}"))?;
                grpc.insert("message".into(), message);
            }
            "-proto" => protos.push(json!(value()?)),
            "-import-path" => imports.push(json!(value()?)),
            "-max-time" => {
                let seconds: f64 =
                    value()?.parse().map_err(|_| "`-max-time` is not a number of seconds".to_string())?;
                timeout_ms = Some((seconds * 1000.0).round() as u64);
            }
            quiet if QUIET.contains(&quiet) => {}
            quiet if QUIET_WITH_VALUE.contains(&quiet) => {
                value()?;
            }
            other if WITH_VALUE.contains(&other) => {
                let value = value()?;
                imported.note(label, format!("`{other} {value}` is not carried over"));
            }
            other => imported.note(label, format!("`{other}` is not carried over")),
        }
    }
    if let Some(verb @ ("list" | "describe")) = positional.get(1).map(String::as_str) {
        return Err(format!("`{verb}` asks about the server; it is not a call"));
    }
    let [address, method] = positional.as_slice() else {
        return Err(format!("expected an address and a method, got {positional:?}"));
    };
    // grpcurl also writes the method as `package.Service.Method`.
    let method = match method.contains('/') {
        true => method.clone(),
        false => match method.rsplit_once('.') {
            Some((service, name)) => format!("{service}/{name}"),
            None => return Err(format!("`{method}` is not `package.Service/Method`")),
        },
    };
    grpc.insert("method".into(), json!(method));
    if !protos.is_empty() {
        grpc.insert("proto".into(), Value::Array(protos));
    }
    if !imports.is_empty() {
        grpc.insert("import_paths".into(), Value::Array(imports));
    }
    let scheme = if plaintext { "http" } else { "https" };
    let mut request = json!({ "url": format!("{scheme}://{address}"), "grpc": grpc });
    if !headers.is_empty() {
        request["headers"] = Value::Object(headers);
    }
    let mut step = json!({ "request": request });
    if let (Some(cert), Some(key)) = (tls.remove("client_cert"), tls.remove("client_key")) {
        step["request"]["auth"] = json!({ "client_cert": { "cert": cert, "key": key } });
    }
    if !tls.is_empty() {
        imported.note(label, format!("TLS settings go in the collection's `defaults.tls`: {}", Value::Object(tls)));
    }
    if let Some(timeout) = timeout_ms {
        step["timeout_ms"] = json!(timeout);
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_with_metadata_a_message_and_protos_becomes_a_grpc_step() {
        let text = "grpcurl -plaintext -H 'authorization: Bearer tok' \\\n  -import-path ./protos -proto shop.proto \\\n  -d '{\"id\": \"A-100\"}' -max-time 5 localhost:50051 shop.v1.Orders/GetOrder";
        let imported = import(text, "shop").unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        assert_eq!(
            imported.steps[0],
            json!({"name": "getorder", "timeout_ms": 5000, "request": {
                "url": "http://localhost:50051",
                "grpc": {"method": "shop.v1.Orders/GetOrder", "message": {"id": "A-100"},
                         "proto": ["shop.proto"], "import_paths": ["./protos"]},
                "headers": {"authorization": "Bearer tok"}}})
        );
    }

    #[test]
    fn tls_dotted_methods_and_what_is_not_a_call() {
        let text = "grpcurl --cert c.pem --key c.key grpc.example.com:443 grpc.health.v1.Health.Check\ngrpcurl -plaintext localhost:50051 list\ngrpcurl -d @ -plaintext localhost:1 a.B/C\ngrpcurl -authority x -plaintext localhost:1 a.B/C";
        let imported = import(text, "mixed").unwrap();
        let request = &imported.steps[0]["request"];
        assert_eq!(request["url"], "https://grpc.example.com:443");
        assert_eq!(request["grpc"]["method"], "grpc.health.v1.Health/Check");
        assert_eq!(request["auth"], json!({"client_cert": {"cert": "c.pem", "key": "c.key"}}));
        assert_eq!(imported.steps.len(), 2);
        assert_eq!(
            imported.notes,
            [
                "line 2: left out: `list` asks about the server; it is not a call",
                "line 3: left out: the message comes from standard input, which a collection cannot hold",
                "line 4: `-authority x` is not carried over",
            ]
        );
    }
}
