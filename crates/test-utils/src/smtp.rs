//! A real SMTP server for tests: aiosmtpd (from PyPI) storing what it receives in a Maildir.
//!
//! `scripts/test` installs it into its virtual environment and names that environment's Python
//! in `SKED_TEST_PYTHON`; without it, [`SmtpSink::start`] answers `None` and says why, so the
//! test that needs it skips.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The handler the sink runs: aiosmtpd's Maildir handler, which also waits before answering a
/// message while the `stall` file exists (to stop a sender between its send and its record),
/// and answers 451 to the recipients the `defer` file lists (`*`: every one).
const HANDLER: &str = r#"
import asyncio, os
from aiosmtpd.handlers import Mailbox

class StallingMailbox(Mailbox):
    def __init__(self, maildir, stall_file, defer_file):
        super().__init__(maildir)
        self.stall_file = stall_file
        self.defer_file = defer_file

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            with open(self.defer_file) as f:
                deferred = {line.strip() for line in f}
        except OSError:
            deferred = set()
        if address in deferred or "*" in deferred:
            return "451 4.2.2 Mailbox full, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        while os.path.exists(self.stall_file):
            await asyncio.sleep(0.05)
        return answer
"#;

/// An aiosmtpd process listening on a loopback port.
#[derive(Debug)]
pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

fn python() -> String {
    std::env::var("SKED_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl SmtpSink {
    /// Starts a sink on a free port, or says why it cannot.
    pub fn start() -> Option<Self> {
        let ok = Command::new(python())
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: aiosmtpd is not installed for {} (scripts/test installs it)", python());
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir = tempfile::tempdir().ok()?;
        std::fs::write(dir.path().join("sked_sink.py"), HANDLER).ok()?;
        let mut sink = Self { child: None, port, dir };
        sink.resume();
        Some(sink)
    }

    /// The URL Sked sends to (`?tls=none`: loopback, no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    fn stall_file(&self) -> PathBuf {
        self.dir.path().join("stall")
    }

    /// While on, each message is kept at once but answered only when stalling is turned off.
    pub fn stall(&self, on: bool) {
        if on {
            let _ = std::fs::write(self.stall_file(), b"");
        } else {
            let _ = std::fs::remove_file(self.stall_file());
        }
    }

    /// From now on, answers `451` (try again later) to these recipients, `*` for every one;
    /// none heals.
    pub fn defer(&self, recipients: &[&str]) {
        let _ = std::fs::write(self.defer_file(), recipients.join("\n"));
    }

    fn defer_file(&self) -> PathBuf {
        self.dir.path().join("defer")
    }

    /// Stops the server (an outage); what it received stays readable.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port, keeping the mailbox.
    pub fn resume(&mut self) {
        if self.child.is_some() {
            return;
        }
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(["-c", "sked_sink.StallingMailbox"])
            .arg(self.maildir())
            .arg(self.stall_file())
            .arg(self.defer_file())
            .env("PYTHONPATH", self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "aiosmtpd did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every message received so far, raw, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir().join(d)).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| (e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), e.path()))
            .collect();
        files.sort();
        files.into_iter().filter_map(|(_, p)| std::fs::read(p).ok()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
