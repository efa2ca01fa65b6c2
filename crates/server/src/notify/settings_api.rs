//! How a tenant's messages look: `/v1/notification-settings` (reply-to, logo, colour, where
//! notices to the business go) and `/v1/templates/{kind}/{part}` (a tenant's own subject, text,
//! HTML or SMS template for a kind of message, checked by rendering a sample before it is kept).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::contact::Email;
use sked_core::notify::Kind;
use sked_notify::render::{PARTS, builtin, check};
use sked_store::{NotifySettings, Template};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::EmailAddress;
use crate::state::AppState;
use crate::time::rfc3339;

/// How a tenant's messages look, and where notices to the business go.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct SettingsView {
    pub reply_to: Option<String>,
    pub logo_url: Option<String>,
    pub brand_color: Option<String>,
    pub notify_email: Option<String>,
    /// Whether this server sends email.
    pub email_enabled: bool,
    /// Whether this server sends SMS.
    pub sms_enabled: bool,
}

/// Sets how a tenant's messages look (absent or `null` fields are cleared).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// Where replies to emails go.
    #[schema(value_type = Option<EmailAddress>)]
    pub reply_to: Option<String>,
    /// An `https` image shown at the top of emails.
    #[schema(
        max_length = 2048,
        pattern = "^https://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(/[^\\s\"\\\\\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*)?$"
    )]
    pub logo_url: Option<String>,
    /// The emails' colour, `#rrggbb`.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub brand_color: Option<String>,
    /// Where notices to the business go (a webhook endpoint disabled for failing).
    #[schema(value_type = Option<EmailAddress>)]
    pub notify_email: Option<String>,
}

/// A template of one part of one kind of message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub kind: String,
    /// `subject`, `text`, `html` or `sms`.
    pub part: String,
    /// MiniJinja source.
    pub source: String,
    /// True when it is the tenant's own, false for the built-in one.
    pub custom: bool,
    pub updated_at: Option<String>,
}

/// A template's new source.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTemplate {
    /// MiniJinja source, at most 32 KiB; it must render a sample message.
    #[schema(max_length = 32768)]
    pub source: String,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_templates))
        .routes(routes!(get_template, put_template, delete_template))
}

fn view(state: &AppState, s: NotifySettings) -> SettingsView {
    SettingsView {
        reply_to: s.reply_to,
        logo_url: s.logo_url,
        brand_color: s.brand_color,
        notify_email: s.notify_email,
        email_enabled: state.channels.mailer.is_some(),
        sms_enabled: state.channels.twilio.is_some(),
    }
}

/// The tenant's notification settings.
#[utoipa::path(get, path = "/v1/notification-settings", tag = "notifications",
    responses((status = 200, body = SettingsView)))]
async fn get_settings(State(state): State<AppState>, auth: TenantAuth) -> ApiResult<Json<SettingsView>> {
    let s = state.store.notify_settings(auth.tenant).await.map_err(|e| ApiError::store("settings", e))?;
    Ok(Json(view(&state, s)))
}

/// Replaces the tenant's notification settings (absent or `null` fields are cleared).
#[utoipa::path(put, path = "/v1/notification-settings", tag = "notifications", request_body = UpdateSettings,
    responses((status = 200, body = SettingsView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn put_settings(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<UpdateSettings>,
) -> ApiResult<Json<SettingsView>> {
    let mut errors = Vec::new();
    let mut email = |field: &str, v: Option<String>| match v.as_deref().map(Email::parse) {
        Some(Ok(e)) => Some(e.as_str().to_owned()),
        Some(Err(e)) => {
            errors.push(FieldError::new(field, e));
            None
        }
        None => None,
    };
    let reply_to = email("reply_to", b.reply_to);
    let notify_email = email("notify_email", b.notify_email);
    if let Some(url) = &b.logo_url {
        let ok = url.len() <= 2048
            && url::Url::parse(url).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
            && !url.chars().any(|c| c.is_control() || c.is_whitespace() || c == '"');
        if !ok {
            errors.push(FieldError::new("logo_url", "must be an https URL of at most 2048 characters"));
        }
    }
    if let Some(c) = &b.brand_color {
        let ok = c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            errors.push(FieldError::new("brand_color", "must be a colour like #2f5bea"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let s = NotifySettings {
        tenant_id: auth.tenant,
        reply_to,
        logo_url: b.logo_url,
        brand_color: b.brand_color.map(|c| c.to_ascii_lowercase()),
        notify_email,
        updated_at: state.clock.now_second(),
    };
    state.store.set_notify_settings(&s).await.map_err(|e| ApiError::store("settings", e))?;
    Ok(Json(view(&state, s)))
}

/// The tenant's own templates (every other part of every kind uses the built-in one).
#[utoipa::path(get, path = "/v1/templates", tag = "notifications",
    responses((status = 200, body = Vec<TemplateView>)))]
async fn list_templates(
    State(state): State<AppState>,
    auth: TenantAuth,
) -> ApiResult<Json<Vec<TemplateView>>> {
    let rows = state.store.templates(auth.tenant).await.map_err(|e| ApiError::store("template", e))?;
    Ok(Json(rows.into_iter().map(template_view).collect()))
}

fn template_view(t: Template) -> TemplateView {
    TemplateView {
        kind: t.kind,
        part: t.part,
        source: t.source,
        custom: true,
        updated_at: Some(rfc3339(t.updated_at)),
    }
}

/// A known kind and part, or 404.
fn name(kind: &str, part: &str) -> ApiResult<()> {
    if Kind::parse(kind).is_none() || !PARTS.contains(&part) {
        return Err(ApiError::not_found("template"));
    }
    Ok(())
}

/// The template used for a part of a kind: the tenant's own, or the built-in one.
#[utoipa::path(get, path = "/v1/templates/{kind}/{part}", tag = "notifications",
    params(("kind" = String, Path), ("part" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_template(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath((kind, part)): ApiPath<(String, String)>,
) -> ApiResult<Json<TemplateView>> {
    name(&kind, &part)?;
    let rows = state.store.templates(auth.tenant).await.map_err(|e| ApiError::store("template", e))?;
    let own = rows.into_iter().find(|t| t.kind == kind && t.part == part);
    Ok(Json(own.map(template_view).unwrap_or_else(|| TemplateView {
        source: builtin(&part).to_owned(),
        kind,
        part,
        custom: false,
        updated_at: None,
    })))
}

/// Sets the tenant's own template for a part of a kind, after rendering a sample with it.
#[utoipa::path(put, path = "/v1/templates/{kind}/{part}", tag = "notifications",
    params(("kind" = String, Path), ("part" = String, Path)), request_body = SetTemplate,
    responses((status = 200, body = TemplateView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn put_template(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath((kind, part)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<SetTemplate>,
) -> ApiResult<Json<TemplateView>> {
    name(&kind, &part)?;
    check(&kind, &part, &b.source).map_err(|e| ApiError::Validation(vec![FieldError::new("source", e.0)]))?;
    let t = Template {
        tenant_id: auth.tenant,
        kind,
        part,
        source: b.source,
        updated_at: state.clock.now_second(),
    };
    state.store.set_template(&t).await.map_err(|e| ApiError::store("template", e))?;
    Ok(Json(template_view(t)))
}

/// Removes the tenant's own template: the built-in one applies again.
#[utoipa::path(delete, path = "/v1/templates/{kind}/{part}", tag = "notifications",
    params(("kind" = String, Path), ("part" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_template(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath((kind, part)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    name(&kind, &part)?;
    let gone = state
        .store
        .delete_template(auth.tenant, &kind, &part)
        .await
        .map_err(|e| ApiError::store("template", e))?;
    if gone { Ok(StatusCode::NO_CONTENT) } else { Err(ApiError::not_found("template")) }
}
