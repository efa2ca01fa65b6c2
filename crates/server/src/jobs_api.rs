//! `GET /v1/jobs`: a tenant's background jobs (booking events and, later, deliveries).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sked_core::ids::JobId;
use sked_store::Job;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    #[schema(value_type = String, format = Uuid)]
    pub id: JobId,
    pub kind: String,
    /// `queued`, `running`, `done` or `dead`.
    #[schema(value_type = JobStatus)]
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// Not before this instant.
    #[schema(format = DateTime)]
    pub run_at: String,
    pub last_error: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A job's status.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

/// Filters of the job list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// `queued`, `running`, `done` or `dead`.
    #[param(value_type = Option<JobStatus>)]
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Secrets a job of an older version carries (sealed tokens to revoke a grant with) are not
/// shown.
fn redacted(mut payload: serde_json::Value) -> serde_json::Value {
    if let Some(map) = payload.as_object_mut() {
        for (key, value) in map.iter_mut() {
            if key.ends_with("_token") && !value.is_null() {
                *value = serde_json::Value::String("[hidden]".into());
            }
        }
    }
    payload
}

fn view(j: Job) -> JobView {
    JobView {
        id: j.id,
        kind: j.kind,
        status: j.status.as_str().to_owned(),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        run_at: rfc3339(j.run_at),
        last_error: j.last_error,
        payload: redacted(serde_json::from_str(&j.payload).unwrap_or(serde_json::Value::Null)),
        created_at: rfc3339(j.created_at),
        updated_at: rfc3339(j.updated_at),
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// The tenant's jobs, newest first.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = Paged<JobView>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> ApiResult<Json<Paged<JobView>>> {
    let status = match q.status.as_deref().map(str::parse::<sked_store::JobStatus>) {
        Some(Err(_)) => return Err(ApiError::field("status", "must be queued, running, done or dead")),
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let page = ListQuery { limit: q.limit, cursor: q.cursor }.page()?;
    let rows =
        state.store.list_jobs(auth.tenant, status, page).await.map_err(|e| ApiError::store("job", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |j| j.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect(), next_cursor: next }))
}
