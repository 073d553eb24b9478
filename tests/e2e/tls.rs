//! HTTPS against a server with a self-signed certificate made by the test.

use crate::{Files, server};

fn collection(tls: &str) -> String {
    format!(
        "name: tls\ndefaults: {{ tls: {tls} }}\nsteps:\n  - request: {{ url: 'https://localhost:{}/echo' }}\n    assert:\n      - {{ source: certificate, property: sans, op: contains, value: localhost }}\n      - {{ source: certificate, property: expires_in_days, op: gt, value: 30 }}\n      - {{ source: body, property: version, op: eq, value: HTTP/2.0 }}\n",
        server().https.port()
    )
}

#[test]
fn an_untrusted_certificate_is_a_tls_error() {
    let files = Files::new();
    files.write("a.yaml", &collection("{}"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    let error = &outcome.step(0, 0)["error"];
    assert_eq!(error["kind"], "tls");
    assert_eq!(
        error["message"],
        "TLS handshake with localhost failed: the server's certificate is not signed by a trusted authority (set `tls.ca_file` to trust its CA)"
    );
}

#[test]
fn a_ca_file_makes_it_trusted_and_certificate_assertions_read_it() {
    let files = Files::new();
    std::fs::copy(&server().ca_file, files.path().join("ca.pem")).unwrap();
    files.write("a.yaml", &collection("{ ca_file: ca.pem }"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert_eq!(outcome.step(0, 0)["response"]["version"], "HTTP/2.0");
    assert!(outcome.step(0, 0)["timings"]["tls_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn insecure_accepts_any_certificate() {
    let files = Files::new();
    files.write("a.yaml", &collection("{ insecure: true }"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
}

#[test]
fn a_plain_http_response_has_no_certificate() {
    let files = Files::new();
    let text = format!(
        "name: t\nsteps:\n  - request: {{ url: '{}/final' }}\n    assert: [{{ source: certificate, property: issuer, op: exists }}]\n",
        server().base()
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(
        outcome.step(0, 0)["assertions"][0]["message"],
        "expected to exist, got no certificate (not a TLS connection)"
    );
}

fn mtls_collection(tls: &str, auth: &str) -> String {
    format!(
        "name: mtls\ndefaults: {{ tls: {tls} }}\nsteps:\n  - request: {{ url: 'https://localhost:{}/echo'{auth} }}\n    assert: [{{ source: status, op: eq, value: 200 }}]\n",
        server().mtls.port()
    )
}

#[test]
fn client_certificates_open_mutual_tls() {
    let files = Files::new();
    std::fs::copy(&server().ca_file, files.path().join("ca.pem")).unwrap();
    std::fs::copy(&server().client_cert, files.path().join("client.pem")).unwrap();
    std::fs::copy(&server().client_key, files.path().join("client.key")).unwrap();

    files.write("a.yaml", &mtls_collection("{ ca_file: ca.pem, client_cert: client.pem, client_key: client.key }", ""));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);

    let auth = ", auth: { client_cert: { cert: client.pem, key: client.key } }";
    files.write("a.yaml", &mtls_collection("{ ca_file: ca.pem }", auth));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);

    files.write("a.yaml", &mtls_collection("{ ca_file: ca.pem }", ""));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    let error = &outcome.step(0, 0)["error"];
    assert_eq!(error["kind"], "tls", "{error}");
    // Whether the server's alert is read or only its hang-up is seen depends on timing;
    // either way the message points at the client certificate.
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("client certificate (set `tls.client_cert` and `tls.client_key`)"), "{message}");

    files
        .write("a.yaml", &mtls_collection("{ ca_file: ca.pem, client_cert: missing.pem, client_key: client.key }", ""));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.step(0, 0)["error"]["kind"], "tls");
    assert!(outcome.step(0, 0)["error"]["message"].as_str().unwrap().starts_with("cannot read client certificate"));
}

/// Runs one step against an HTTPS server presenting a self-signed certificate made from
/// `params`, trusted through `tls.ca_file`, so that only what is wrong with it fails the step.
fn against_trusted(params: rcgen::CertificateParams) -> serde_json::Value {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let files = Files::new();
    files.write("ca.pem", &cert.pem());
    let server = crate::server::https_presenting(&rcgen::CertifiedKey { cert, signing_key: key });
    let text = format!(
        "name: t\ndefaults: {{ tls: {{ ca_file: ca.pem }}, timeout_ms: 5000 }}\nsteps:\n  - request: {{ url: 'https://localhost:{}/echo' }}\n",
        server.port()
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    outcome.step(0, 0).clone()
}

#[test]
fn a_trusted_certificate_that_expired_is_a_tls_error() {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let step = against_trusted(params);
    assert_eq!(step["error"]["kind"], "tls", "{step}");
    assert_eq!(step["error"]["message"], "TLS handshake with localhost failed: the server's certificate has expired");
}

#[test]
fn a_trusted_certificate_for_another_host_is_a_tls_error() {
    let step = against_trusted(rcgen::CertificateParams::new(vec!["api.example.com".to_string()]).unwrap());
    assert_eq!(step["error"]["kind"], "tls", "{step}");
    assert_eq!(
        step["error"]["message"],
        "TLS handshake with localhost failed: the server's certificate is not valid for `localhost`"
    );
}

#[test]
fn the_same_server_with_a_good_certificate_passes() {
    let step = against_trusted(rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap());
    assert_eq!(step["status"], "passed", "{step}");
}
