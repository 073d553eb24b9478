//! The `email` capability: plugins hand the host a message, the host sends it through the
//! agent's SMTP server (lettre; `smtp://host:587?tls=required` for STARTTLS, `smtps://` for
//! implicit TLS, credentials in the URL). Plugins never see the server or its credentials.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::notifier::bindings::skopos::plugin::email;
use super::sandbox::Sandbox;

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
    /// `url` as lettre reads it (`smtp://user:pass@host:587?tls=required`); `from` is the sender.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from.parse().map_err(|e| format!("--smtp-from `{from}`: {e}"))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(&self, message: email::Message) -> Result<(), String> {
        if message.to.is_empty() {
            return Err("the message has no recipient".into());
        }
        let mut builder = Message::builder().from(self.from.clone()).subject(message.subject);
        for to in &message.to {
            builder = builder.to(to.parse().map_err(|e| format!("recipient `{to}`: {e}"))?);
        }
        let built = match message.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(message.text, html)),
            None => builder.body(message.text),
        };
        let email = built.map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(email).await.map(drop).map_err(|e| format!("the SMTP server refused it: {e}"))
    }
}

/// The shared types interface has no functions; linking it needs only this.
impl super::notifier::bindings::skopos::plugin::types::Host for Sandbox {}

impl email::Host for Sandbox {
    async fn send(&mut self, message: email::Message) -> Result<(), String> {
        if !self.grants.email {
            return Err("this plugin's manifest does not grant the `email` capability".into());
        }
        let Some(mailer) = self.grants.mailer.clone() else {
            return Err("the agent has no SMTP server configured (skopos serve --smtp-url)".into());
        };
        mailer.send(message).await
    }
}
