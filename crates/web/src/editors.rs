//! The dashboard's editors: event types (with their team, questions and reminders), hosts, API
//! keys, webhook endpoints and voice agents. Field errors are keyed by the API's field names.

use std::collections::HashMap;

use askama::Template;

use crate::admin::{Choice, Nav, Sent};

/// Field errors by the API's field name (`slug`, `questions[0].options`).
pub type Errors = HashMap<String, String>;

/// One link of a list page.
#[derive(Clone, Debug, Default)]
pub struct Item {
    pub href: String,
    pub label: String,
    pub note: String,
}

/// A list page with a link to make a new one.
#[derive(Template, Debug, Default)]
#[template(path = "admin/list.html")]
pub struct List {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub heading: String,
    pub new_href: String,
    pub items: Vec<Item>,
}

/// A host of the tenant in an event type's team: `order` empty when not in it.
#[derive(Clone, Debug, Default)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub order: String,
}

/// A question as typed; `errors` are those of `questions[i]...`.
#[derive(Clone, Debug, Default)]
pub struct QuestionRow {
    pub id: String,
    pub label: String,
    pub kinds: Vec<Choice>,
    pub required: bool,
    /// One option a line.
    pub options: String,
    pub errors: Vec<(String, String)>,
}

/// A reminder as typed.
#[derive(Clone, Debug, Default)]
pub struct ReminderRow {
    pub offset: String,
    pub email: bool,
    pub sms: bool,
    pub errors: Vec<(String, String)>,
}

/// `GET /admin/event-types/{id}` and `/admin/event-types/new`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/event_type.html")]
pub struct EventTypeEdit {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    /// Empty for a new one.
    pub id: String,
    pub f: HashMap<String, String>,
    pub assignments: Vec<Choice>,
    pub send_updates: Vec<Choice>,
    pub team: Vec<TeamRow>,
    pub team_errors: Vec<(String, String)>,
    pub questions: Vec<QuestionRow>,
    pub reminders: Vec<ReminderRow>,
    pub reminder_errors: Vec<(String, String)>,
    pub errors: Errors,
}

impl EventTypeEdit {
    /// A typed value.
    pub fn v(&self, name: &str) -> &str {
        self.f.get(name).map_or("", String::as_str)
    }
}

/// `GET /admin/hosts/{id}` and `/admin/hosts/new`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/host.html")]
pub struct HostEdit {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub time_zone: String,
    pub schedules: Vec<Choice>,
    pub active: bool,
    pub errors: Errors,
    /// The host's calendar feed URL (empty when there is none to show).
    pub feed_url: String,
}

/// One API key.
#[derive(Clone, Debug, Default)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub revoked: String,
}

/// `GET /admin/api-keys`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/api_keys.html")]
pub struct ApiKeys {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    pub rows: Vec<KeyRow>,
    /// The key just made, shown this once.
    pub new_key: Option<String>,
    pub name: String,
    pub errors: Errors,
}

/// One webhook endpoint.
#[derive(Clone, Debug, Default)]
pub struct HookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub description: String,
    pub active: bool,
    pub note: String,
}

/// `GET /admin/webhooks`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/webhooks.html")]
pub struct Webhooks {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    pub rows: Vec<HookRow>,
    /// The new endpoint's signing secret, shown this once.
    pub secret: Option<String>,
    pub url: String,
    pub description: String,
    pub events: Vec<Choice>,
    pub errors: Errors,
}

/// `GET /admin/webhooks/{id}`: an endpoint and its recent deliveries.
#[derive(Template, Debug, Default)]
#[template(path = "admin/webhook.html")]
pub struct WebhookPage {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    pub hook: HookRow,
    pub deliveries: Vec<Sent>,
    /// The edit form, as stored or as typed.
    pub url: String,
    pub description: String,
    pub events: Vec<Choice>,
    pub errors: Errors,
}

/// `GET /admin/voice-agents/{id}` and `/admin/voice-agents/new`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/voice_agent.html")]
pub struct AgentEdit {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
    pub id: String,
    /// The address the platform calls (known once made).
    pub url: String,
    pub platforms: Vec<Choice>,
    pub platform_agent_id: String,
    pub event_types: Vec<Choice>,
    pub default_event_type: Vec<Choice>,
    pub time_zone: String,
    pub auth_header: String,
    pub max_options_spoken: String,
    pub clocks: Vec<Choice>,
    pub errors: Errors,
}
