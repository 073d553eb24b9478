//! Stand-ins for the servers Newman's integration collections call: postman-echo.com (and the
//! one httpbin.org route they use), and the two local servers of Newman's own test runner
//! (`npm/server.js`: a raw echo on port 4041 and a redirect server on 4042). Each answers as
//! the original does, after postman-echo's documented responses and Newman's source.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Map, Value, json};
use skopos_test_support::{Reply, reply, serve};

/// The three servers, started once.
pub struct Servers {
    pub echo: SocketAddr,
    pub raw: SocketAddr,
    pub redirect: SocketAddr,
}

pub fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| Servers { echo: serve(echo), raw: raw_echo(), redirect: serve(redirect) })
}

impl Servers {
    /// `text` (a collection or environment) pointed at the stand-ins: every host the suite
    /// names, in URLs written out and in URL objects (`host: ["postman-echo", "com"]`), so
    /// nothing leaves 127.0.0.1.
    pub fn point(&self, text: &str) -> String {
        let pointed = self.point_text(text);
        let (bom, json) = match pointed.strip_prefix('\u{feff}') {
            Some(json) => ("\u{feff}", json),
            None => ("", pointed.as_str()),
        };
        let Ok(mut value) = serde_json::from_str::<Value>(json) else { return pointed };
        self.point_url_objects(&mut value);
        format!("{bom}{}", serde_json::to_string_pretty(&value).unwrap())
    }

    fn point_url_objects(&self, value: &mut Value) {
        match value {
            Value::Object(fields) => {
                if let Some(Value::Object(url)) = fields.get_mut("url") {
                    let host = match url.get("host") {
                        Some(Value::Array(parts)) => {
                            parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(".")
                        }
                        Some(Value::String(host)) => host.clone(),
                        _ => String::new(),
                    };
                    let local = ["127.0.0.1", "localhost", "127.1"].contains(&host.as_str());
                    if !host.is_empty() && !local && !host.contains("{{") {
                        url.insert("host".into(), json!(["127", "0", "0", "1"]));
                        url.insert("port".into(), json!(self.echo.port().to_string()));
                        url.insert("protocol".into(), json!("http"));
                    }
                }
                fields.values_mut().for_each(|v| self.point_url_objects(v));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.point_url_objects(v)),
            _ => {}
        }
    }

    fn point_text(&self, text: &str) -> String {
        let echo = format!("http://{}", self.echo);
        text.replace("https://postman-echo.com", &echo)
            .replace("http://github.com", &echo)
            .replace("http://google.com", &echo)
            .replace("https://expired.badssl.com", &echo)
            .replace("http://postman-echo.com", &echo)
            .replace("https://httpbin.org", &echo)
            .replace("postman-echo.com", &self.echo.to_string())
            .replace("localhost:4041", &self.raw.to_string())
            .replace("127.1:4041", &self.raw.to_string())
            .replace("localhost:4042", &self.redirect.to_string())
            // URL objects give the port apart from the host.
            .replace("\"port\": \"4041\"", &format!("\"port\": \"{}\"", self.raw.port()))
            .replace("\"port\": \"4042\"", &format!("\"port\": \"{}\"", self.redirect.port()))
    }
}

/// The query as postman-echo's `args`: a repeated name holds a list.
fn args(query: Option<&str>) -> Value {
    let mut args = Map::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = Value::String(value.into_owned());
        match args.get_mut(name.as_ref()) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = json!([first.clone(), value]),
            None => {
                args.insert(name.into_owned(), value);
            }
        }
    }
    Value::Object(args)
}

/// The request headers, names in lower case, repeated ones joined with `, `.
fn headers(request: &http::Request<Bytes>) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.entry(name.as_str().to_string()).and_modify(|v| *v = format!("{v}, {value}")).or_insert(value);
    }
    json!(headers)
}

fn url_of(request: &http::Request<Bytes>) -> String {
    let host = request.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}{}", request.uri().path_and_query().map_or("/", |p| p.as_str()))
}

fn json_reply(status: u16, value: Value) -> Reply {
    reply(status, "application/json; charset=utf-8", value.to_string())
}

/// What postman-echo's `/post` (and `/put`, `/patch`, `/delete`) says about the body.
fn body_fields(request: &http::Request<Bytes>) -> (Value, Value, Value, Value) {
    let content_type = request.headers().get("content-type").and_then(|c| c.to_str().ok()).unwrap_or("");
    let body = request.body();
    let text = String::from_utf8_lossy(body).into_owned();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let form = args(Some(&text));
        return (json!(""), form.clone(), json!({}), form);
    }
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        let (form, files) = multipart(&text, boundary.trim_matches('"'));
        return (json!(""), form, files, Value::Null);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if content_type.contains("json") => (value.clone(), json!({}), json!({}), value),
        _ if body.is_empty() => (json!({}), json!({}), json!({}), Value::Null),
        _ => (json!(text), json!({}), json!({}), Value::Null),
    }
}

/// The fields and files of a `multipart/form-data` body: files as postman-echo writes them
/// (`name: data:application/octet-stream;base64,...`).
fn multipart(text: &str, boundary: &str) -> (Value, Value) {
    let (mut form, mut files) = (Map::new(), Map::new());
    for part in text.split(&format!("--{boundary}")).skip(1) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else { continue };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let field = |key: &str| head.split(&format!("{key}=\"")).nth(1).and_then(|rest| rest.split('"').next());
        match (field("name"), field("filename")) {
            (_, Some(file)) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(content);
                files.insert(file.to_string(), json!(format!("data:application/octet-stream;base64,{encoded}")));
            }
            (Some(name), None) => {
                form.insert(name.to_string(), json!(content));
            }
            _ => {}
        }
    }
    (Value::Object(form), Value::Object(files))
}

async fn echo(request: http::Request<Bytes>) -> Reply {
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let method = request.method().as_str().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET" | "HEAD", ["get"]) => json_reply(
            200,
            json!({"args": args(query.as_deref()), "headers": headers(&request), "url": url_of(&request)}),
        ),
        (_, ["post" | "put" | "patch" | "delete"]) if segments[0].eq_ignore_ascii_case(&method) => {
            let (data, form, files, json) = body_fields(&request);
            json_reply(
                200,
                json!({"args": args(query.as_deref()), "data": data, "files": files, "form": form,
                       "headers": headers(&request), "json": json, "url": url_of(&request)}),
            )
        }
        (_, ["headers"]) => json_reply(200, json!({"headers": headers(&request)})),
        (_, ["ip"]) => json_reply(200, json!({"ip": "127.0.0.1"})),
        (_, ["status", code]) => match code.parse::<u16>() {
            Ok(code @ 100..=599) => json_reply(code, json!({"status": code})),
            _ => json_reply(400, json!({"error": "invalid status"})),
        },
        (_, ["response-headers"]) => {
            let args = args(query.as_deref());
            let mut answer = json_reply(200, args.clone());
            // Each parameter replaces the header of its name (Content-Type too), repeated ones
            // are sent several times.
            for (name, value) in args.as_object().into_iter().flatten() {
                let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else { continue };
                answer.headers_mut().remove(&name);
                for value in value.as_array().cloned().unwrap_or_else(|| vec![value.clone()]) {
                    if let Ok(value) = http::HeaderValue::from_str(value.as_str().unwrap_or("")) {
                        answer.headers_mut().append(name.clone(), value);
                    }
                }
            }
            answer
        }
        (_, ["cookies"]) => json_reply(200, json!({"cookies": cookies(&request)})),
        (_, ["cookies", action @ ("set" | "delete")]) => {
            let mut answer = redirect_to(302, "/cookies");
            for (name, value) in args(query.as_deref()).as_object().into_iter().flatten() {
                let cookie = match *action {
                    "set" => format!("{name}={}; Path=/", value.as_str().unwrap_or("")),
                    _ => format!("{name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"),
                };
                answer.headers_mut().append("set-cookie", cookie.parse().unwrap());
            }
            answer
        }
        (_, ["basic-auth"]) => {
            let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("postman:password"));
            match request.headers().get("authorization").is_some_and(|a| a.as_bytes() == expected.as_bytes()) {
                true => json_reply(200, json!({"authenticated": true})),
                false => reply(401, "text/plain", "Unauthorized"),
            }
        }
        (_, ["redirect-to"]) => {
            let target = args(query.as_deref())["url"].as_str().unwrap_or("/").to_string();
            redirect_to(302, &target)
        }
        (_, ["delay", seconds]) => {
            let seconds: u64 = seconds.parse().unwrap_or(0).min(10);
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            json_reply(200, json!({"delay": seconds.to_string()}))
        }
        (_, [kind @ ("gzip" | "deflate")]) => compressed(kind, &method, &request),
        (_, ["type", "html"]) => {
            reply(200, "text/html; charset=utf-8", "<html><body><h1>postman-echo</h1></body></html>")
        }
        (_, ["type", "xml"]) => reply(200, "application/xml; charset=utf-8", "<?xml version=\"1.0\"?><root/>"),
        _ => reply(404, "text/html; charset=utf-8", "Not Found"),
    }
}

fn cookies(request: &http::Request<Bytes>) -> Value {
    let mut cookies = Map::new();
    for header in request.headers().get_all("cookie") {
        for pair in String::from_utf8_lossy(header.as_bytes()).split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                cookies.insert(name.to_string(), json!(value));
            }
        }
    }
    Value::Object(cookies)
}

fn redirect_to(status: u16, location: &str) -> Reply {
    let mut answer = reply(status, "text/plain; charset=utf-8", format!("Found. Redirecting to {location}"));
    if let Ok(location) = http::HeaderValue::from_str(location) {
        answer.headers_mut().insert("location", location);
    }
    answer
}

/// `/gzip` and `/deflate`: a JSON body compressed as named.
fn compressed(kind: &str, method: &str, request: &http::Request<Bytes>) -> Reply {
    use flate2::write::{GzEncoder, ZlibEncoder};
    let flag = if kind == "gzip" { "gzipped" } else { "deflated" };
    let body = json!({flag: true, "headers": headers(request), "method": method}).to_string();
    let bytes = if kind == "gzip" {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(body.as_bytes()).unwrap();
        encoder.finish().unwrap()
    } else {
        let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(body.as_bytes()).unwrap();
        encoder.finish().unwrap()
    };
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .header("content-encoding", kind)
        .body(Full::new(Bytes::from(bytes)).boxed())
        .unwrap()
}

/// Newman's redirect server: `/N` redirects N times, `/status/CODE` answers CODE with a
/// `Location: /`, anything else echoes the request as JSON.
async fn redirect(request: http::Request<Bytes>) -> Reply {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    if let Ok(hops) = path.trim_start_matches('/').parse::<u32>() {
        return redirect_to(302, &if hops > 1 { format!("/{}", hops - 1) } else { "/".into() });
    }
    if let Some(code) = path.strip_prefix("/status/").and_then(|c| c.parse::<u16>().ok()) {
        return redirect_to(code, "/");
    }
    json_reply(
        200,
        json!({"url": path, "method": request.method().as_str(), "headers": headers(&request),
               "data": String::from_utf8_lossy(request.body())}),
    )
}

/// Newman's raw echo server: the request exactly as received, in the body (not for `HEAD`) and
/// JSON-quoted in a `raw-request` header.
fn raw_echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut raw = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    raw.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                raw.push_str(&String::from_utf8_lossy(&body));
                let mut stream = stream;
                let head = format!(
                    "HTTP/1.1 200 ok\r\nconnection: close\r\ncontent-type: text/plain\r\nraw-request: {}\r\n\r\n",
                    Value::String(raw.clone())
                );
                let _ = stream.write_all(head.as_bytes());
                if !raw.starts_with("HEAD ") {
                    let _ = stream.write_all(raw.as_bytes());
                }
            });
        }
    });
    address
}
