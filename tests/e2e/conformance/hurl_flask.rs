//! A stand-in for Hurl's Flask test server (`integration/hurl/server.py` and the `.py` beside
//! each case), written here: each route answers as Flask does, and checks the request as the
//! Flask route asserts it (a failed check is a 500 naming it, as a failed Python `assert` is).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::OnceLock;

use base64::Engine;
use skopos_test_support::{Reply, reply};

const ASSERT_JSON: &str = r#"{
  "count": 5,
  "success": false,
  "errors": [{"id":"error1"},{"id":"error2"}],
  "failures": [{"id":"failure1"}],
  "warnings": [],
  "message": "Bob says \"Hello\"",
  "duration": 1.5,
  "tags": ["test"],
  "nullable": null,
  "profile-id": "123abc",
  "dates": [
    "2022-10-31T09:00:00.594Z",
    "2024-03-20T11:23:56.773+02:00"
  ],
  "uuid": "01cc0f54-8885-4a1d-9121-ae5d316a33c5",
  "empty": {}
}"#;

/// The address this server listens on, set once it does.
pub static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();

/// The routes of Hurl's Flask app that the cases here call, answered as Flask does.
pub async fn routes(request: http::Request<bytes::Bytes>) -> Reply {
    const JSON: &str = "application/json";
    const HTML: &str = "text/html; charset=utf-8";
    let checked = |checks: Vec<(&str, bool)>, answer: Reply| match checks.into_iter().find(|(_, held)| !held) {
        Some((check, _)) => reply(500, HTML, format!("assert {check}")),
        None => answer,
    };
    let header = |name: &str| request.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    // Flask's `localhost:8000` is this server's address here.
    let host = ADDRESS.get().map(ToString::to_string).unwrap_or_default();
    match request.uri().path() {
        "/assert-status-code" => reply(201, HTML, ""),
        "/follow-redirect" => checked(
            vec![("Accept == 'text/plain'", header("accept").as_deref() == Some("text/plain"))],
            redirect(302, &format!("http://{host}/following-redirect")),
        ),
        // A `location` header in lower case.
        "/following-redirect" => redirect(302, &format!("http://{host}/followed-redirect")),
        "/followed-redirect" => checked(
            vec![("Accept == 'text/plain'", header("accept").as_deref() == Some("text/plain"))],
            reply(200, HTML, "Followed redirect!"),
        ),
        "/follow-redirect-308" => redirect(308, &format!("http://{host}/followed-redirect-post")),
        "/followed-redirect-post" if request.method() == http::Method::POST => {
            reply(200, HTML, "Followed redirect POST!")
        }
        "/float" => reply(
            200,
            HTML,
            "[ -2.2, 0.0, 0.0000000000000001, 0.000000000000001, 0.333, 0.3333333333333333, 0.333333333333333333, 1.0, 1.001, 1.07, 1.070, 1.1, 1.5 ]",
        ),
        path if path.starts_with("/assert-xpath") => match xml(path) {
            Some(body) => reply(200, "text/xml; charset=utf-8", body),
            None => reply(404, HTML, "Not Found"),
        },
        "/error-assert-header-not-found" | "/error-query-header-not-found" | "/query-match-none" => {
            reply(200, HTML, "")
        }
        "/default-headers" => checked(
            vec![
                (
                    "'hurl' in User-Agent",
                    header("user-agent").is_some_and(|a| a.contains("hurl") || a.contains("curl")),
                ),
                ("Host == 'localhost:8000'", header("host").is_some_and(|h| h == host)),
                ("'Content-Length' not in headers", header("content-length").is_none()),
            ],
            reply(200, HTML, ""),
        ),
        "/custom-headers" => checked(
            vec![
                (
                    "Fruit == 'Raspberry,Apple,Banana,Grape'",
                    header("fruit").as_deref() == Some("Raspberry,Apple,Banana,Grape"),
                ),
                ("Color == 'Green'", header("color").as_deref() == Some("Green")),
            ],
            reply(200, HTML, ""),
        ),
        "/custom-headers-utf8" => checked(
            vec![(
                "Beverage == 'caf\\xc3\\xa9'",
                request.headers().get("beverage").is_some_and(|v| v.as_bytes() == "café".as_bytes()),
            )],
            reply(200, HTML, ""),
        ),
        "/custom-headers-value" => {
            checked(vec![("Id == '#123'", header("id").as_deref() == Some("#123"))], reply(200, HTML, ""))
        }
        "/custom-headers-quote" => {
            checked(vec![("Header1 == \"'\"", header("header1").as_deref() == Some("'"))], reply(200, HTML, ""))
        }
        "/empty-headers" => {
            checked(vec![("Empty-Header == ''", header("empty-header").as_deref() == Some(""))], reply(200, HTML, ""))
        }
        "/response-headers" => {
            let mut answer = reply(200, HTML, "");
            answer.headers_mut().insert("beverage", http::HeaderValue::from_static("cafe"));
            answer
        }
        "/basic-authentication-per-request" => {
            let expected =
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("bob@email.com:secret"));
            checked(
                vec![("Authorization == 'Basic Ym9i...'", header("authorization") == Some(expected))],
                reply(200, HTML, "You are authenticated"),
            )
        }
        "/form-params" => {
            let form: BTreeMap<String, String> = url::form_urlencoded::parse(request.body()).into_owned().collect();
            let field = |name: &str| form.get(name).map(String::as_str);
            checked(
                vec![
                    ("form['param1'] == 'value1'", field("param1") == Some("value1")),
                    ("form['param2'] == ''", field("param2") == Some("")),
                    ("form['param3'] == 'a=b'", field("param3") == Some("a=b")),
                    ("form['param4'] == 'a%3db'", field("param4") == Some("a%3db")),
                    ("form['values[0]'] == '0'", field("values[0]") == Some("0")),
                    ("form['values[1]'] == '1'", field("values[1]") == Some("1")),
                ],
                reply(200, HTML, ""),
            )
        }
        path if path.starts_with("/cookies/") => cookies(path, header("cookie")),
        "/graphql" => {
            let content_type =
                ("Content-Type == 'application/json'", header("content-type").as_deref() == Some("application/json"));
            // The Flask route answers only the exact bodies it knows (any other is a 500).
            let body = String::from_utf8_lossy(request.body());
            match graphql_answer(&body) {
                Some(answer) => checked(vec![content_type], reply(200, JSON, answer)),
                None => reply(500, HTML, format!("KeyError: {body}")),
            }
        }
        "/multipart-form-data" => {
            let parts = multipart_parts(&request);
            let part = |name: &str| parts.iter().find(|p| p.0 == name);
            let is = |name: &str, filename: Option<&str>, content_type: Option<&str>, content: &str| {
                part(name).is_some_and(|p| {
                    p.1.as_deref() == filename
                        && (content_type.is_none() || p.2.as_deref() == content_type)
                        && p.3.trim_end() == content
                })
            };
            checked(
                vec![
                    ("form['key1'] == 'value1'", is("key1", None, None, "value1")),
                    (
                        "files['upload1'] is data.txt, text/plain",
                        is("upload1", Some("data.txt"), Some("text/plain"), "Hello World!"),
                    ),
                    (
                        "files['upload2'] is data.html, text/html",
                        is("upload2", Some("data.html"), Some("text/html"), "<div>Hello <b>World</b>!</div>"),
                    ),
                    (
                        "files['upload3'] is data.txt, text/html",
                        is("upload3", Some("data.txt"), Some("text/html"), "Hello World!"),
                    ),
                ],
                reply(200, HTML, ""),
            )
        }
        "/assert-json" => reply(200, JSON, ASSERT_JSON),
        "/assert-json/index" => reply(200, HTML, "1"),
        "/assert-json/list" => {
            reply(200, JSON, "[\n  { \"id\": 1, \"name\": \"Bob\"},\n  { \"id\": 2, \"name\": \"Bill\"}\n]")
        }
        "/assert-json/list-in-list" => {
            reply(200, JSON, "{\n    \"list\": [1, 2, 3],\n    \"list_in_list\": [[1, 2, 3]]\n}")
        }
        _ if let Some(answer) = super::hurl_flask_values::route(&request) => answer,
        _ => reply(404, HTML, "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"),
    }
}

/// The parts of a `multipart/form-data` body: name, filename, content type and content.
fn multipart_parts(request: &http::Request<bytes::Bytes>) -> Vec<(String, Option<String>, Option<String>, String)> {
    let content_type = request.headers().get("content-type").and_then(|c| c.to_str().ok()).unwrap_or("");
    let Some(boundary) = content_type.split("boundary=").nth(1).map(|b| b.trim_matches('"').to_string()) else {
        return Vec::new();
    };
    let body = String::from_utf8_lossy(request.body()).replace("\r\n", "\n");
    let mut parts = Vec::new();
    for part in body.split(&format!("--{boundary}")).skip(1) {
        let Some((head, content)) = part.trim_start_matches('\n').split_once("\n\n") else { continue };
        let content = content.strip_suffix('\n').unwrap_or(content).to_string();
        let field =
            |key: &str| head.split(&format!("{key}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
        let part_type =
            head.lines().find_map(|l| l.strip_prefix("Content-Type: ").or_else(|| l.strip_prefix("content-type: ")));
        if let Some(name) = field("name") {
            parts.push((name, field("filename"), part_type.map(str::to_string), content));
        }
    }
    parts
}

/// `cookies.py`: request cookies checked, session cookies set and deleted as Werkzeug writes
/// them.
fn cookies(path: &str, header: Option<String>) -> Reply {
    const HTML: &str = "text/html; charset=utf-8";
    let sent: BTreeMap<String, String> = header
        .iter()
        .flat_map(|h| h.split(';').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|pair| pair.trim().split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let cookie = |name: &str| sent.get(name).map(String::as_str);
    let header = header.unwrap_or_default();
    let setting = |cookies: &[&str]| {
        let mut answer = reply(200, HTML, "");
        for cookie in cookies {
            answer.headers_mut().append("set-cookie", http::HeaderValue::from_str(cookie).unwrap());
        }
        answer
    };
    let checks: Vec<(&str, bool)> = match path {
        "/cookies/set-request-cookie1-valueA" => vec![
            ("cookies['cookie1'] == 'valueA'", cookie("cookie1") == Some("valueA")),
            ("headers['Cookie'] == 'cookie1=valueA'", header == "cookie1=valueA"),
        ],
        "/cookies/set-multiple-request-cookies" => vec![
            ("cookies['user3'] == 'Bruce'", cookie("user3") == Some("Bruce")),
            (
                "headers['Cookie'] == 'user1=Bob; user2=Bill; user3=Bruce'",
                header == "user1=Bob; user2=Bill; user3=Bruce",
            ),
        ],
        "/cookies/assert-that-cookie1-is-not-in-session" => {
            vec![
                ("'cookie1' not in cookies", cookie("cookie1").is_none()),
                ("'Cookie' not in headers", header.is_empty()),
            ]
        }
        "/cookies/assert-that-cookie2-is-not-in-session" => {
            vec![("'cookie2' not in cookies", cookie("cookie2").is_none())]
        }
        "/cookies/assert-that-cookie2-is-valueA" => {
            vec![("cookies['cookie2'] == 'valueA'", cookie("cookie2") == Some("valueA"))]
        }
        "/cookies/assert-that-cookie2-is-valueA-and-valueB" => vec![
            ("'cookie2=valueA' in headers['Cookie']", header.contains("cookie2=valueA")),
            ("'cookie2=valueB' in headers['Cookie']", header.contains("cookie2=valueB")),
        ],
        "/cookies/set-session-cookie2-valueA" => return setting(&["cookie2=valueA; Path=/"]),
        "/cookies/delete-cookie2" => {
            return setting(&["cookie2=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"]);
        }
        "/cookies/set" => {
            return setting(&[
                "LSID=DQAAAKEaem_vYg; Expires=Wed, 13 Jan 2021 22:23:01 GMT; Secure; HttpOnly; Path=/accounts",
                "HSID=AYQEVnDKrdst; Domain=localhost; Expires=Wed, 13 Jan 2021 22:23:01 GMT; HttpOnly; Path=/",
                "SSID=Ap4PGTEq; Domain=localhost; Expires=Wed, 13 Jan 2021 22:23:01 GMT; Secure; HttpOnly; Path=/",
            ]);
        }
        _ => return reply(404, HTML, "Not Found"),
    };
    match checks.into_iter().find(|(_, held)| !held) {
        Some((check, _)) => reply(500, HTML, format!("assert {check}")),
        None => reply(200, HTML, ""),
    }
}

/// `graphql.py`: the bodies Hurl sends for its GraphQL cases, byte for byte, and the answers.
fn graphql_answer(body: &str) -> Option<String> {
    let films = r#"{"data":{"allFilms":{"films":[{"title":"A New Hope","director":"George Lucas","releaseDate":"1977-05-25"},{"title":"The Empire Strikes Back","director":"Irvin Kershner","releaseDate":"1980-05-17"},{"title":"Return of the Jedi","director":"Richard Marquand","releaseDate":"1983-05-25"},{"title":"The Phantom Menace","director":"George Lucas","releaseDate":"1999-05-19"},{"title":"Attack of the Clones","director":"George Lucas","releaseDate":"2002-05-16"},{"title":"Revenge of the Sith","director":"George Lucas","releaseDate":"2005-05-19"}]}}}"#;
    let all_films = "{\n  allFilms {\n    films {\n      title\n      director\n      releaseDate\n    }\n  }\n}";
    let person = "query Person($id: ID!) {\n  person(id: $id) {\n    name\n  }\n}";
    let known = [
        (serde_json::json!({"query": all_films}).to_string(), films.to_string()),
        (serde_json::json!({"query": format!("query Query {all_films}")}).to_string(), films.to_string()),
        (
            serde_json::json!({"query": person, "variables": {"id": "cGVvcGxlOjQ="}}).to_string(),
            r#"{"data":{"person":{"name":"Darth Vader"}}}"#.to_string(),
        ),
    ];
    known.into_iter().find(|(expected, _)| expected == body).map(|(_, answer)| answer)
}

/// `assert_xpath.py`: XML documents, with and without namespaces.
fn xml(path: &str) -> Option<&'static str> {
    Some(match path {
        "/assert-xpath" => "<data>café</data>",
        "/assert-xpath-svg" => concat!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.0//EN\" \n",
            "              \"http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd\">\n",
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <style type=\"text/css\">\n    circle:hover {fill-opacity:0.9;}\n  </style>\n",
            "  <g style=\"fill-opacity:0.7;\">\n    <circle cx=\"6.5cm\" cy=\"2cm\" r=\"100\"/>\n    <circle cx=\"6.5cm\" cy=\"2cm\" r=\"100\"/>\n",
            "    <circle cx=\"6.5cm\" cy=\"2cm\" r=\"100\"/>\n  </g>\n</svg>\n"
        ),
        "/assert-xpath-simple-namespaces" => concat!(
            "<?xml version=\"1.0\"?>\n<!-- both namespace prefixes are available throughout -->\n",
            "<bk:book xmlns:bk='urn:loc.gov:books'\n         xmlns:isbn='urn:ISBN:0-395-36341-6'>\n",
            "    <bk:title>Cheaper by the Dozen</bk:title>\n    <isbn:number>1568491379</isbn:number>\n</bk:book>\n"
        ),
        "/assert-xpath-namespaces" => concat!(
            "<?xml version=\"1.0\"?>\n<!-- initially, the default namespace is \"books\" -->\n",
            "<book xmlns='urn:loc.gov:books'\n      xmlns:isbn='urn:ISBN:0-395-36341-6'>\n",
            "    <title>Cheaper by the Dozen</title>\n    <isbn:number>1568491379</isbn:number>\n    <notes>\n",
            "      <!-- make HTML the default namespace for some commentary -->\n",
            "      <p xmlns='http://www.w3.org/1999/xhtml'>\n          This is a <i>funny</i> book!\n      </p>\n",
            "    </notes>\n</book>\n"
        ),
        _ => return None,
    })
}

fn redirect(status: u16, location: &str) -> Reply {
    let mut answer = reply(status, "text/html; charset=utf-8", "<!DOCTYPE html>\n<title>Redirecting...</title>\n");
    answer.headers_mut().insert("location", http::HeaderValue::from_str(location).expect("a URL"));
    answer
}
