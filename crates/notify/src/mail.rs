//! Email: the MIME message of a notice, and the SMTP mailer that sends it.
//!
//! Every email is `multipart/alternative` with plain text, HTML and, for a booking, the
//! `text/calendar` invitation last (with `method=` equal to the object's `METHOD`, as RFC 6047
//! asks, so mail clients offer accept and decline). Its `Message-ID` is derived from the
//! message's key: if a crash makes Sked send a message again, the copy has the same id, and
//! mail systems treat the two as one message.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};
use sked_ics::Method;

use crate::Rendered;

/// Why an email was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Trying again later may work: the server could not be reached, or did not answer in time.
    #[error("{0}")]
    Transient(String),
    /// The server answered 4xx: try again later, and no sooner (it is busy or throttling, or
    /// this recipient's mailbox cannot take mail now).
    #[error("{0}")]
    Deferred(String),
    /// Trying again will not help (an address the server refuses, a malformed message).
    #[error("{0}")]
    Permanent(String),
    /// The settings are wrong.
    #[error("{0}")]
    Config(String),
}

/// One email to send.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    /// The reader's name and address.
    pub to_name: &'a str,
    pub to: &'a str,
    /// The business's name (the sender's display name) and reply-to address.
    pub business: &'a str,
    pub reply_to: Option<&'a str>,
    pub rendered: &'a Rendered,
    /// The invitation, for booking notices.
    pub invitation: Option<(Method, String)>,
    /// The message's key (its `Message-ID` is derived from it).
    pub key: &'a str,
    /// One-click unsubscribe URL (RFC 8058), for messages a reader may stop.
    pub unsubscribe: Option<&'a str>,
}

/// Sends email over SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where the URL pointed, without credentials (for logs).
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("server", &self.server).field("from", &self.from.email).finish()
    }
}

impl Mailer {
    /// A mailer for `smtp://user:pass@host:port` (STARTTLS when the server offers it),
    /// `smtps://...` (TLS from the start) or `...?tls=none` (plain, for loopback test servers);
    /// `from` is the sending address.
    pub fn from_url(url: &str, from: &str) -> Result<Self, MailError> {
        let u = url::Url::parse(url).map_err(|e| MailError::Config(format!("SKED_SMTP_URL: {e}")))?;
        let host =
            u.host_str().ok_or_else(|| MailError::Config("SKED_SMTP_URL has no host".into()))?.to_owned();
        let plain = u.query_pairs().any(|(k, v)| k == "tls" && v == "none");
        let tls =
            |h: &str| TlsParameters::new(h.to_owned()).map_err(|e| MailError::Config(format!("TLS: {e}")));
        let (tls, default_port) = match u.scheme() {
            "smtps" => (Tls::Wrapper(tls(&host)?), 465),
            "smtp" if plain => (Tls::None, 25),
            "smtp" => (Tls::Opportunistic(tls(&host)?), 587),
            other => return Err(MailError::Config(format!("SKED_SMTP_URL scheme `{other}`: smtp or smtps"))),
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(u.port().unwrap_or(default_port))
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if !u.username().is_empty() {
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            b = b.credentials(Credentials::new(decode(u.username()), decode(u.password().unwrap_or(""))));
        }
        let from = from.parse::<Mailbox>().map_err(|e| MailError::Config(format!("SKED_EMAIL_FROM: {e}")))?;
        Ok(Self { transport: b.build(), from, server: format!("{}://{host}", u.scheme()) })
    }

    /// The sending address.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// Builds and sends one email; answers its `Message-ID`.
    pub async fn send(&self, o: &Outgoing<'_>) -> Result<String, MailError> {
        let (message, id) = build(&self.from, o)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(id),
            // 503, bad sequence of commands, is about the connection, never the message: a
            // pooled connection whose last send was cut off mid-transaction (an attempt past its
            // timeout) answers it. lettre closes the connection on it; the next try gets a
            // fresh one.
            Err(e) if e.status().is_some_and(|c| c.to_string() == "503") => {
                Err(MailError::Transient(e.to_string()))
            }
            Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
            Err(e) if e.is_transient() => Err(MailError::Deferred(e.to_string())),
            Err(e) => Err(MailError::Transient(e.to_string())),
        }
    }
}

/// The `Message-ID` of the message with key `key`, in the sender's domain.
pub fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
    format!("<{digest}@{}>", from.email.domain())
}

/// The MIME message, and its `Message-ID`.
pub fn build(from: &Mailbox, o: &Outgoing<'_>) -> Result<(lettre::Message, String), MailError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| MailError::Permanent(format!("{what}: {e}"));
    let to_addr = o.to.parse().map_err(|e| bad("recipient", &e))?;
    let to = Mailbox::new(Some(o.to_name.to_owned()).filter(|n| !n.trim().is_empty()), to_addr);
    let sender = Mailbox::new(Some(o.business.to_owned()), from.email.clone());
    let id = message_id(o.key, from);
    let mut b = lettre::Message::builder()
        .from(sender)
        .to(to)
        .subject(o.rendered.subject.clone())
        .message_id(Some(id.clone()));
    if let Some(r) = o.reply_to {
        b = b.reply_to(r.parse().map_err(|e| bad("reply-to", &e))?);
    }
    if let Some(url) = o.unsubscribe {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let mut body = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(o.rendered.text.clone()))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(o.rendered.html.clone()));
    if let Some((method, ics)) = &o.invitation {
        let kind = format!("text/calendar; charset=utf-8; method={}", method.as_str());
        let ct = ContentType::parse(&kind).map_err(|e| bad("calendar part", &e))?;
        body = body.singlepart(SinglePart::builder().header(ct).body(ics.clone()));
    }
    let message = b.multipart(body).map_err(|e| bad("message", &e))?;
    Ok((message, id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Notice, Templates, render};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// An SMTP peer on loopback answering `MAIL FROM` with `mail`; its address.
    async fn peer(mail: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 peer ready\r\n").await.unwrap();
            while let Ok(Some(line)) = lines.next_line().await {
                let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                let answer = match verb.as_str() {
                    "EHLO" | "HELO" => "250 peer".to_owned(),
                    "MAIL" => mail.to_owned(),
                    "QUIT" => "221 bye".to_owned(),
                    _ => "250 ok".to_owned(),
                };
                write.write_all(format!("{answer}\r\n").as_bytes()).await.unwrap();
            }
        });
        format!("smtp://{addr}?tls=none")
    }

    async fn send_to(url: &str) -> Result<String, MailError> {
        let mailer = Mailer::from_url(url, "bookings@sked.example").unwrap();
        let rendered = crate::Rendered {
            subject: "Hi".into(),
            text: "Hi".into(),
            html: "<p>Hi</p>".into(),
            sms: "Hi".into(),
        };
        let o = Outgoing {
            to: "pat@example.test",
            to_name: "Pat",
            business: "Acme",
            reply_to: None,
            rendered: &rendered,
            invitation: None,
            key: "k",
            unsubscribe: None,
        };
        mailer.send(&o).await
    }

    #[tokio::test]
    async fn a_bad_sequence_of_commands_is_tried_again_and_a_refused_sender_is_not() {
        let nested = send_to(&peer("503 5.5.1 Error: nested MAIL command").await).await;
        assert!(matches!(nested, Err(MailError::Transient(_))), "{nested:?}");
        let refused = send_to(&peer("550 5.7.1 sender refused").await).await;
        assert!(matches!(refused, Err(MailError::Permanent(_))), "{refused:?}");
    }

    #[test]
    fn an_email_is_text_html_and_invitation_with_a_stable_id_and_unsubscribe_headers() {
        let from: Mailbox = "bookings@sked.example".parse().unwrap();
        let n = Notice {
            kind: "confirmation".into(),
            business: "Acme".into(),
            title: "Cut".into(),
            uid: "b1@sked".into(),
            start: 1_773_154_800,
            end: 1_773_156_600,
            code: "ABC234".into(),
            host_name: "Hana".into(),
            attendee_name: "Pat".into(),
            attendee_email: Some("pat@example.com".into()),
            reader_name: "Pat".into(),
            zone: "Europe/Madrid".into(),
            role: "attendee".into(),
            ..Notice::default()
        };
        let rendered = Templates::builtin().render(&n).unwrap();
        let o = Outgoing {
            to_name: "Pat",
            to: "pat@example.com",
            business: "Acme",
            reply_to: Some("desk@acme.example"),
            rendered: &rendered,
            invitation: render::invitation(&n, "bookings@sked.example"),
            key: "k1",
            unsubscribe: Some("https://sked.example/u/t"),
        };
        let (m, id) = build(&from, &o).unwrap();
        assert_eq!(build(&from, &o).unwrap().1, id, "the same key gives the same Message-ID");
        assert!(id.ends_with("@sked.example>"));
        let raw = m.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.message_id(), Some(id.trim_matches(|c| c == '<' || c == '>')));
        assert!(parsed.subject().unwrap().contains("Cut"));
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("List-Unsubscribe: <https://sked.example/u/t>"), "{text}");
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(text.contains("method=REQUEST"), "{text}");
        assert!(parsed.text_body_count() + parsed.html_body_count() >= 2);
    }
}
