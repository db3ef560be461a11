//! The JSON API under `/api/v1/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::views::{
    Created, DossierPage, DossierView, LoginRequest, LoginResponse, OfficialView, PublicDossier,
    ReceiveRequest, StatusView, SubmitRequest,
};
use motcua_app::{Action, App, AppError, NewOfficial, Outcome, Principal};
use motcua_domain::catalog::ProcedureVersion;
use motcua_domain::org::{Official, Unit};
use motcua_domain::process::ProcessDefinition;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract;

type ApiResult<T> = Result<T, ApiError>;

/// A command's stored answer, as a response (the same bytes again on a retry).
fn outcome(o: Outcome) -> Response {
    let mut r = (
        StatusCode::from_u16(o.status).unwrap_or(StatusCode::OK),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        o.body,
    )
        .into_response();
    if o.replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

fn app(state: &AppState) -> &App {
    &state.app
}

// ----- Accounts ---------------------------------------------------------------------------

/// Log in with a username and password: returns a bearer token and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody, description = "wrong username or password")))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: LoginRequest = extract::json(&headers, &extract::body(body)?)?;
    let session = app(&state).login(&req.username, &req.password).await?;
    let cookie = extract::session_cookie(
        &session.token,
        app(&state).config().session_ttl_seconds,
        state.secure_cookies,
    );
    let body = LoginResponse {
        token: session.token,
        expires_at: session.expires_at.to_string(),
        official: App::official_view(&session.official),
    };
    let mut r = Json(body).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie)
            .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))?,
    );
    Ok(r)
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204, description = "logged out")))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(t) = extract::token(&headers) {
        app(&state).logout(&t).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(extract::CLEARED_SESSION_COOKIE),
    );
    Ok(r)
}

/// The logged-in official.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "accounts",
    responses((status = 200, body = OfficialView), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<OfficialView>> {
    match extract::official(app(&state), &headers).await? {
        Principal::Official(o) => Ok(Json(App::official_view(&o))),
        _ => Err(AppError::Unauthenticated.into()),
    }
}

// ----- Organisation -----------------------------------------------------------------------

/// Every unit of the organisation (public).
#[utoipa::path(get, path = "/api/v1/units", tag = "organisation",
    responses((status = 200, body = [Object], description = "units: id, code, name, kind, parent")))]
pub async fn units(State(state): State<AppState>) -> ApiResult<Json<Vec<Unit>>> {
    let rules = app(&state).rules().await?;
    Ok(Json(rules.org.units().cloned().collect()))
}

/// Add a unit (administrators of the parent unit).
#[utoipa::path(post, path = "/api/v1/units", tag = "organisation",
    request_body(content = Object, description = "a unit: id, code, name, kind, parent"),
    responses((status = 201, description = "created"), (status = 422, body = ErrorBody)))]
pub async fn add_unit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let who = extract::official(app(&state), &headers).await?;
    let unit: Unit = extract::json(&headers, &extract::body(body)?)?;
    app(&state).add_unit(&who, unit).await?;
    Ok(StatusCode::CREATED)
}

/// Every official (logged-in officials).
#[utoipa::path(get, path = "/api/v1/officials", tag = "organisation",
    responses((status = 200, body = [OfficialView]), (status = 401, body = ErrorBody)))]
pub async fn officials(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<OfficialView>>> {
    extract::official(app(&state), &headers).await?;
    let rules = app(&state).rules().await?;
    Ok(Json(
        rules.org.officials().map(App::official_view).collect(),
    ))
}

/// An official to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOfficialRequest {
    /// The official: id, name, title, roles (`[{role, unit}]`).
    #[schema(value_type = Object)]
    pub official: Official,
    /// Login name.
    pub username: String,
    /// Initial password (at least 8 characters).
    pub password: String,
}

/// Add an official with a login (administrators of every unit they get a role in).
#[utoipa::path(post, path = "/api/v1/officials", tag = "organisation",
    request_body = NewOfficialRequest,
    responses((status = 201, description = "created"), (status = 422, body = ErrorBody)))]
pub async fn add_official(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let who = extract::official(app(&state), &headers).await?;
    let req: NewOfficialRequest = extract::json(&headers, &extract::body(body)?)?;
    app(&state)
        .add_official(
            &who,
            NewOfficial {
                official: req.official,
                username: req.username,
                password: req.password,
            },
        )
        .await?;
    Ok(StatusCode::CREATED)
}

// ----- Catalog ----------------------------------------------------------------------------

/// A catalog search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CatalogQuery {
    /// Text in the code, name or field; diacritics are ignored (`dang ky khai sinh`).
    pub q: Option<String>,
}

/// The procedures in the catalog, latest versions (public).
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalog", params(CatalogQuery),
    responses((status = 200, body = [Object], description = "procedure versions")))]
pub async fn procedures(
    State(state): State<AppState>,
    query: Result<Query<CatalogQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<ProcedureVersion>>> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid-query", e.body_text()))?;
    Ok(Json(app(&state).procedures(q.q.as_deref()).await?))
}

/// Every version of one procedure (public).
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalog",
    params(("code" = String, Path, description = "national procedure code, e.g. 1.001193")),
    responses((status = 200, body = [Object]), (status = 404, body = ErrorBody)))]
pub async fn procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ProcedureVersion>>> {
    Ok(Json(app(&state).procedure_versions(&code).await?))
}

/// Publish a new procedure version (administrators of the province).
#[utoipa::path(post, path = "/api/v1/procedures", tag = "catalog",
    request_body(content = Object, description = "a procedure version"),
    responses((status = 201, description = "published"), (status = 422, body = ErrorBody)))]
pub async fn publish_procedure(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let who = extract::official(app(&state), &headers).await?;
    let p: ProcedureVersion = extract::json(&headers, &extract::body(body)?)?;
    app(&state).publish_procedure(&who, p).await?;
    Ok(StatusCode::CREATED)
}

/// Correct a procedure version that no dossier uses yet (administrators of the province).
#[utoipa::path(put, path = "/api/v1/procedures/{code}/versions/{version}", tag = "catalog",
    params(("code" = String, Path), ("version" = u32, Path)),
    request_body(content = Object, description = "the corrected procedure version"),
    responses((status = 204, description = "corrected"), (status = 422, body = ErrorBody)))]
pub async fn correct_procedure(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, version)): Path<(String, u32)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let who = extract::official(app(&state), &headers).await?;
    let p: ProcedureVersion = extract::json(&headers, &extract::body(body)?)?;
    if p.code.as_str() != code || p.version != version {
        return Err(ApiError::invalid(
            "the body's code and version must match the path",
        ));
    }
    app(&state).correct_procedure(&who, p).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Processes of the catalog (public).
#[derive(Debug, Deserialize, IntoParams)]
pub struct ProcessQuery {
    /// Only processes of this procedure.
    pub procedure: Option<String>,
}

/// Internal processes, every version (public).
#[utoipa::path(get, path = "/api/v1/processes", tag = "catalog", params(ProcessQuery),
    responses((status = 200, body = [Object], description = "process versions")))]
pub async fn processes(
    State(state): State<AppState>,
    query: Result<Query<ProcessQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<ProcessDefinition>>> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid-query", e.body_text()))?;
    let rules = app(&state).rules().await?;
    Ok(Json(
        rules
            .processes
            .iter()
            .filter(|p| {
                q.procedure
                    .as_deref()
                    .is_none_or(|c| p.procedure.as_str() == c)
            })
            .cloned()
            .collect(),
    ))
}

/// Publish a process version (administrators of the province).
#[utoipa::path(post, path = "/api/v1/processes", tag = "catalog",
    request_body(content = Object, description = "a process version"),
    responses((status = 201, description = "published"), (status = 422, body = ErrorBody)))]
pub async fn publish_process(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let who = extract::official(app(&state), &headers).await?;
    let p: ProcessDefinition = extract::json(&headers, &extract::body(body)?)?;
    app(&state).publish_process(&who, p).await?;
    Ok(StatusCode::CREATED)
}

// ----- Dossiers ---------------------------------------------------------------------------

/// Submit a dossier online (no account needed): the answer carries its code and the
/// applicant's access key. Send `Idempotency-Key` so that a retry does not submit twice.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers",
    request_body = SubmitRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry harmless")),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    method: Method,
    OriginalUri(uri): OriginalUri,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = extract::body(body)?;
    let req: SubmitRequest = extract::json(&headers, &body)?;
    let meta = extract::meta(&headers, &method, uri.path(), &body)?;
    let who = extract::principal(app(&state), &headers).await?;
    Ok(outcome(app(&state).submit(&who, &req, &meta).await?))
}

/// Receive a dossier at the desk (walk-in or postal): desk officers of the receiving unit.
#[utoipa::path(post, path = "/api/v1/dossiers/receive", tag = "dossiers",
    request_body = ReceiveRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry harmless")),
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    method: Method,
    OriginalUri(uri): OriginalUri,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = extract::body(body)?;
    let who = extract::official(app(&state), &headers).await?;
    let req: ReceiveRequest = extract::json(&headers, &body)?;
    let meta = extract::meta(&headers, &method, uri.path(), &body)?;
    Ok(outcome(app(&state).receive_new(&who, &req, &meta).await?))
}

/// A list query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// Dossiers involving this unit (within your scope).
    pub unit: Option<String>,
    /// Dossiers waiting at this unit now (an inbox).
    pub waiting_at: Option<String>,
    /// Status codes, comma-separated (`4,5`).
    pub status: Option<String>,
    /// Procedure code.
    pub procedure: Option<String>,
    /// Channel: 1 desk, 2 online, 3 postal.
    pub channel: Option<u8>,
    /// Due at or after (RFC 3339).
    pub due_from: Option<String>,
    /// Due at or before (RFC 3339).
    pub due_to: Option<String>,
    /// Only dossiers overdue now.
    pub overdue: Option<bool>,
    /// Text in the code, applicant's name or procedure; diacritics ignored.
    pub q: Option<String>,
    /// Only the dossiers waiting now at the unit (or at the units in your scope): the
    /// inboxes, not every dossier they took part in.
    pub waiting: Option<bool>,
    /// `latest` (the default): the most recently changed first; `deadline`: the nearest
    /// deadline first (the desk's for submissions awaiting acceptance, else the due date).
    pub order: Option<String>,
    /// `next_cursor` of the previous page (in the same order).
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// List the dossiers you may read, most recently changed first (or the nearest deadline
/// first), a page at a time.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(ListParams),
    responses((status = 200, body = DossierPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListParams>, QueryRejection>,
) -> ApiResult<Json<DossierPage>> {
    let Query(p) = query.map_err(|e| ApiError::bad_request("invalid-query", e.body_text()))?;
    let who = extract::official(app(&state), &headers).await?;
    let statuses = match p.status.as_deref() {
        None | Some("") => Vec::new(),
        Some(s) => s
            .split(',')
            .map(|c| c.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ApiError::invalid("status must be comma-separated status codes, e.g. 4,5")
            })?,
    };
    let query = motcua_app::ListQuery {
        unit: p.unit,
        waiting_at: p.waiting_at,
        statuses,
        procedure: p.procedure,
        channel: p.channel,
        due_from: p.due_from,
        due_to: p.due_to,
        overdue: p.overdue.unwrap_or(false),
        q: p.q,
        waiting: p.waiting.unwrap_or(false),
        order: match p.order.as_deref() {
            None | Some("latest") => motcua_app::DossierOrder::LatestActivity,
            Some("deadline") => motcua_app::DossierOrder::Deadline,
            Some(_) => return Err(ApiError::invalid("order must be latest or deadline")),
        },
        cursor: p.cursor,
        limit: p.limit,
    };
    Ok(Json(app(&state).list(&who, &query).await?))
}

/// A dossier with its full history, figures and control sheet: officials who handle it, or
/// its applicant with `X-Access-Key`.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "dossier code, e.g. H29.01.02-260302-0001"),
           ("X-Access-Key" = Option<String>, Header, description = "the applicant's access key")),
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dossier(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<DossierView>> {
    let who = extract::principal_for(app(&state), &headers, &code).await?;
    if matches!(who, Principal::Public) {
        return Err(AppError::Unauthenticated.into());
    }
    Ok(Json(app(&state).dossier(&who, &code).await?))
}

/// Act on a dossier. Send `If-Match` with the version you decided on (409 with the current
/// version if it changed) and `Idempotency-Key` so that a retry acts once.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers",
    params(("code" = String, Path),
           ("If-Match" = Option<String>, Header, description = "the version you read"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry harmless"),
           ("X-Access-Key" = Option<String>, Header, description = "the applicant's access key")),
    request_body = Action,
    responses((status = 200, body = DossierView),
              (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "version conflict, or not allowed in the dossier's state"),
              (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = extract::body(body)?;
    let action: Action = extract::json(&headers, &body)?;
    let meta = extract::meta(&headers, &method, uri.path(), &body)?;
    let who = extract::principal_for(app(&state), &headers, &code).await?;
    Ok(outcome(app(&state).act(&who, &code, &action, &meta).await?))
}

/// Track a dossier by its code (public): status, appointment and history, without
/// officials' names.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}", tag = "public",
    params(("code" = String, Path)),
    responses((status = 200, body = PublicDossier), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicDossier>> {
    Ok(Json(app(&state).public_dossier(&code).await?))
}

/// Dossiers by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    /// Status.
    pub status: StatusView,
    /// How many dossiers have it.
    pub dossiers: u64,
}

/// Counts of dossiers by status (index viewers, leaders, administrators).
#[utoipa::path(get, path = "/api/v1/figures", tag = "figures",
    responses((status = 200, body = [StatusCount]), (status = 403, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<StatusCount>>> {
    let who = extract::official(app(&state), &headers).await?;
    Ok(Json(
        app(&state)
            .figures(&who)
            .await?
            .into_iter()
            .map(|(status, dossiers)| StatusCount { status, dossiers })
            .collect(),
    ))
}
