//! `skopos plugin new notifier NAME`: a notifier crate that builds and works as written — its
//! manifest, its settings schema, `deliver` posting the alert as JSON to its `url`, and a test
//! that builds it and delivers a sample alert through `skopos plugin test` to a local receiver.
//! The author changes the message and the hosts; the rest is the SDK's.

use std::path::{Path, PathBuf};

/// Writes the crate `dir/NAME`, depending on the SDK at `sdk`; the files written.
pub fn new_notifier(name: &str, dir: &Path, sdk: &Path) -> Result<Vec<PathBuf>, String> {
    let valid = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(format!("`{name}`: a plugin name is lower-case letters, digits and `-`, starting with a letter"));
    }
    let root = dir.join(name);
    if root.exists() {
        return Err(format!("{} exists already", root.display()));
    }
    let sdk = std::fs::canonicalize(sdk)
        .map_err(|e| format!("the SDK at {}: {e} (give its folder with --sdk)", sdk.display()))?;
    let fill = |template: &str| {
        template
            .replace("{name}", name)
            .replace("{crate}", &name.replace('-', "_"))
            .replace("{type}", &type_name(name))
            .replace("{sdk}", &sdk.display().to_string().replace('\\', "/"))
    };
    let files = [
        ("Cargo.toml", CARGO_TOML),
        ("plugin.yaml", MANIFEST),
        ("src/lib.rs", LIB_RS),
        ("tests/deliver.rs", TEST_RS),
        ("README.md", README),
    ];
    let mut written = Vec::new();
    for (file, template) in files {
        let path = root.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, fill(template)).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `pager-duty` → `PagerDuty`.
fn type_name(name: &str) -> String {
    name.split('-').filter(|part| !part.is_empty()).map(|part| part[..1].to_uppercase() + &part[1..]).collect()
}

const CARGO_TOML: &str = r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
skopos-sdk = { path = "{sdk}" }
serde_json = "1"

# A crate of its own, outside any workspace around it.
[workspace]

[profile.release]
opt-level = "s"
lto = true
strip = true
"#;

const MANIFEST: &str = r#"# What `{name}` may do: send HTTP to these hosts (and to the host of its own `url`).
kind: notifier
version: 0.1.0
capabilities:
  http: [api.example.com]
"#;

const LIB_RS: &str = r##"//! `{name}`: a Skopos notifier. It POSTs `{"title", "text", "failing"}` to its `url`.

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["url"],"properties":{"url":{"type":"string","format":"uri"}}}"#;

struct {type};

impl Guest for {type} {
    fn describe() -> Info {
        skopos_sdk::info!("{name}", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "url")?;
        let message = json!({
            "title": skopos_sdk::alert_title(&alert),
            "text": skopos_sdk::alert_text(&alert),
            "failing": !skopos_sdk::is_recovery(&alert),
        });
        skopos_sdk::http::post_json(url, &[], &message)?.ok()
    }
}

skopos_sdk::export_notifier!({type});
"##;

const TEST_RS: &str = r##"//! Builds the plugin and delivers `skopos plugin test`'s sample alert to a local receiver.
//! Needs `skopos` on the PATH (or its path in `SKOPOS`) and the wasm32-wasip2 target.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

#[test]
fn a_sample_alert_reaches_the_receiver() {
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir", "target/plugin"])
        .status()
        .unwrap();
    assert!(built.success());
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", receiver.local_addr().unwrap());
    let received = std::thread::spawn(move || {
        let (stream, _) = receiver.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let (mut head, mut line) = (String::new(), String::new());
        while reader.read_line(&mut line).unwrap() > 2 {
            head.push_str(&line);
            line.clear();
        }
        let length = head.lines().find_map(|l| l.to_lowercase().strip_prefix("content-length: ")?.parse().ok());
        let mut body = vec![0; length.unwrap_or(0)];
        reader.read_exact(&mut body).unwrap();
        reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").unwrap();
        (head, String::from_utf8(body).unwrap())
    });
    let skopos = std::env::var("SKOPOS").unwrap_or_else(|_| "skopos".into());
    let tried = Command::new(skopos)
        .args(["plugin", "test", "target/plugin/wasm32-wasip2/release/{crate}.wasm", "--manifest", "plugin.yaml"])
        .args(["--config", &format!(r#"{{"url": "{url}"}}"#)])
        .output()
        .expect("skopos runs");
    assert!(tried.status.success(), "{}", String::from_utf8_lossy(&tried.stderr));
    let (head, body) = received.join().unwrap();
    assert!(head.starts_with("POST /alerts HTTP/1.1"), "{head}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["title"], "FAILING: sample monitor / checkout");
    assert_eq!(body["failing"], true);
}
"##;

const README: &str = r#"# {name}

A Skopos notifier. Build it, try it, load it:

```sh
cargo build --release --target wasm32-wasip2
skopos plugin test target/wasm32-wasip2/release/{crate}.wasm --manifest plugin.yaml --config '{"url": "https://api.example.com/hook"}'
mkdir -p ~/skopos-plugins && cp target/wasm32-wasip2/release/{crate}.wasm ~/skopos-plugins/{name}.wasm && cp plugin.yaml ~/skopos-plugins/{name}.yaml
skopos serve --plugins ~/skopos-plugins
```

`cargo test` builds it and delivers a sample alert to a local receiver (with `skopos` on the
PATH). Grant the hosts it calls in `plugin.yaml`; see Skopos' docs/plugins.md.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_crates_and_types() {
        assert_eq!(type_name("pager-duty"), "PagerDuty");
        let dir = tempfile::tempdir().unwrap();
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
        let written = new_notifier("chat-ops", dir.path(), &sdk).unwrap();
        assert_eq!(written.len(), 5);
        let lib = std::fs::read_to_string(dir.path().join("chat-ops/src/lib.rs")).unwrap();
        assert!(lib.contains("struct ChatOps;") && lib.contains("info!(\"chat-ops\""), "{lib}");
        assert!(new_notifier("chat-ops", dir.path(), &sdk).unwrap_err().contains("exists already"));
        assert!(new_notifier("Bad Name", dir.path(), &sdk).is_err());
    }
}
