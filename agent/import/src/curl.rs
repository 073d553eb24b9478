//! `curl` command lines, as browsers' "Copy as cURL" and API docs write them, into steps of one
//! collection: method, URL, headers, cookies, data (JSON, form or text), basic auth and
//! redirects. Options that change nothing about the request (`--compressed`, `-s`, ...) are
//! passed over; any other is noted.

use serde_json::{Map, Value, json};

use super::{CURL_MAX_REDIRECTS, Imported};

/// Options that only change how curl shows or fetches, not what is asked.
const QUIET: [&str; 12] = [
    "--compressed",
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-v",
    "--verbose",
    "-i",
    "--include",
    "--http2",
    "--http1.1",
    "-f",
];

/// One step per `curl` command in `text` (several may be given, one per line, with `\`
/// line continuations).
pub fn import(text: &str, name: &str) -> Result<Imported, String> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut imported = Imported::new(name.to_string());
    let commands: Vec<&str> = joined.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if commands.is_empty() {
        return Err("no curl command given".into());
    }
    let mut names = std::collections::HashSet::new();
    for (index, command) in commands.into_iter().enumerate() {
        let label = format!("step {}", index + 1);
        let words = shlex::split(&ansi_c_quotes(command)).ok_or_else(|| format!("{label}: unbalanced quotes"))?;
        if words.first().map(String::as_str) != Some("curl") {
            return Err(format!("{label}: not a curl command: `{}`", command.chars().take(60).collect::<String>()));
        }
        let mut step = step(&words[1..], &mut imported, &label)?;
        // Everything in a curl command is literal: a `@{{` in it is sent as it is.
        super::escape_strings(&mut step["request"]);
        step["name"] = json!(super::step_name(step["name"].as_str().unwrap_or("request"), &mut names));
        imported.steps.push(step);
    }
    Ok(imported)
}

/// Bash's `$'...'` strings (which Chrome writes when data has quotes or newlines) as plain
/// double-quoted words.
fn ansi_c_quotes(command: &str) -> String {
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    while let Some(start) = rest.find("$'") {
        out.push_str(&rest[..start]);
        let mut chars = rest[start + 2..].char_indices();
        let mut text = String::new();
        let mut end = rest.len() - start - 2;
        while let Some((at, c)) = chars.next() {
            match c {
                '\'' => {
                    end = at + 1;
                    break;
                }
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some(other) => text.push(other),
                    None => {}
                },
                c => text.push(c),
            }
        }
        out.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '\\' | '$' | '`') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        rest = &rest[start + 2 + end..];
    }
    out.push_str(rest);
    out
}

fn step(words: &[String], imported: &mut Imported, label: &str) -> Result<Value, String> {
    let (mut method, mut url, mut data, mut form) = (None::<String>, None::<String>, Vec::<String>::new(), Vec::new());
    let (mut headers, mut json_body, mut get, mut follow, mut user) = (Map::new(), None::<String>, false, false, None);
    let mut max_redirects = None;
    let (mut multipart, mut has_multipart) = (Map::new(), false);
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let mut value = |flag: &str| words.next().cloned().ok_or_else(|| format!("{label}: `{flag}` needs a value"));
        match word.as_str() {
            "-X" | "--request" => method = Some(value(word)?.to_uppercase()),
            "-H" | "--header" => {
                let header = value(word)?;
                let (name, text) =
                    header.split_once(':').ok_or_else(|| format!("{label}: header `{header}` has no `:`"))?;
                headers.insert(name.trim().to_string(), json!(text.trim()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => data.push(value(word)?),
            "--data-urlencode" => form.push(value(word)?),
            // `name=value`, `name=@file` (a file part), `name=<file` (a field read from a file).
            "-F" | "--form" | "--form-string" => {
                let field = value(word)?;
                let (name, text) = field.split_once('=').unwrap_or((&field, ""));
                if word != "--form-string" && (text.starts_with('@') || text.starts_with('<')) {
                    let note = format!(
                        "the form field `{name}` read from the file `{}` is left out: add it as `{{file: PATH}}`",
                        &text[1..]
                    );
                    imported.note(label, note);
                } else {
                    multipart.insert(name.to_string(), json!(text));
                }
                has_multipart = true;
            }
            "--json" => json_body = Some(value(word)?),
            "-u" | "--user" => user = Some(value(word)?),
            "-b" | "--cookie" => {
                headers.insert("Cookie".into(), json!(value(word)?));
            }
            "-A" | "--user-agent" => {
                headers.insert("User-Agent".into(), json!(value(word)?));
            }
            "-e" | "--referer" => {
                headers.insert("Referer".into(), json!(value(word)?));
            }
            "--url" => url = Some(value(word)?),
            "-G" | "--get" => get = true,
            "-L" | "--location" => follow = true,
            "--max-redirs" => {
                let most = value(word)?;
                match super::max_redirects(&most) {
                    Some(most) => max_redirects = Some(most),
                    None => imported.note(label, format!("`--max-redirs {most}` is not carried over")),
                }
            }
            "-k" | "--insecure" => {
                imported.note(label, "`--insecure`: set `defaults.tls.insecure: true` if the check needs it".into())
            }
            quiet if QUIET.contains(&quiet) => {}
            flag if flag.starts_with('-') => imported.note(label, format!("`{flag}` is not carried over")),
            _ => url = Some(word.clone()),
        }
    }
    let url = url.ok_or_else(|| format!("{label}: no URL"))?;
    let has_body = !data.is_empty() || !form.is_empty() || json_body.is_some() || has_multipart;
    let method = method.unwrap_or_else(|| if has_body && !get { "POST" } else { "GET" }.to_string());
    let mut request = json!({"method": method, "url": url});
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("")
        .to_string();
    if has_multipart {
        request["body"] = json!({"multipart": multipart});
    } else if let Some(text) = json_body {
        let json =
            serde_json::from_str::<Value>(&text).map_err(|e| format!("{label}: `--json` data is not JSON: {e}"))?;
        request["body"] = json!({"json": json});
    } else if get {
        let pairs =
            data.iter().chain(&form).flat_map(|d| d.split('&')).filter_map(|p| p.split_once('=').or(Some((p, ""))));
        request["query"] = Value::Object(pairs.map(|(k, v)| (k.to_string(), json!(v))).collect());
    } else if !data.is_empty() || !form.is_empty() {
        let text = data.join("&");
        request["body"] = match serde_json::from_str::<Value>(&text) {
            Ok(json) if form.is_empty() && (json.is_object() || json.is_array()) && !content_type.contains("form") => {
                json!({"json": json})
            }
            _ if content_type.is_empty() || content_type.contains("x-www-form-urlencoded") => {
                let pairs =
                    data.iter().chain(&form).flat_map(|d| d.split('&')).map(|p| p.split_once('=').unwrap_or((p, "")));
                let decoded = |s: &str| {
                    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
                };
                json!({"form": pairs.map(|(k, v)| (decoded(k), json!(decoded(v)))).collect::<Map<String, Value>>()})
            }
            _ => json!({"text": text}),
        };
    }
    if let Some(user) = user {
        let (name, password) = user.split_once(':').unwrap_or((&user, ""));
        request["auth"] = json!({"basic": {"user": name, "password": password}});
    }
    if !headers.is_empty() {
        request["headers"] = Value::Object(headers);
    }
    // curl follows no redirect without `-L`, and then at most 50.
    request["follow_redirects"] = json!(follow);
    if follow {
        request["max_redirects"] = json!(max_redirects.unwrap_or(CURL_MAX_REDIRECTS));
    }
    let path = url::Url::parse(&url).map(|u| u.path().to_string()).unwrap_or_else(|_| url.clone());
    Ok(json!({"name": format!("{} {path}", request["method"].as_str().unwrap_or("GET")), "request": request}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_as_curl_from_a_browser_becomes_a_step() {
        let text = "curl 'https://shop.example.com/api/cart' \\\n  -H 'accept: application/json' \\\n  -H 'authorization: Bearer tok' \\\n  -b 'sid=abc' \\\n  --data-raw $'{\"sku\":\"A-1\",\"note\":\"it\\'s\"}' \\\n  --compressed";
        let imported = import(text, "cart").unwrap();
        let step = &imported.steps[0];
        assert_eq!(step["name"], "post-api-cart");
        assert_eq!(step["request"]["headers"]["authorization"], "Bearer tok");
        assert_eq!(step["request"]["headers"]["Cookie"], "sid=abc");
        assert_eq!(step["request"]["body"], json!({"json": {"sku": "A-1", "note": "it's"}}));
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        imported.check().unwrap();
    }

    #[test]
    fn text_like_a_reference_is_sent_as_it_is() {
        // What `fuzz/import_curl` found: a URL holding `@{{` made a collection that did not load.
        let imported =
            import("curl 'http://127.0.0.1/x?q=@{{a' -H 'x-note: @{{n}}' --data-raw '{\"p\":\"@{{\"}'", "c").unwrap();
        imported.check().unwrap();
        let request = &imported.steps[0]["request"];
        assert_eq!(request["url"], "http://127.0.0.1/x?q=@{{'@{{'}}a");
        assert_eq!(request["headers"]["x-note"], "@{{'@{{'}}n}}");
        assert_eq!(request["body"]["json"]["p"], "@{{'@{{'}}");
    }

    #[test]
    fn forms_users_queries_and_several_commands() {
        let text = "curl -u alice:pw -d 'user=a%20b&x=1' http://127.0.0.1/login\ncurl -G -d q=shoes --location --proxy http://p http://127.0.0.1/search";
        let imported = import(text, "two").unwrap();
        assert_eq!(imported.steps.len(), 2);
        let login = &imported.steps[0]["request"];
        assert_eq!((login["method"].as_str(), login["body"]["form"]["user"].as_str()), (Some("POST"), Some("a b")));
        assert_eq!(login["auth"]["basic"]["user"], "alice");
        let search = &imported.steps[1]["request"];
        assert_eq!((search["method"].as_str(), search["query"]["q"].as_str()), (Some("GET"), Some("shoes")));
        assert_eq!((&search["follow_redirects"], &search["max_redirects"]), (&json!(true), &json!(50)));
        assert_eq!(login["follow_redirects"], false, "curl follows no redirect without -L");
        assert_eq!(imported.notes, ["step 2: `--proxy` is not carried over"]);
        let limited = import("curl -L --max-redirs 2 http://127.0.0.1/a", "l").unwrap();
        assert_eq!(limited.steps[0]["request"]["max_redirects"], 2);
        assert!(import("wget http://x", "w").unwrap_err().contains("not a curl command"));
    }

    #[test]
    fn form_fields_are_a_multipart_body() {
        let imported = import(
            "curl http://127.0.0.1/up -F owner=alice -F 'doc=@report.pdf' --form-string 'note=@not a file'",
            "f",
        )
        .unwrap();
        let request = &imported.steps[0]["request"];
        assert_eq!(request["method"], "POST");
        assert_eq!(request["url"], "http://127.0.0.1/up");
        assert_eq!(request["body"], json!({"multipart": {"owner": "alice", "note": "@not a file"}}));
        assert_eq!(imported.notes.len(), 1, "{:?}", imported.notes);
        assert!(imported.notes[0].contains("`doc` read from the file `report.pdf`"), "{:?}", imported.notes);
    }
}
