//! A real CalDAV server for tests: Radicale (from PyPI) keeping its collections in a temporary
//! folder.
//!
//! `scripts/test` installs it into its virtual environment and names that environment's Python
//! in `SKED_TEST_PYTHON`; without it, [`Radicale::start`] answers `None` and says why, so the
//! test that needs it skips. Radicale cannot listen on port 0, so a free port is picked first.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::skip_notice;

/// A Radicale process listening on a loopback port.
#[derive(Debug)]
pub struct Radicale {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    /// Whether only the users given to [`Radicale::with_users`] get in.
    checks_passwords: bool,
}

fn python() -> String {
    std::env::var("SKED_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl Radicale {
    /// A server that lets in any user name with any password (each user's principal is
    /// `/<user>/`, made on first use), or `None` when Radicale is not installed.
    pub fn start() -> Option<Self> {
        Self::launch(None)
    }

    /// A server that lets in only these users, with these passwords (a wrong one gets a real
    /// 401), or `None` when Radicale is not installed.
    pub fn with_users(users: &[(&str, &str)]) -> Option<Self> {
        Self::launch(Some(users))
    }

    fn launch(users: Option<&[(&str, &str)]>) -> Option<Self> {
        let ok = Command::new(python())
            .args(["-c", "import radicale"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip_notice(&format!(
                "CalDAV tests are skipped: radicale is not installed for {} (scripts/test installs it)",
                python()
            ));
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir = tempfile::tempdir().ok()?;
        let mut server = Self { child: None, port, dir, checks_passwords: users.is_some() };
        if let Some(users) = users {
            server.set_users(users);
        }
        server.resume();
        Some(server)
    }

    /// Replaces the users a server from [`Radicale::with_users`] lets in, and their passwords
    /// (a password changed on the server): the next request is checked against them.
    pub fn set_users(&self, users: &[(&str, &str)]) {
        assert!(self.checks_passwords, "a server from Radicale::start lets any password in");
        let lines: String = users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect();
        std::fs::write(self.dir.path().join("htpasswd"), lines).expect("radicale's htpasswd file");
    }

    /// Its root URL (`http://127.0.0.1:<port>/`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (an outage); its collections stay.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel but nothing is
    /// answered, as a server that hangs; requests sent meanwhile are carried out after
    /// [`Radicale::thaw`], when their callers may have given up.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen server run again (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let Some(child) = &self.child else { return };
        let sent = Command::new("kill").args([which, &child.id().to_string()]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {which} radicale");
    }

    /// Starts the server again on the same port, with the same collections.
    pub fn resume(&mut self) {
        if self.child.is_some() {
            return;
        }
        let storage = self.dir.path().join("collections");
        let mut cmd = Command::new(python());
        cmd.args(["-m", "radicale", "--server-hosts", &format!("127.0.0.1:{}", self.port)])
            .arg("--storage-filesystem-folder")
            .arg(&storage)
            .args(["--rights-type", "authenticated", "--logging-level", "warning"]);
        if self.checks_passwords {
            cmd.args(["--auth-type", "htpasswd", "--auth-htpasswd-encryption", "plain", "--auth-delay", "0"])
                .arg("--auth-htpasswd-filename")
                .arg(self.dir.path().join("htpasswd"));
        } else {
            cmd.args(["--auth-type", "none"]);
        }
        // Radicale logs to stderr, warnings included (every refused login, every failed
        // precondition): kept in a file, shown if it fails to start.
        let log_path = self.dir.path().join("radicale.log");
        let log = std::fs::File::create(&log_path).expect("radicale's log file");
        let mut child = cmd.stdout(Stdio::null()).stderr(log).spawn().expect("start radicale");
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("radicale exited at start ({status}):\n{log}");
            }
            assert!(Instant::now() < until, "radicale did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        self.stop();
    }
}
