//! Settings: a TOML file (`--config`) and `SKED_*` environment variables, the environment
//! winning (docs/API.md, "Running it").

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

/// A secret string: never printed by `Debug`, wiped from memory when dropped, read only
/// through `expose_secret`.
pub use secrecy::SecretString as Secret;

/// Everything the server can be told.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Key for `/v1/tenants`; generated and printed once when absent.
    #[serde(skip_serializing)]
    pub operator_key: Option<Secret>,
    /// Encrypts tokens at rest; generated beside the SQLite file when absent.
    #[serde(skip_serializing)]
    pub secret_key: Option<Secret>,
    /// The server's public base URL (links in emails and OAuth redirects).
    pub public_url: Option<String>,
    /// Requests per second each API key may make on average (0 turns limiting off).
    pub rate_limit_per_second: u32,
    /// Requests a key may make in a burst.
    pub rate_limit_burst: u32,
    /// Requests per second each client address may make to the public booking API on average
    /// (0 turns limiting off).
    pub public_rate_limit_per_second: u32,
    /// Requests a client address may make to the public booking API in a burst.
    pub public_rate_limit_burst: u32,
    /// Failed authentications (a wrong API key, a forged webhook or callback) a client address
    /// may make in a burst before it is answered 429 (0 turns the guard off).
    pub failure_limit_burst: u32,
    /// Failures per second an address earns back.
    pub failure_limit_per_second: f64,
    /// Take the client's address from the left-most `X-Forwarded-For` entry instead of the TCP
    /// peer (only behind a proxy that sets that header itself).
    pub trust_forwarded_for: bool,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// `json` (default) or `pretty` logs.
    pub log_format: String,
    /// Also serve `/metrics` on this address (it stays on the main one too), e.g. a port only
    /// the monitoring network reaches.
    pub metrics_listen: Option<String>,
    /// Run the background job worker in this process.
    pub run_worker: bool,
    /// Most database connections.
    pub db_max_connections: Option<u32>,
    /// Earlier secret keys (comma-separated), still opened while `sked secret rotate` re-seals
    /// what they sealed with the current key.
    #[serde(skip_serializing)]
    pub secret_key_previous: Option<Secret>,
    /// Google OAuth client id (Google Calendar connections are off without it).
    pub google_client_id: Option<String>,
    /// Google OAuth client secret.
    #[serde(skip_serializing)]
    pub google_client_secret: Option<Secret>,
    /// Google's authorization endpoint.
    pub google_auth_url: String,
    /// Google's token endpoint.
    pub google_token_url: String,
    /// Google's token revocation endpoint.
    pub google_revoke_url: String,
    /// Google Calendar API base.
    pub google_api_base: String,
    /// Microsoft application (client) id (Outlook connections are off without it).
    pub microsoft_client_id: Option<String>,
    /// Microsoft client secret.
    #[serde(skip_serializing)]
    pub microsoft_client_secret: Option<Secret>,
    /// Microsoft Entra tenant: `common`, `organizations`, `consumers` or a tenant id.
    pub microsoft_tenant: String,
    /// Microsoft's authorization endpoint (default built from the tenant).
    pub microsoft_auth_url: Option<String>,
    /// Microsoft's token endpoint (default built from the tenant).
    pub microsoft_token_url: Option<String>,
    /// Microsoft Graph base.
    pub microsoft_graph_base: String,
    /// How often each connected calendar is polled when push notifications do not arrive.
    pub calendar_poll_seconds: u64,
    /// Ask providers for push notifications (they need a public HTTPS `SKED_PUBLIC_URL`).
    pub calendar_push: bool,
    /// Finished jobs are deleted this many days after they finished (0 keeps them). Dead jobs
    /// are kept: each needs a person to look at it.
    pub job_retention_days: u32,
    /// Bookings that ended more than this many days ago lose their attendee's personal data
    /// (name, contact, notes, answers, message contents); 0 keeps it.
    pub personal_data_retention_days: u32,
    /// Create a demo tenant when a new store starts (`sked` with no command); `false` never does.
    pub demo: bool,
    /// Outgoing mail server: `smtp://user:pass@host:port` (STARTTLS when offered), `smtps://`
    /// (TLS from the start), `?tls=none` for plain loopback servers. Email is off without it.
    #[serde(skip_serializing)]
    pub smtp_url: Option<Secret>,
    /// The address email is sent from (also the invitations' organizer).
    pub email_from: Option<String>,
    /// Twilio account (SMS is off without it).
    pub twilio_account_sid: Option<String>,
    #[serde(skip_serializing)]
    pub twilio_auth_token: Option<Secret>,
    /// The number texts come from, or a messaging service that picks one.
    pub twilio_from: Option<String>,
    pub twilio_messaging_service_sid: Option<String>,
    /// Twilio's REST API base.
    pub twilio_api_base: String,
    /// Let webhook endpoints be plain `http` or private addresses (tests, closed networks).
    pub webhook_allow_private: bool,
    /// How long a worker holds a job before another may take it over (a worker that died is
    /// noticed this much later). Each attempt is cut at 80 % of it.
    pub job_lease_seconds: i64,
    /// The wait after a job's first failed attempt; each later one doubles it (up to six hours).
    pub job_retry_seconds: i64,
    /// How long after an SMS attempt that got no answer Twilio is asked again whether it took
    /// the text, before it is sent again (Twilio may list a text only some time after it took
    /// it).
    pub sms_reconcile_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./sked-data/sked.db".into(),
            listen: "127.0.0.1:8080".into(),
            operator_key: None,
            secret_key: None,
            public_url: None,
            rate_limit_per_second: 100,
            rate_limit_burst: 200,
            public_rate_limit_per_second: 10,
            public_rate_limit_burst: 30,
            failure_limit_burst: 20,
            failure_limit_per_second: 1.0,
            trust_forwarded_for: false,
            body_limit_bytes: 1 << 20,
            log_format: "json".into(),
            metrics_listen: None,
            run_worker: true,
            db_max_connections: None,
            secret_key_previous: None,
            google_client_id: None,
            google_client_secret: None,
            google_auth_url: sked_google::AUTH_URL.into(),
            google_token_url: sked_google::TOKEN_URL.into(),
            google_revoke_url: sked_google::REVOKE_URL.into(),
            google_api_base: sked_google::API_BASE.into(),
            microsoft_client_id: None,
            microsoft_client_secret: None,
            microsoft_tenant: "common".into(),
            microsoft_auth_url: None,
            microsoft_token_url: None,
            microsoft_graph_base: sked_microsoft::GRAPH_BASE.into(),
            calendar_poll_seconds: 300,
            calendar_push: true,
            job_retention_days: 14,
            personal_data_retention_days: 0,
            demo: true,
            smtp_url: None,
            email_from: None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_messaging_service_sid: None,
            twilio_api_base: "https://api.twilio.com".into(),
            webhook_allow_private: false,
            job_lease_seconds: 300,
            job_retry_seconds: 30,
            sms_reconcile_seconds: crate::notify::send::RECONCILE_AFTER_SECS,
        }
    }
}

/// Settings whose values are text, whatever they look like.
const TEXT_SETTINGS: [&str; 27] = [
    "database_url",
    "listen",
    "operator_key",
    "secret_key",
    "public_url",
    "log_format",
    "metrics_listen",
    "secret_key_previous",
    "google_client_id",
    "google_client_secret",
    "google_auth_url",
    "google_token_url",
    "google_revoke_url",
    "google_api_base",
    "microsoft_client_id",
    "microsoft_client_secret",
    "microsoft_tenant",
    "microsoft_auth_url",
    "microsoft_token_url",
    "microsoft_graph_base",
    "smtp_url",
    "email_from",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_from",
    "twilio_messaging_service_sid",
    "twilio_api_base",
];

impl Settings {
    /// Defaults, then the file (if any), then `SKED_*` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig.merge(Env::prefixed("SKED_"));
        // Text settings are taken as written: the variables' reader would turn `+15550001111`
        // (a phone number) or a key of digits into a number, and lose the `+`.
        for key in TEXT_SETTINGS {
            if let Ok(value) = std::env::var(format!("SKED_{}", key.to_ascii_uppercase())) {
                fig = fig.merge(Serialized::default(key, value));
            }
        }
        Ok(fig.extract()?)
    }

    /// The SQLite file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.database_url.strip_prefix("sqlite://").map(PathBuf::from)
    }

    /// Where files the server keeps for itself go: beside the SQLite file, or `./sked-data`.
    pub fn data_dir(&self) -> PathBuf {
        self.sqlite_path()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("./sked-data"))
    }

    /// The Google client configuration, when a client id is set.
    pub fn google(&self) -> Option<sked_google::GoogleConfig> {
        let id = self.google_client_id.clone().filter(|s| !s.is_empty())?;
        Some(sked_google::GoogleConfig {
            client_id: id,
            client_secret: self.google_client_secret.clone().unwrap_or_else(|| Secret::from("")),
            auth_url: self.google_auth_url.clone(),
            token_url: self.google_token_url.clone(),
            revoke_url: self.google_revoke_url.clone(),
            api_base: self.google_api_base.clone(),
        })
    }

    /// The Microsoft client configuration, when a client id is set.
    pub fn microsoft(&self) -> Option<sked_microsoft::MicrosoftConfig> {
        let id = self.microsoft_client_id.clone().filter(|s| !s.is_empty())?;
        let secret = self.microsoft_client_secret.as_ref().map(|s| s.expose_secret().to_owned());
        let mut config = sked_microsoft::MicrosoftConfig::production(
            id,
            secret.unwrap_or_default(),
            &self.microsoft_tenant,
        );
        if let Some(u) = self.microsoft_auth_url.clone().filter(|s| !s.is_empty()) {
            config.auth_url = u;
        }
        if let Some(u) = self.microsoft_token_url.clone().filter(|s| !s.is_empty()) {
            config.token_url = u;
        }
        config.graph_base = self.microsoft_graph_base.clone();
        Some(config)
    }

    /// Finished jobs older than this many seconds are deleted (`None`: kept).
    pub fn job_retention_secs(&self) -> Option<i64> {
        (self.job_retention_days > 0).then(|| i64::from(self.job_retention_days) * 86_400)
    }

    /// The base URL clients reach the server at.
    pub fn base_url(&self, bound: &str) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{bound}"))
    }
}
