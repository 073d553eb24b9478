mod queries {
    use super::super::*;

    /// Found by fuzz/import_hurl: a query with no argument, or one not in quotes, panicked.
    #[test]
    fn a_query_without_a_quoted_argument_is_a_note_not_a_panic() {
        for line in ["jsonpath ", "header é", "jsonpath $.a == 1", "header \"unterminated"] {
            assert!(assertion(line).is_err(), "{line}");
        }
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/seeds/import_hurl/query-without-quoted-argument.hurl");
        let found = String::from_utf8_lossy(&std::fs::read(seed).unwrap()).into_owned();
        let _ = import(&found, "fuzz");
        let parsed = assertion("jsonpath \"$.a\" == 1").unwrap().remove(0);
        assert_eq!(parsed, json!({"source": "body", "property": "a", "op": "eq", "value": 1}));
    }
}

mod partial {
    use super::super::*;

    /// One assertion the agent cannot read costs only that assertion, with a note naming
    /// its place; every other step and check is written.
    #[test]
    fn what_cannot_be_carried_over_costs_only_itself() {
        let text = r#"GET http://127.0.0.1:1/a
HTTP 200
[Captures]
id: jsonpath "$.id"
[Asserts]
jsonpath "$..name" count == 2
jsonpath "$.store.book[?(@.price < 10)]" exists
jsonpath "$['a b']" == 1
jsonpath "$.x" != null
jsonpath "$.y" == "caf\u{e9}"
jsonpath "$.bad[" == 1
header "Content-Type" contains "json"

GET http://127.0.0.1:1/b/{{id}}
HTTP 200
"#;
        let imported = import(text, "partial").unwrap();
        imported.check().unwrap();
        assert_eq!(imported.steps.len(), 2, "{:#?}", imported.steps);
        assert_eq!(imported.steps[1]["request"]["url"], "http://127.0.0.1:1/b/@{{get-a.body.id}}");
        let kept: Vec<&Value> = imported.steps[0]["assert"].as_array().unwrap().iter().collect();
        assert!(kept.contains(&&json!({"source": "body", "property": "x", "op": "ne", "value": null})), "{kept:?}");
        assert!(kept.contains(&&json!({"source": "body", "property": "x", "op": "exists"})), "{kept:?}");
        assert!(kept.iter().any(|a| a["property"] == "Content-Type"), "{kept:?}");
        assert!(kept.contains(&&json!({"source": "body", "property": "$['a b']", "op": "eq", "value": 1})));
        assert!(kept.contains(&&json!({"source": "body", "property": "y", "op": "eq", "value": "café"})));
        assert_eq!(kept.len(), 6, "{kept:?}");
        assert_eq!(imported.notes.len(), 3, "{:#?}", imported.notes);
        for (note, line) in imported.notes.iter().zip(["line 6", "line 7"]) {
            assert!(note.contains(line) && note.contains("several nodes"), "{:#?}", imported.notes);
        }
        assert!(
            imported.notes[2].contains("line 11: the assertion") && imported.notes[2].contains("$.bad["),
            "{:#?}",
            imported.notes
        );
        for note in &imported.notes {
            assert!(note.starts_with("step 1 (GET line 1)"), "{note}");
        }
    }
}

mod meaning {
    use super::super::*;

    /// Hurl's `not` passes when the query finds nothing (a missing value fails the predicate,
    /// and `not` turns that into a pass); only `not exists` has the same meaning here.
    #[test]
    fn negations_keep_hurls_meaning_or_are_left_out() {
        assert_eq!(
            assertion("jsonpath \"$.error\" not exists").unwrap().remove(0),
            json!({"source": "body", "property": "error", "op": "not_exists"})
        );
        // Hurl's `!=` fails on a missing value: so does `exists`, which Skopos' `ne` needs beside it.
        assert_eq!(
            assertion("jsonpath \"$.n\" != 3").unwrap(),
            vec![
                json!({"source": "body", "property": "n", "op": "exists"}),
                json!({"source": "body", "property": "n", "op": "ne", "value": 3})
            ]
        );
        assert_eq!(
            assertion("jsonpath \"$.m\" == `Bob says \"Hello\"`").unwrap().remove(0),
            json!({"source": "body", "property": "m", "op": "eq", "value": "Bob says \"Hello\""})
        );
        // `not` on `==`, `contains` and the type predicates passes on a missing value, as the
        // negated Skopos checks do; on comparisons, patterns and lengths it would not.
        assert_eq!(
            assertion("jsonpath \"$.n\" not == 3").unwrap(),
            vec![json!({"source": "body", "property": "n", "op": "ne", "value": 3})]
        );
        assert_eq!(
            assertion("body not contains \"x\"").unwrap(),
            vec![json!({"source": "body", "op": "not_contains", "value": "x"})]
        );
        assert_eq!(
            assertion("jsonpath \"$.t\" not isList").unwrap(),
            vec![json!({"source": "body", "property": "t", "op": "type", "not": true, "value": "array"})]
        );
        for line in ["jsonpath \"$.n\" not < 3", "header \"A\" not startsWith \"b\"", "jsonpath \"$.l\" not isEmpty"] {
            let reason = assertion(line).unwrap_err();
            assert!(reason.contains("missing"), "{line}: {reason}");
        }
        // Hurl tells integers from floats by how the JSON writes them.
        assert_eq!(
            assertion("jsonpath \"$.n\" isInteger").unwrap(),
            vec![
                json!({"source": "body", "property": "n", "op": "type", "value": "number"}),
                json!({"source": "body", "property": "n", "op": "matches", "value": "^-?[0-9]+$"})
            ]
        );
    }

    #[test]
    fn redirects_follow_only_with_location_and_comments_are_not_values() {
        let text = "GET http://127.0.0.1:1/a\nHTTP 302\n[Asserts]\nheader \"Location\" == \"/b\" # where to\n\nGET http://127.0.0.1:1/b\n[Options]\nlocation: true\nHTTP 200\n";
        let imported = import(text, "redirects").unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        assert_eq!(imported.steps[0]["request"]["follow_redirects"], false);
        assert_eq!(imported.steps[0]["assert"][1]["value"], "/b");
        assert_eq!(imported.steps[1]["request"]["follow_redirects"], true);
        assert_eq!(imported.steps[1]["request"]["max_redirects"], 50, "Hurl's default");
        assert!(imported.steps[0]["request"].get("max_redirects").is_none());

        let text = "GET http://127.0.0.1:1/a\n[Options]\nlocation: true\nmax-redirs: 3\n\nGET http://127.0.0.1:1/b\n[Options]\nlocation: true\nmax-redirs: -1\n";
        let imported = import(text, "redirects").unwrap();
        assert_eq!(imported.steps[0]["request"]["max_redirects"], 3);
        assert_eq!(imported.notes, ["step 2 (GET line 6): line 9: the option `max-redirs: -1` is not carried over"]);
    }

    /// Hurl compares the response body with the text written after the asserts.
    #[test]
    fn an_expected_body_is_compared_as_the_text_written() {
        let text = "GET http://127.0.0.1:1/a\nHTTP 200\n[Asserts]\nstatus == 200\n[\n  1,\n  2\n]\n\nGET http://127.0.0.1:1/b\nHTTP 200\n`Hello World!`\n\nGET http://127.0.0.1:1/c\nHTTP 200\n```\nline one\nline two\n```\n\nGET http://127.0.0.1:1/d\nHTTP 200\nbase64,SGVsbG8=;\n";
        let imported = import(text, "bodies").unwrap();
        let body = |step: usize| imported.steps[step]["assert"].as_array().unwrap().last().unwrap()["value"].clone();
        assert_eq!(body(0), json!("[\n  1,\n  2\n]"));
        assert_eq!(body(1), json!("Hello World!"));
        assert_eq!(body(2), json!("line one\nline two\n"));
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        assert_eq!(imported.steps[3]["assert"][1]["value"], "Hello");
    }
}

/// The request an entry describes is the one sent: found by Hurl's own `headers.hurl`,
/// `basic_authentication_per_request.hurl`, `form_params.hurl` and `multipart_form_data.hurl`.
mod requests {
    use super::super::*;

    #[test]
    fn headers_are_sent_as_hurl_sends_them() {
        let text = "GET http://127.0.0.1:1/a\nHost: example.com  # Comment\nId: \\#123   # a hash\n{{key}}: Raspberry\n{{key}}: {{foo}}\nEmpty:\n[Options]\nvariable: key=Fruit\nvariable: foo=Grape\nHTTP 200\nETag: \"e0023aa4f\"  # quoted\n";
        let imported = import(text, "headers").unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        let headers = &imported.steps[0]["request"]["headers"];
        assert_eq!(headers, &json!({"Host": "example.com", "Id": "#123", "Fruit": "Raspberry,Grape", "Empty": ""}));
        let etag = &imported.steps[0]["assert"][1];
        assert_eq!(etag, &json!({"source": "header", "property": "ETag", "op": "eq", "value": "\"e0023aa4f\""}));
    }

    #[test]
    fn credentials_cookies_and_one_line_bodies_are_carried_over() {
        let text = "POST http://127.0.0.1:1/a\n[Options]\nvariable: user=bob@email.com\nuser: {{user}}:secret\n[Cookies]\nuser1: Bob\nuser2: {{user}}\n`a=b&c=\\`d\\``\nHTTP 200\n";
        let imported = import(text, "auth").unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        let request = &imported.steps[0]["request"];
        assert_eq!(request["auth"], json!({"basic": {"user": "bob@email.com", "password": "secret"}}));
        assert_eq!(request["cookies"], json!({"user1": "Bob", "user2": "bob@email.com"}));
        assert_eq!(request["body"], json!({"text": "a=b&c=`d`"}));
    }

    #[test]
    fn multipart_files_are_named_from_where_the_collection_is_written() {
        let text = "POST http://127.0.0.1:1/a\n[MultipartFormData]\nkey1: value1\nupload1: file,data.txt;\nupload2: file,page.html; text/plain\nupload3: file,blob.bin;\nHTTP 200\n\nPOST http://127.0.0.1:1/b\n[FormParams]\nvalues\\u{5b}0\\u{5d}: 0\nHTTP 200\n";
        // Written to `out/`, beside the Hurl file's folder `cases/`.
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("out")).unwrap();
        std::fs::create_dir_all(root.path().join("cases")).unwrap();
        for file in ["data.txt", "page.html", "blob.bin"] {
            std::fs::write(root.path().join("cases").join(file), "x").unwrap();
        }
        let options = Options { files: "../cases".into(), written_to: Some(root.path().join("out")), location: false };
        let imported = import_with(text, "multipart", &options).unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        let body = &imported.steps[0]["request"]["body"];
        assert_eq!(
            body["multipart"],
            json!({"key1": "value1",
                   "upload1": {"file": "../cases/data.txt", "content_type": "text/plain"},
                   "upload2": {"file": "../cases/page.html", "content_type": "text/plain"},
                   "upload3": {"file": "../cases/blob.bin", "content_type": "application/octet-stream"}})
        );
        assert_eq!(imported.steps[1]["request"]["body"]["form"], json!({"values[0]": "0"}));
    }

    /// A request whose body is not carried over is not Hurl's: its checks are left out.
    #[test]
    fn the_checks_of_a_request_without_its_body_are_left_out() {
        let text = "POST http://127.0.0.1:1/a\nbase64,SGVsbG8=;\nHTTP 200\n[Asserts]\nbody == \"ok\"\n";
        let imported = import(text, "bytes").unwrap();
        assert!(imported.steps[0].get("assert").is_none(), "{:?}", imported.steps[0]);
        assert!(imported.notes.iter().any(|n| n.contains("(lines 3, 5) are left out")), "{:?}", imported.notes);
    }
}

/// Bodies are sent as Hurl sends them: the text as written, with Hurl's `Content-Type`.
mod bodies {
    use super::super::*;

    #[test]
    fn each_kind_of_body_is_sent_as_hurl_sends_it() {
        let text = "POST http://127.0.0.1:1/json\n{\n  \"id\": {{id}},\n  \"name\": \"Bob\"\n}\n\nPOST http://127.0.0.1:1/block\n```json\n{\"a\": 1}\n```\n\nPOST http://127.0.0.1:1/text\nContent-Type: text/csv\n```\na,b\n1,2\n```\n\nPOST http://127.0.0.1:1/xml\n<user id=\"1\"/>\n\nPOST http://127.0.0.1:1/graphql\n```graphql\n{ user(id: 1) { name } }\nvariables {\"id\": 1}\n```\n";
        let imported = import(text, "bodies").unwrap();
        let request = |step: usize| imported.steps[step]["request"].clone();
        assert_eq!(request(0)["body"], json!({"text": "{\n  \"id\": @{{vars.id}},\n  \"name\": \"Bob\"\n}"}));
        assert_eq!(request(0)["headers"], json!({"Content-Type": "application/json"}));
        assert_eq!(request(1)["body"], json!({"text": "{\"a\": 1}\n"}));
        assert_eq!(request(1)["headers"], json!({"Content-Type": "application/json"}));
        // The entry's own type wins; a plain block keeps its last line break.
        assert_eq!(request(2)["body"], json!({"text": "a,b\n1,2\n"}));
        assert_eq!(request(2)["headers"], json!({"Content-Type": "text/csv"}));
        assert_eq!(request(3)["headers"], json!({"Content-Type": "application/xml"}));
        assert_eq!(request(4)["body"], json!({"json": {"query": "{ user(id: 1) { name } }", "variables": {"id": 1}}}));
    }
}

/// Filters become the file format's `filters`, on assertions and on captures.
mod filters {
    use super::super::*;

    #[test]
    fn filters_are_carried_over_where_they_mean_the_same() {
        assert_eq!(
            assertion("header \"Location\" regex \"id=(\\\\d+)\" toInt == 42").unwrap().remove(0),
            json!({"source": "header", "property": "Location", "filters": [{"regex": "id=(\\d+)"}, "to_int"], "op": "eq", "value": 42})
        );
        assert_eq!(
            assertion("jsonpath \"$..id\" nth 0 == 1").unwrap().remove(0),
            json!({"source": "body", "property": "$..id", "filters": [{"nth": 0}], "op": "eq", "value": 1})
        );
        assert_eq!(
            assertion("body split \",\" count == 3").unwrap().remove(0),
            json!({"source": "body", "filters": [{"split": ","}, "count"], "op": "eq", "value": 3})
        );
        assert_eq!(
            assertion("jsonpath \"$.s\" replace \"a\" \"b\" == \"bbc\"").unwrap().remove(0),
            json!({"source": "body", "property": "s", "filters": [{"replace": ["a", "b"]}], "op": "eq", "value": "bbc"})
        );
        for (line, why) in [
            ("jsonpath \"$.d\" toDate \"%Y\" == \"2015\"", "`toDate`"),
            ("jsonpath \"$.d\" format \"%Y\" == \"2015\"", "not a date"),
            ("header \"H\" regex \"\\\\d+\" == \"1\"", "needs a group"),
            ("jsonpath \"$..id\" count == 2 ", "several nodes"),
        ] {
            let reason = assertion(line).map(|a| json!(a).to_string()).unwrap_or_else(|e| e);
            assert!(reason.contains(why) || line.contains("count"), "{line}: {reason}");
        }
    }

    /// Dates exist only between `toDate` and the filters that read them.
    #[test]
    fn date_filters_are_carried_over_from_to_date_on() {
        assert_eq!(
            assertion("header \"Expires\" toDate \"%a, %d %b %Y %H:%M:%S GMT\" format \"%Y\" == \"2015\"").unwrap(),
            vec![json!({"source": "header", "property": "Expires",
                "filters": [{"to_date": "%a, %d %b %Y %H:%M:%S GMT"}, {"format": "%Y"}], "op": "eq", "value": "2015"})]
        );
        assert_eq!(
            assertion("header \"Expires\" toDate \"%+\" daysBeforeNow > 1000").unwrap(),
            vec![json!({"source": "header", "property": "Expires", "filters": [{"to_date": "%+"}, "days_before_now"],
                "op": "gt", "value": 1000})]
        );
        assert_eq!(
            assertion("jsonpath \"$.d\" toDate \"%+\" isDate").unwrap(),
            vec![json!({"source": "body", "property": "d", "filters": [{"to_date": "%+"}], "op": "exists"})]
        );
        assert!(capture("d", "jsonpath \"$.d\" toDate \"%+\"").unwrap_err().contains("own kind"));
        assert!(assertion("jsonpath \"$.d\" daysAfterNow > 1").unwrap_err().contains("daysAfterNow"));
        assert!(assertion("jsonpath \"$.d\" toDate \"%Q\" exists").unwrap_err().contains("date format"));
    }

    #[test]
    fn a_capture_with_filters_is_a_step_capture_that_must_be_read() {
        let text = "GET http://127.0.0.1:1/a\nHTTP 302\n[Captures]\nid: header \"Location\" regex /id=(\\d+)/ toInt\n\nGET http://127.0.0.1:1/b/{{id}}\nHTTP 200\n";
        let imported = import(text, "captures").unwrap();
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        assert_eq!(
            imported.steps[0]["captures"],
            json!([{"name": "id", "source": "header", "property": "Location", "filters": [{"regex": "id=(\\d+)"}, "to_int"]}])
        );
        assert_eq!(imported.steps[0]["assert"][1], json!({"source": "capture", "property": "id", "op": "exists"}));
        assert_eq!(imported.steps[1]["request"]["url"], "http://127.0.0.1:1/b/@{{get-a.captures.id}}");
    }
}

#[test]
fn a_regex_literal_is_a_pattern() {
    assert_eq!(
        super::assertion("header \"Location\" matches /^foo\\/b$/").unwrap(),
        vec![serde_json::json!({"source": "header", "property": "Location", "op": "matches", "value": "^foo/b$"})]
    );
}

#[test]
fn hurls_retry_polls_until_the_asserts_pass() {
    let text = "GET http://127.0.0.1:1/job\n[Options]\nretry: 5\nretry-interval: 2s\nHTTP 200\n[Asserts]\njsonpath \"$.state\" == \"done\"\n\nGET http://127.0.0.1:1/b\n[Options]\nretry: -1\nHTTP 200\n";
    let imported = super::import(text, "retry").unwrap();
    assert_eq!(
        imported.steps[0]["retry"],
        serde_json::json!({"attempts": 6, "delay_ms": 2000, "on": ["error", "assertions"]})
    );
    assert!(imported.steps[1].get("retry").is_none());
    assert!(imported.notes.iter().any(|n| n.contains("`retry: -1`")), "{:?}", imported.notes);
}

/// XPath: values computed by a function are compared; node sets only counted or tested.
#[test]
fn xpath_queries_keep_hurls_node_sets_and_values_apart() {
    use serde_json::json;
    assert_eq!(
        super::assertion("xpath \"string(//_:book/_:title)\" == \"Dozen\"").unwrap(),
        vec![json!({"source": "body", "property": "string(//_:book/_:title)", "op": "eq", "value": "Dozen"})]
    );
    assert_eq!(
        super::assertion("xpath \"//*[name()='g']/*[name()='circle']\" count == 3").unwrap(),
        vec![json!({"source": "body", "property": "//*[name()='g']/*[name()='circle']", "op": "count", "value": 3})]
    );
    assert_eq!(
        super::assertion("xpath \"//toto\" not exists").unwrap(),
        vec![json!({"source": "body", "property": "//toto", "op": "not_exists"})]
    );
    // Hurl compares a node set with nothing: not translated.
    assert!(super::assertion("xpath \"//title\" == \"Dozen\"").unwrap_err().contains("node set"));
}

/// `--location` follows redirects in every entry, as `hurl --location` does; an entry's own
/// option still wins.
#[test]
fn location_follows_redirects_unless_an_entry_says_otherwise() {
    let text = "GET http://127.0.0.1:1/a\nHTTP 200\n\nGET http://127.0.0.1:1/b\n[Options]\nlocation: false\nHTTP 302\n";
    let options = super::Options { location: true, ..super::Options::default() };
    let imported = super::import_with(text, "location", &options).unwrap();
    assert_eq!(imported.steps[0]["request"]["follow_redirects"], true);
    assert_eq!(imported.steps[1]["request"]["follow_redirects"], false);
}

/// An `{{` never closed in an assert is text (it used to be written twice over).
#[test]
fn an_unfinished_placeholder_in_an_assert_is_text() {
    let text = "GET http://127.0.0.1:1/a\n[Options]\nvariable: n=1\nHTTP 200\n[Asserts]\njsonpath \"$.a\" == \"x{{\"\njsonpath \"$.b\" == {{n}}\n";
    let imported = super::import(text, "unfinished").unwrap();
    assert_eq!(imported.steps[0]["assert"][1]["value"], "x{{");
    assert_eq!(imported.steps[0]["assert"][2]["value"], 1);
}

mod expected_bodies {
    use super::super::*;

    fn checks_of(text: &str, files: &std::path::Path) -> (Vec<Value>, Vec<String>) {
        let options = Options { files: files.to_path_buf(), written_to: None, location: false };
        let imported = import_with(text, &options.files.to_string_lossy(), &options).unwrap();
        let step = &imported.steps[0];
        (step["assert"].as_array().cloned().unwrap_or_default(), imported.notes.clone())
    }

    /// `base64,`, `hex,` and `file,` bodies are compared as the text they hold and by their
    /// size; bytes that are not UTF-8 are left out with a note naming the line.
    #[test]
    fn bytes_are_compared_as_their_text_and_size() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("data.txt"), "Hello World!").unwrap();
        for body in ["base64, SGVsbG8gV29ybGQh;", "hex, 48656c6c6f20576f726c6421;", "file, data.txt;"] {
            let (checks, notes) =
                checks_of(&format!("GET http://127.0.0.1:1/hello\nHTTP 200\n{body}\n"), folder.path());
            assert!(notes.is_empty(), "{body}: {notes:?}");
            assert_eq!(checks[1], json!({"source": "body", "op": "eq", "value": "Hello World!"}), "{body}");
            assert_eq!(checks[2], json!({"source": "size", "op": "eq", "value": 12}), "{body}");
        }
        let (checks, notes) = checks_of("GET http://127.0.0.1:1/png\nHTTP 200\nhex, 89504e47;\n", folder.path());
        assert_eq!(checks.len(), 1, "only the status: {checks:?}");
        assert!(notes[0].contains("line 3") && notes[0].contains("not UTF-8"), "{notes:?}");
    }

    /// A value Hurl renders at run time is not compared as the text `{{name}}`.
    #[test]
    fn placeholders_in_expected_values_are_left_out_with_a_note() {
        let text = "GET http://127.0.0.1:1/a\nHTTP 200\n[Captures]\nid: header \"Id\"\n[Asserts]\n\
                    header \"Other\" == \"{{id}}\"\n\n\nGET http://127.0.0.1:1/b\nHTTP 200\n```\nid {{id}}\n```\n";
        let imported = import(text, "placeholders").unwrap();
        let written = serde_json::to_string(&imported.steps).unwrap();
        assert!(!written.contains("{{id}}"), "{written}");
        assert!(imported.notes.iter().any(|n| n.contains("line 6") && n.contains("`{{id}}`")), "{:?}", imported.notes);
        assert!(imported.notes.iter().any(|n| n.contains("line 11") && n.contains("`{{id}}`")), "{:?}", imported.notes);
    }

    /// `variable "NAME"` reads what the entry's own capture read, filters and all; a variable
    /// from an earlier entry is left out with a note.
    #[test]
    fn a_variable_query_reads_the_query_that_captured_it() {
        let text = "GET http://127.0.0.1:1/a\nHTTP 200\n[Captures]\nfruits: header \"X-Fruit\"\n\
                    name: header \"Greeting\" regex \"Hello (.*)!\"\n[Asserts]\nvariable \"fruits\" nth 0 == \"Banana\"\n\
                    variable \"name\" == \"Bob\"\n\n\nGET http://127.0.0.1:1/b\nHTTP 200\n[Asserts]\n\
                    variable \"name\" == \"Bob\"\n";
        let imported = import(text, "variables").unwrap();
        let steps = &imported.steps;
        let checks = steps[0]["assert"].as_array().unwrap();
        assert!(checks.contains(&json!({"source": "header", "property": "X-Fruit", "filters": [{"nth": 0}],
            "op": "eq", "value": "Banana"})));
        assert!(checks.contains(&json!({"source": "header", "property": "Greeting",
            "filters": [{"regex": "Hello (.*)!"}], "op": "eq", "value": "Bob"})));
        assert_eq!(steps[1]["assert"].as_array().unwrap().len(), 1, "the status only");
        assert!(imported.notes.iter().any(|n| n.contains("line 14") && n.contains("variable")), "{:?}", imported.notes);
    }
}
