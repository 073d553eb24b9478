//! `tls`: a TLS handshake with the target (port 443 unless it names one), without HTTP: the
//! protocol and cipher agreed, the certificate chain the server sent (subject, issuer, names,
//! validity), and whether it is trusted (Mozilla's roots, plus `ca_pem`) for the server name.
//! An untrusted or expired certificate does not stop the handshake: it is reported, so a
//! step can check expiry on a certificate it does not trust.
//!
//! ```yaml
//! - probe: { plugin: tls, target: "ldap.internal:636" }
//!   assert:
//!     - { source: body, property: trusted, op: eq, value: true }
//!     - { source: body, property: expires_in_days, op: gt, value: 14 }
//! ```
//! Body: `{ "protocol": "TLSv1_3", "cipher": "TLS13_AES_128_GCM_SHA256", "alpn": null,
//! "trusted": true, "verify_error": null, "expires_in_days": 60, "certificates": [{ "subject",
//! "issuer", "sans", "not_before", "not_after", "expires_in_days" }] }`. Status: 0.

mod chain;

use std::sync::Arc;

use rustls::pki_types::ServerName;
use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{
"server_name":{"type":"string","description":"The name sent (SNI) and checked (default the target's host)"},
"ca_pem":{"type":"string","description":"More trusted roots, as PEM text"},
"alpn":{"type":"array","items":{"type":"string"}}}}"#;

struct Tls;

impl Guest for Tls {
    fn describe() -> Info {
        skopos_sdk::info!("tls", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let (host, _) = net::host_port(&request.target, 443)?;
        let name = settings.get("server_name").and_then(Value::as_str).unwrap_or(&host).to_string();
        let server_name =
            ServerName::try_from(name.clone()).map_err(|e| format!("`{name}` is not a server name: {e}"))?;
        let ca_pem = settings.get("ca_pem").and_then(Value::as_str);
        let recorder = Arc::new(chain::Recorder::new(ca_pem)?);
        let provider = Arc::new(rustls_rustcrypto::provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        config.alpn_protocols = settings
            .get("alpn")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).map(|n| n.as_bytes().to_vec()).collect())
            .unwrap_or_default();
        let mut watch = Stopwatch::default();
        let mut stream = net::connect(&request, 443, &mut watch)?;
        let mut client = rustls::ClientConnection::new(Arc::new(config), server_name).map_err(|e| e.to_string())?;
        while client.is_handshaking() {
            client.complete_io(&mut stream).map_err(|e| match net::timed_out(&e) {
                true => format!("the TLS handshake did not finish within {} ms", net::io_timeout(&request).as_millis()),
                false => format!("the TLS handshake with {name} failed: {e}"),
            })?;
        }
        watch.lap("handshake");
        client.send_close_notify();
        let _ = client.complete_io(&mut stream);
        let seen = recorder.seen();
        let certificates: Vec<Value> = seen.chain.iter().map(|der| chain::describe(der)).collect();
        let body = json!({
            "protocol": client.protocol_version().map(|v| format!("{v:?}")),
            "cipher": client.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())),
            "alpn": client.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
            "trusted": seen.error.is_none() && !seen.chain.is_empty(),
            "verify_error": seen.error,
            "expires_in_days": certificates.first().map(|leaf| leaf["expires_in_days"].clone()),
            "certificates": certificates,
        });
        Ok(net::result(0, body, watch))
    }
}

skopos_sdk::export_probe!(Tls);
