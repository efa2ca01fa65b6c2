//! `POST /v1/time/understand`: what a caller's phrase means, as the voice tools read it.

use axum::Json;
use serde::{Deserialize, Serialize};
use sked_core::local::parse_zone;
use sked_when::{Context, Language, Mention};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::openapi::{Instant, TimeZoneName};
use crate::state::AppState;
use crate::time::parse_instant;

/// A phrase to understand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnderstandRequest {
    /// What the caller said (at most 2000 characters).
    #[schema(example = "next tuesday afternoon", max_length = 2000)]
    pub text: String,
    /// The business's zone.
    #[schema(value_type = TimeZoneName)]
    pub time_zone: String,
    /// The moment it was said (RFC 3339; default: now).
    #[schema(value_type = Option<Instant>)]
    pub now: Option<String>,
    /// The language it was said in: `en` (default) or `es`.
    #[schema(value_type = Option<PhraseLanguage>, default = "en")]
    pub language: Option<String>,
    /// The caller's own zone, when known: what "my time" means.
    #[schema(value_type = Option<TimeZoneName>)]
    pub caller_time_zone: Option<String>,
}

/// A language phrases are read in.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum PhraseLanguage {
    En,
    Es,
}

/// One time found in the phrase.
#[derive(Debug, Serialize, ToSchema)]
pub struct MentionView {
    /// The words it came from.
    pub text: String,
    /// `exact` (a moment: `end == start`), `date` (a whole local day) or `window`.
    pub kind: String,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// The zone the caller named ("3pm eastern", "10:30 PST"), if any: `start` and `end` are
    /// already the instants meant.
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
}

/// What the phrase means.
#[derive(Debug, Serialize, ToSchema)]
pub struct Understanding {
    /// What the caller means (the last mention after a correction), or `null`.
    pub best: Option<MentionView>,
    /// Every time mentioned, in order.
    pub matches: Vec<MentionView>,
    /// When `best` is `null` because the time said cannot be offered ("Jan 1 3000"): why, in
    /// the phrase's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `too_far` or `past`, with `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

/// The API's view of a mention.
pub fn mention_view(m: Mention) -> MentionView {
    MentionView {
        text: m.text,
        kind: m.kind.as_str().to_owned(),
        start: m.start.to_string(),
        end: m.end.to_string(),
        time_zone: m.zone.as_ref().and_then(|z| z.iana_name()).map(str::to_owned),
    }
}

/// Understands a phrase as `ctx` says it was heard.
pub fn understand(text: &str, ctx: &Context) -> Understanding {
    let u = sked_when::understand(text, ctx);
    Understanding {
        best: u.best.map(mention_view),
        matches: u.matches.into_iter().map(mention_view).collect(),
        reason: u.refusal.map(|r| r.reason(ctx.language)),
        refusal: u.refusal.map(|r| r.as_str().to_owned()),
    }
}

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(understand_phrase))
}

/// Turn a caller's phrase ("tomorrow after lunch") into instants in a zone.
#[utoipa::path(post, path = "/v1/time/understand", tag = "voice", request_body = UnderstandRequest,
    responses((status = 200, body = Understanding), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn understand_phrase(
    axum::extract::State(state): axum::extract::State<AppState>,
    _: TenantAuth,
    ApiJson(b): ApiJson<UnderstandRequest>,
) -> ApiResult<Json<Understanding>> {
    let tz = parse_zone("time_zone", &b.time_zone)?;
    let now = match &b.now {
        Some(n) => parse_instant("now", n)?,
        None => state.clock.now(),
    };
    if b.text.chars().count() > 2_000 {
        return Err(crate::error::ApiError::field("text", "must be at most 2000 characters"));
    }
    let language = match b.language.as_deref() {
        None => Language::En,
        Some(l) => Language::ALL
            .into_iter()
            .find(|x| x.as_str() == l)
            .ok_or_else(|| crate::error::ApiError::field("language", "must be en or es"))?,
    };
    let mut ctx = Context::new(now, tz).in_language(language);
    if let Some(caller) = &b.caller_time_zone {
        ctx = ctx.with_caller_tz(parse_zone("caller_time_zone", caller)?);
    }
    Ok(Json(understand(&b.text, &ctx)))
}
