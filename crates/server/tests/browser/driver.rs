//! Headless Chromium through chromedriver: one browser per test, found on the machine or skipped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The zone the browser runs in.
pub const VISITOR_ZONE: &str = "America/New_York";

/// axe-core's browser build, installed by `npm ci --prefix tests/browser`.
pub fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/node_modules/axe-core/axe.min.js")
}

/// Why the browser tests cannot run here, if they cannot.
pub fn missing() -> Option<String> {
    let chromedriver = std::env::var("SKED_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
    let chromium = std::env::var("SKED_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    for (what, path) in [("chromedriver", chromedriver), ("chromium", chromium)] {
        if !Path::new(&path).exists() {
            return Some(format!("no {what} at {path} (apt-get install chromium chromium-driver)"));
        }
    }
    let axe = axe_path();
    (!axe.exists()).then(|| format!("no axe-core at {} (npm ci --prefix tests/browser)", axe.display()))
}

/// Where screenshots go: `browser-artifacts/` in the target directory.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf);
    let dir = dir.join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A browser session and the chromedriver serving it (ended when dropped).
pub struct Browser {
    pub client: Client,
    _driver: Child,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session `width` pixels wide that
    /// reads `lang` (`en-US`, `de-DE`, ...).
    pub async fn start(width: u32, lang: &str) -> Browser {
        let chromedriver = std::env::var("SKED_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            // The visitor's zone, which the widget must find on its own.
            .env("TZ", VISITOR_ZONE)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        // It says when it listens.
        let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("started successfully") {
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut caps = Capabilities::new();
        let chromium = std::env::var("SKED_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", format!("--lang={lang}"), format!("--window-size={width},900")],
                // What the page reads as the visitor's language (Debian's Chromium has only the
                // en-US interface, so --lang alone changes nothing).
                "prefs": {"intl.accept_languages": lang}}),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap();
        let timeouts = TimeoutConfiguration::new(Some(Duration::from_secs(20)), None, None);
        client.update_timeouts(timeouts).await.unwrap();
        Browser { client, _driver: driver }
    }

    /// Waits (inside the page, on each animation frame) until `cond` is truthy, with `root` the
    /// first widget's shadow root, and answers its value.
    pub async fn until(&self, cond: &str) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const tick = () => {{
               const host = document.querySelector('[data-sked-booking]');
               const root = host && host.shadowRoot;
               let v = null;
               try {{ v = root && ({cond}); }} catch (e) {{}}
               if (v) done(v); else requestAnimationFrame(tick);
             }};
             tick();"
        );
        match self.client.execute_async(&script, vec![]).await {
            Ok(v) => v,
            Err(e) => panic!("waited in vain for {cond}: {e}\n{}", self.text().await),
        }
    }

    /// Waits for a visible element matching `css` in the widget and answers it.
    pub async fn find(&self, css: &str) -> Element {
        let sel = serde_json::to_string(css).unwrap();
        self.until(&format!("[...root.querySelectorAll({sel})].some(e => e.getClientRects().length)")).await;
        let host = self.client.wait().for_element(Locator::Css("[data-sked-booking]")).await.unwrap();
        let root = host.shadow_root().await.unwrap();
        for e in root.find_all(Locator::Css(css)).await.unwrap() {
            if e.is_displayed().await.unwrap() {
                return e;
            }
        }
        panic!("{css} vanished")
    }

    /// Runs `js` with `root` bound to the widget's shadow root and answers its value.
    pub async fn eval(&self, js: &str) -> Value {
        let script =
            format!("const root = document.querySelector('[data-sked-booking]').shadowRoot; return ({js});");
        self.client.execute(&script, vec![]).await.unwrap()
    }

    /// The widget's visible text (for failure messages).
    pub async fn text(&self) -> String {
        let js = "const h = document.querySelector('[data-sked-booking]'); \
                  return h && h.shadowRoot ? h.shadowRoot.textContent : document.body.innerText;";
        self.client.execute(js, vec![]).await.map(|v| v.to_string()).unwrap_or_default()
    }

    /// Presses keys on the keyboard, as a person would: each character (or `Key`) down and up.
    pub async fn keys(&self, keys: &str) {
        let mut seq = KeyActions::new("keyboard".into());
        for c in keys.chars() {
            seq = seq.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(seq).await.unwrap();
    }

    /// The focused element inside the widget, described as `tag.class[data-*]` for assertions.
    pub async fn focused(&self) -> String {
        let v = self
            .eval(
                "(() => { const a = root.activeElement; if (!a) return ''; \
                 return a.tagName.toLowerCase() + (a.dataset.date ? '@' + a.dataset.date : '') + \
                 (a.dataset.start ? '@' + a.dataset.start : '') + (a.name ? '#' + a.name : '') + \
                 (a.type === 'submit' ? ':submit' : ''); })()",
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The date of the focused day in the month (waiting for focus to be on one).
    pub async fn focused_date(&self) -> String {
        let d = self.until("root.activeElement && root.activeElement.dataset.date").await;
        d.as_str().unwrap().to_owned()
    }

    /// Presses Tab until the focused element's description starts with `want` (at most 30 times).
    pub async fn tab_to(&self, want: &str) {
        for _ in 0..30 {
            if self.focused().await.starts_with(want) {
                return;
            }
            self.keys(&fantoccini::key::Key::Tab).await;
        }
        panic!("Tab never reached {want}; at {}", self.focused().await);
    }

    /// Saves a screenshot of the page under the artifacts folder and prints its name.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let path = artifacts().join(name);
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
