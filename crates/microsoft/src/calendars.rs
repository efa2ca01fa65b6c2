//! Who the user is (`/me`) and which calendars they have (`/me/calendars`, every page).

use reqwest::Method;
use serde_json::Value;

use crate::{Microsoft, ProviderError, ProviderResult};

/// Most calendar-list pages followed (Graph pages calendars by 10 by default).
const MAX_PAGES: usize = 200;

/// The signed-in account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Graph's user id.
    pub id: String,
    /// The account's name for people: `mail`, or `userPrincipalName` when it has no mailbox
    /// address of its own (personal accounts often do not).
    pub email: String,
    /// The display name, when Graph has one.
    pub display_name: Option<String>,
}

/// One calendar of the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEntry {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The user's default calendar (`isDefaultCalendar`).
    pub is_default: bool,
    /// Events can be written to it (`canEdit`).
    pub can_edit: bool,
    /// Its owner's address (another person's, for a shared calendar).
    pub owner_email: Option<String>,
}

impl CalendarEntry {
    fn from_json(v: &Value) -> Option<Self> {
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |key: &str| v.get(key).and_then(Value::as_bool).unwrap_or(false);
        Some(Self {
            id: text("id")?,
            name: text("name").unwrap_or_default(),
            is_default: flag("isDefaultCalendar"),
            can_edit: flag("canEdit"),
            owner_email: v
                .get("owner")
                .and_then(|o| o.get("address"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

impl Microsoft {
    /// The signed-in account (`GET /me`).
    pub async fn me(&self, access: &str) -> ProviderResult<Account> {
        let mut url = self.graph_url(&["me"])?;
        url.query_pairs_mut().append_pair("$select", "id,mail,userPrincipalName,displayName");
        let v: Value = self.call(Method::GET, url, access, None, &[]).await?;
        let text =
            |key: &str| v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        let id = text("id").ok_or_else(|| ProviderError::Transport("/me answered without an id".into()))?;
        let email = text("mail").or_else(|| text("userPrincipalName")).ok_or_else(|| {
            ProviderError::Transport("/me answered without mail or userPrincipalName".into())
        })?;
        Ok(Account { id, email, display_name: text("displayName") })
    }

    /// Every calendar of the account (`GET /me/calendars`, following `@odata.nextLink`).
    pub async fn calendars(&self, access: &str) -> ProviderResult<Vec<CalendarEntry>> {
        let mut url = self.graph_url(&["me", "calendars"])?;
        url.query_pairs_mut().append_pair("$select", "id,name,isDefaultCalendar,canEdit,owner");
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Value = self.call(Method::GET, url, access, None, &[]).await?;
            out.extend(
                page.get("value")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(CalendarEntry::from_json),
            );
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                Some(link) => url = self.follow(link)?,
                None => return Ok(out),
            }
        }
        Err(ProviderError::Transport(format!("more than {MAX_PAGES} pages of calendars")))
    }

    /// A link Graph handed out, when it may be followed with the token.
    pub(crate) fn follow(&self, link: &str) -> ProviderResult<reqwest::Url> {
        self.trusted_link(link).ok_or_else(|| ProviderError::Refused {
            status: 200,
            reason: "untrustedLink".into(),
            message: "Graph answered with a link outside graph_base; it was not followed".into(),
        })
    }
}
