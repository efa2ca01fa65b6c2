//! The signed-in user (`/me`) and their calendars (`/me/calendars`, paged with `$skip`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Inner;
use super::api::{Answer, Call, Reply, select};
use super::errors::GraphError;
use super::oauth::{READ_CALENDARS, READ_USER};
use super::state::{Calendar, State};

/// Calendars on one page unless the stand-in's page size says fewer.
const CALENDAR_PAGE: usize = 10;

/// `GET /me`.
pub(crate) fn me(inner: &Inner, call: &Call<'_>) -> Reply {
    call.caller.require(READ_USER)?;
    let st = inner.lock();
    let a = st.account(&call.caller.account).ok_or_else(GraphError::item_not_found)?;
    let (given, surname) = a.display_name.split_once(' ').unwrap_or((&a.display_name, ""));
    let v = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", inner.base_url()),
        "businessPhones": [], "displayName": a.display_name, "givenName": given, "jobTitle": null,
        "mail": a.mail, "mobilePhone": null, "officeLocation": null, "preferredLanguage": "en-US",
        "surname": surname, "userPrincipalName": a.upn, "id": a.id,
    });
    Ok(Answer::Json(StatusCode::OK, select(call, v)))
}

/// `GET /me/calendars` (`$skip` pages, `@odata.nextLink` while more remain).
pub(crate) fn calendars(inner: &Inner, call: &Call<'_>) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let st = inner.lock();
    let mine: Vec<&Calendar> = st.calendars.iter().filter(|c| c.owner == call.caller.account).collect();
    let skip = call.param("$skip").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let size = st.page_size.map_or(CALENDAR_PAGE, |p| p.min(CALENDAR_PAGE));
    let page: Vec<Value> = mine.iter().skip(skip).take(size).map(|c| select(call, render(&st, c))).collect();
    let mut out = json!({"@odata.context": format!("{}/v1.0/$metadata#users('{}')/calendars", inner.base_url(), call.caller.account)});
    if skip + size < mine.len() {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(sel) = call.param("$select") {
            query.append_pair("$select", sel);
        }
        query.append_pair("$skip", &(skip + size).to_string());
        out["@odata.nextLink"] = json!(format!("{}{}?{}", inner.base_url(), call.path, query.finish()));
    }
    out["value"] = Value::Array(page);
    Ok(Answer::Json(StatusCode::OK, out))
}

/// `GET /me/calendar` or `GET /me/calendars/{id}`.
pub(crate) fn calendar(inner: &Inner, call: &Call<'_>, id: Option<&str>) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let st = inner.lock();
    let cal = match id {
        Some(id) => st.calendar_of(&call.caller.account, id),
        None => st.default_calendar(&call.caller.account),
    };
    let cal = cal.ok_or_else(GraphError::item_not_found)?;
    Ok(Answer::Json(StatusCode::OK, select(call, render(&st, cal))))
}

fn render(st: &State, c: &Calendar) -> Value {
    let owner = st.account(&c.owner);
    let address = owner.map(|a| a.mail.clone().unwrap_or_else(|| a.upn.clone()));
    json!({
        "id": c.id, "name": c.name, "color": "auto", "hexColor": "", "isDefaultCalendar": c.is_default,
        "changeKey": c.change_key, "canShare": c.can_edit, "canViewPrivateItems": true, "canEdit": c.can_edit,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"], "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": true, "isRemovable": !c.is_default,
        "owner": {"name": owner.map(|a| a.display_name.clone()), "address": address},
    })
}
