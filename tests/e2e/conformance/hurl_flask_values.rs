//! More of Hurl's Flask routes, those that answer values to capture, filter and compare,
//! written here: `hello.py`, `assert_base64.py`, `assert_header.py`, `captures.py` and
//! `filter.py`, `querystring_params.py` (answers as Flask gives them; the request checked as the route asserts it).

use skopos_test_support::{Reply, reply};

const HTML: &str = "text/html; charset=utf-8";

/// The answer to `request` if one of these routes takes its path.
pub fn route(request: &http::Request<bytes::Bytes>) -> Option<Reply> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let argument = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    Some(match request.uri().path() {
        "/hello" => reply(200, HTML, "Hello World!"),
        "/assert-base64" => reply(200, HTML, "line1\nline2\r\nline3\n"),
        "/assert-header" => with_headers(
            reply(200, HTML, ""),
            &[
                ("Header1", "value1"),
                ("ETag", "\"33a64df551425fcc55e4d42a148795d9f25f89d4\""),
                ("Expires", "Wed, 21 Oct 2015 07:28:00 GMT"),
                ("x-fruit", "Banana"),
                ("x-fruit", "Lemon"),
                ("x-fruit", "Grape"),
                ("x-fruit", "Strawberry"),
                ("Set-Cookie", "cookie1=value1; Path=/"),
                ("Set-Cookie", "cookie2=value2; Path=/"),
                ("Set-Cookie", "cookie3=value3; Path=/"),
            ],
        ),
        "/captures" => {
            with_headers(reply(200, HTML, "Hello world!"), &[("Header1", "value1"), ("Header2", "Hello Bob!")])
        }
        "/captures-check" => {
            checked(&[("param1", argument("param1") == Some("value1")), ("param2", argument("param2") == Some("Bob"))])
        }
        "/captures-xml" => reply(
            200,
            HTML,
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>title</title></head><body>\
             <p>Lorem ipsum dolor sit amet</p><p>Sed ut perspiciatis unde omnis</p></body></html>",
        ),
        "/captures-json" => reply(
            200,
            HTML,
            "{\"a_null\":null,\"an_object\":{\"id\": \"123\"},\"a_list\":[1,2,3],\"an_integer\":1,\
             \"a_big_integer\":10000000000000000365,\"a_float\":1.1,\"a_bool\":true,\"a_string\":\"hello\",\
             \"a_date_like_string\":\"2012-04-23T18:25:43.511Z\"}",
        ),
        "/filter" => reply(200, HTML, FILTER),
        "/querystring-params" => checked(&[
            ("param1", argument("param1") == Some("value1")),
            ("param2", argument("param2") == Some("")),
            ("param3", argument("param3") == Some("a=b")),
            ("param4", argument("param4") == Some("1,2,3")),
            ("$top", argument("$top") == Some("5")),
        ]),
        "/querystring-params-encoded" => checked(&[
            ("value1", argument("value1") == Some("/")),
            ("value2", argument("value2") == Some("/")),
            ("value3", argument("value3") == Some("/")),
        ]),
        _ => return None,
    })
}

/// `filter.py`'s answer, as `filter.hurl` expects it.
const FILTER: &str = r#"{
  "list": [1,2,3],
  "message": "Hello Bob!",
  "url": "https://mozilla.org/?x=шеллы",
  "encoded_url": "https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B",
  "text": "a > b && a < c",
  "escaped_html": [
    "a &gt; b &amp;&amp; a &lt; c",
    "Foo &#xA9; bar &#x1D306; baz &#x2603; qux",
    "&#65 foo"
  ],
  "id": "123",
  "score": 1.6,
  "ips": "192.168.2.1, 10.0.0.20, 10.0.0.10",
  "json": "{\"message\": \"Hello\"}"
}"#;

/// An empty 200 when every argument check holds, else a 500 naming the first that does not
/// (as a failed Python `assert` is).
fn checked(checks: &[(&str, bool)]) -> Reply {
    match checks.iter().find(|(_, held)| !held) {
        Some((argument, _)) => reply(500, HTML, format!("assert request.args.get('{argument}')")),
        None => reply(200, HTML, ""),
    }
}

fn with_headers(mut answer: Reply, headers: &[(&'static str, &'static str)]) -> Reply {
    for (name, value) in headers {
        answer.headers_mut().append(*name, http::HeaderValue::from_static(value));
    }
    answer
}
