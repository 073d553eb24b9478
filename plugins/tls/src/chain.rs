//! The certificate chain a server sent: recorded during the handshake, judged against the
//! trusted roots without stopping it, and described for the step's body.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde_json::{Value, json};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// What the server presented, and why it is not trusted (if it is not).
#[derive(Default, Clone)]
pub struct Seen {
    pub chain: Vec<Vec<u8>>,
    pub error: Option<String>,
}

/// A verifier that keeps the chain and the verdict of the real one, and lets the handshake
/// go on either way; the handshake's signatures are still checked.
#[derive(Debug)]
pub struct Recorder {
    verifier: Arc<WebPkiServerVerifier>,
    seen: Mutex<(Vec<Vec<u8>>, Option<String>)>,
}

impl Recorder {
    /// Trusting Mozilla's roots and the certificates in `ca_pem`.
    pub fn new(ca_pem: Option<&str>) -> Result<Recorder, String> {
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        if let Some(pem) = ca_pem {
            for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let certificate = certificate.map_err(|e| format!("config.ca_pem: {e}"))?;
                roots.add(certificate).map_err(|e| format!("config.ca_pem: {e}"))?;
            }
        }
        let provider = Arc::new(rustls_rustcrypto::provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Recorder { verifier, seen: Mutex::default() })
    }

    pub fn seen(&self) -> Seen {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        Seen { chain: seen.0.clone(), error: seen.1.clone() }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.0 = std::iter::once(end_entity).chain(intermediates).map(|c| c.to_vec()).collect();
        seen.1 = verdict.err().map(|e| e.to_string());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.verifier.supported_verify_schemes()
    }
}

/// A certificate as the body shows it.
pub fn describe(der: &[u8]) -> Value {
    let Ok((_, certificate)) = X509Certificate::from_der(der) else {
        return json!({ "error": "not a certificate this probe can read" });
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let validity = certificate.validity();
    let not_after = validity.not_after.timestamp();
    let sans: Vec<String> = certificate
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|extension| {
            extension
                .value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some(dns.to_string()),
                    GeneralName::IPAddress(ip) => ip_text(ip),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "subject": certificate.subject().to_string(),
        "issuer": certificate.issuer().to_string(),
        "sans": sans,
        "not_before": validity.not_before.to_datetime().to_string(),
        "not_after": validity.not_after.to_datetime().to_string(),
        "expires_in_days": (not_after - now).div_euclid(86_400),
    })
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}
