//! The widget as a floating button, its accessibility (axe-core) and its look at phone and
//! desktop widths.

use fantoccini::key::Key;
use serde_json::Value;
use sked_store::Backend;

use crate::driver::{Browser, axe_path};
use crate::site::Visit;

#[tokio::test]
async fn the_floating_button_opens_a_dialog_that_escape_closes() {
    let Some(v) = Visit::open(Backend::Sqlite, "button", 1280).await else { return };
    let b = &v.browser;
    let fab = b.find("button.fab").await;
    // Styled under the page's `style-src 'self'`: a constructed stylesheet is allowed.
    assert_eq!(fab.css_value("position").await.unwrap(), "fixed");
    fab.click().await.unwrap();
    // Modal: the rest of the page is inert, so focus cannot leave the dialog.
    assert_eq!(b.eval("root.querySelector('dialog').matches(':modal')").await, true);
    // The flow loads inside the dialog, and focus stays in it.
    b.find("dialog td button.open").await;
    assert!(b.eval("root.querySelector('dialog').contains(root.activeElement)").await.as_bool().unwrap());
    b.keys(&Key::Escape).await;
    b.until("!root.querySelector('dialog').open").await;
    assert_eq!(b.eval("root.activeElement === root.querySelector('.fab')").await, true);
    // Opened again, it still holds the flow.
    b.keys(&Key::Enter).await;
    b.until("root.querySelector('dialog').open").await;
    v.end().await;
}

#[tokio::test]
async fn times_and_weeks_follow_the_readers_locale() {
    let Some(v) = Visit::open_in(Backend::Sqlite, "inline", 1280, "de-DE").await else { return };
    let b = &v.browser;
    // A German reader's week starts on Monday and their clock has 24 hours.
    let day = b.find("td button.open").await;
    assert_eq!(b.eval("root.querySelector('th').abbr").await, "Montag");
    day.click().await.unwrap();
    let times = b.eval("[...root.querySelectorAll('ul button')].map((e) => e.textContent)").await;
    let times: Vec<&str> = times.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(!times.is_empty());
    for t in &times {
        let (hh, mm) = t.split_once(':').unwrap_or_else(|| panic!("{t}"));
        assert!(hh.parse::<u8>().unwrap() < 24 && mm.len() == 2, "{times:?}");
    }
    v.end().await;
}

/// Serious or critical axe-core violations on the current page.
pub async fn axe(b: &Browser) -> Vec<Value> {
    let src = std::fs::read_to_string(axe_path()).unwrap();
    b.client.execute(&format!("{src}\nreturn true;"), vec![]).await.unwrap();
    let js = "const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target)}))));";
    let found = b.client.execute_async(js, vec![]).await.unwrap();
    found.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn axe_finds_nothing_serious_and_screens_fit_phone_and_desktop() {
    let Some(v) = Visit::open(Backend::Sqlite, "inline", 1280).await else { return };
    let b = &v.browser;
    b.find("td button.open").await.click().await.unwrap();
    b.find("ul button[data-start]").await;
    assert_eq!(axe(b).await, Vec::<Value>::new(), "the month and times");
    b.screenshot("widget-times-1280.png").await;

    b.find("ul button[data-start]").await.click().await.unwrap();
    // An empty form sent: every required field says so beside itself.
    b.find("button[type=submit]").await.click().await.unwrap();
    let invalid = b.until("root.querySelectorAll('[aria-invalid=true]').length").await;
    assert!(invalid.as_u64().unwrap() >= 2);
    let described = b.eval(
        "[...root.querySelectorAll('[aria-invalid=true]')].every((e) => \
         root.getElementById(e.getAttribute('aria-describedby')).textContent.length > 0)",
    );
    assert_eq!(described.await, true);
    // The server's refusal of a field shows beside that field too.
    crate::flow::fill(b, &v.site, "Ada").await;
    let phone = b.find("input[name='attendee.phone']").await;
    phone.clear().await.unwrap();
    phone.send_keys("12").await.unwrap();
    b.find("button[type=submit]").await.click().await.unwrap();
    b.until("root.querySelector(\"input[name='attendee.phone']\").getAttribute('aria-invalid') === 'true'")
        .await;
    let invalid = b.eval("[...root.querySelectorAll('[aria-invalid=true]')].map((e) => e.name)").await;
    assert_eq!(invalid, serde_json::json!(["attendee.phone"]));
    assert_eq!(axe(b).await, Vec::<Value>::new(), "the form with errors");
    b.screenshot("widget-form-1280.png").await;

    // Phone width: nothing wider than the screen.
    for width in [375, 320] {
        b.client.set_window_size(width, 800).await.unwrap();
        let wide = b.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
        let inner = b.client.execute("return window.innerWidth", vec![]).await.unwrap();
        assert!(wide.as_u64() <= inner.as_u64(), "{wide} > {inner} at {width}px");
    }
    b.client.set_window_size(375, 800).await.unwrap();
    b.screenshot("widget-form-375.png").await;
    b.find("button.link:not([aria-label])").await.click().await.unwrap(); // "Change time"
    b.find("ul button[data-start]").await;
    b.screenshot("widget-times-375.png").await;
    assert_eq!(axe(b).await, Vec::<Value>::new(), "the month and times at 375 px");
    v.end().await;
}
