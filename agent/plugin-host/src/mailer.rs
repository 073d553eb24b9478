//! The `email` capability: plugins hand the host a message, the host sends it through the
//! agent's SMTP server (lettre; `smtp://host:587?tls=required` for STARTTLS, `smtps://` for
//! implicit TLS, credentials in the URL). Plugins never see the server or its credentials.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer(from {})", self.from)
    }
}

impl Mailer {
    /// `url` as lettre reads it (`smtp://user:pass@host:587?tls=required`); `from` is the
    /// sender; `ca_pem`, when given, is the only CA trusted for the server's certificate (a
    /// relay with a private CA).
    pub fn new(url: &str, from: &str, ca_pem: Option<&[u8]>) -> Result<Mailer, String> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some(pem) = ca_pem {
            builder = builder.tls(private_ca_tls(url, pem)?);
        }
        let from = from.parse().map_err(|e| format!("--smtp-from `{from}`: {e}"))?;
        Ok(Mailer { transport: builder.build(), from })
    }

    /// Sends `text` (with `html` as its alternative, when given) to every address in `to`.
    pub async fn send(&self, to: &[String], subject: String, text: String, html: Option<String>) -> Result<(), String> {
        if to.is_empty() {
            return Err("the message has no recipient".into());
        }
        let mut builder = Message::builder().from(self.from.clone()).subject(subject);
        for to in to {
            builder = builder.to(to.parse().map_err(|e| format!("recipient `{to}`: {e}"))?);
        }
        let built = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(text, html)),
            None => builder.body(text),
        };
        let email = built.map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(email).await.map(drop).map_err(|e| format!("the SMTP server refused it: {e}"))
    }
}

/// The TLS mode `url` asks for (`smtps://` wraps, `?tls=required` or `opportunistic` upgrade
/// with STARTTLS), trusting only the CA in `pem`.
fn private_ca_tls(url: &str, pem: &[u8]) -> Result<Tls, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("--smtp-url: {e}"))?;
    let domain = parsed.host_str().ok_or("--smtp-url: no host")?.to_string();
    let certificate = Certificate::from_pem(pem).map_err(|e| format!("--smtp-ca-file: {e}"))?;
    let parameters = TlsParameters::builder(domain)
        .add_root_certificate(certificate)
        .build_rustls()
        .map_err(|e| format!("--smtp-ca-file: {e}"))?;
    let mode = parsed.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.into_owned());
    match (parsed.scheme(), mode.as_deref()) {
        ("smtps", _) => Ok(Tls::Wrapper(parameters)),
        (_, Some("required")) => Ok(Tls::Required(parameters)),
        (_, Some("opportunistic")) => Ok(Tls::Opportunistic(parameters)),
        _ => Err("--smtp-ca-file: the URL asks for no TLS (use smtps:// or ?tls=required)".into()),
    }
}
