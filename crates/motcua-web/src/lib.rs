//! The HTTP layer of motcua: the JSON API under `/api/v1/` with its OpenAPI document
//! (`/api/openapi.json`, browsable at `/api/docs`), health (`/healthz`, `/readyz`) and
//! Prometheus metrics (`/metrics`).
//!
//! Handlers only translate: they read the request, call [`motcua_app::App`] and turn its
//! answer or error into HTTP ([`error::ApiError`]).

pub mod api;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use motcua_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use metrics::Metrics;

/// The largest request body accepted: dossiers are JSON metadata; documents come later as
/// uploads of their own.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The application.
    pub app: Arc<App>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Whether session cookies are marked `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// A clock that tests move through `POST /api/test/clock` (only with `--test-clock`).
    pub test_clock: Option<Arc<motcua_app::ManualClock>>,
}

/// A new time for the test clock.
#[derive(serde::Deserialize)]
struct SetClock {
    now: String,
}

async fn set_test_clock(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let (Some(clock), Ok(SetClock { now })) = (
        state.test_clock.as_ref(),
        serde_json::from_slice::<SetClock>(&body),
    ) else {
        return error::ApiError::invalid("send {\"now\": \"<RFC 3339>\"}").into_response();
    };
    match now.parse::<jiff::Timestamp>() {
        Ok(t) => {
            clock.set(t);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error::ApiError::invalid(format!("now: {e}")).into_response(),
    }
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "motcua API", description = "The one-stop shop (một cửa) of Vietnamese public administration: catalog, dossiers and their lifecycle, accounts."),
    paths(
        api::login, api::logout, api::me,
        api::units, api::add_unit, api::officials, api::add_official,
        api::procedures, api::procedure, api::publish_procedure, api::correct_procedure,
        api::processes, api::publish_process,
        api::submit, api::receive, api::list, api::dossier, api::act, api::track, api::figures,
    ),
    tags(
        (name = "dossiers", description = "Submission, receipt, every lifecycle action, reading and listing"),
        (name = "public", description = "What anyone may see"),
        (name = "catalog", description = "Procedures and internal processes"),
        (name = "organisation", description = "Units and officials"),
        (name = "accounts", description = "Logging in and out"),
        (name = "figures", description = "Counts for index viewers"),
    )
)]
pub struct ApiDoc;

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let counts = state
        .app
        .store()
        .count_by_status(None)
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(&counts),
    )
        .into_response()
}

/// Errors that axum or tower answer on their own (a wrong method, an unreadable path
/// parameter, a timeout) come as plain text; give them the API's JSON shape and a code.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    // JSON errors and the pages' own error pages pass as they are.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this endpoint does not take that method; see /api/docs",
        ),
        StatusCode::GATEWAY_TIMEOUT | StatusCode::REQUEST_TIMEOUT => {
            ("timeout", "the request took too long and was abandoned")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "the request body is too large"),
        StatusCode::BAD_REQUEST => (
            "invalid-path",
            "a part of the address cannot be read (a number where a number belongs, valid percent-encoding)",
        ),
        s if s.is_server_error() => ("internal", "the server could not complete the request"),
        _ => ("bad-request", "the request cannot be handled"),
    };
    let mut json = error::ApiError::new(status, code, message).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        json.headers_mut().insert(header::ALLOW, allow.clone());
    }
    json
}

/// An address nobody serves: the API's JSON error under `/api/`, the error page elsewhere.
async fn not_found(State(state): State<AppState>, asked: pages::Asked) -> Response {
    if asked.uri.path().starts_with("/api/") {
        error::ApiError::new(
            StatusCode::NOT_FOUND,
            "no-route",
            "there is no such endpoint; see /api/docs",
        )
        .into_response()
    } else {
        pages::not_found(&state, &asked).await
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/auth/login", post(api::login))
        .route("/api/v1/auth/logout", post(api::logout))
        .route("/api/v1/auth/me", get(api::me))
        .route("/api/v1/units", get(api::units).post(api::add_unit))
        .route(
            "/api/v1/officials",
            get(api::officials).post(api::add_official),
        )
        .route(
            "/api/v1/procedures",
            get(api::procedures).post(api::publish_procedure),
        )
        .route("/api/v1/procedures/{code}", get(api::procedure))
        .route(
            "/api/v1/procedures/{code}/versions/{version}",
            put(api::correct_procedure),
        )
        .route(
            "/api/v1/processes",
            get(api::processes).post(api::publish_process),
        )
        .route("/api/v1/dossiers", get(api::list).post(api::submit))
        .route("/api/v1/dossiers/receive", post(api::receive))
        .route("/api/v1/dossiers/{code}", get(api::dossier))
        .route("/api/v1/dossiers/{code}/actions", post(api::act))
        .route("/api/v1/public/dossiers/{code}", get(api::track))
        .route("/api/v1/figures", get(api::figures))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ));
    let api = if state.test_clock.is_some() {
        api.route("/api/test/clock", post(set_test_clock))
    } else {
        api
    };
    let request_id = HeaderName::from_static("x-request-id");
    // The documentation page and the document it shows, served by the vendored Swagger UI.
    api.merge(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()),
    )
    .merge(pages::routes(&state))
    .fallback(not_found)
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(CatchPanicLayer::custom(|_| {
        error::ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server hit a bug; it has been logged",
        )
        .into_response()
    }))
    .layer(TimeoutLayer::with_status_code(
        StatusCode::GATEWAY_TIMEOUT,
        Duration::from_secs(30),
    ))
    .layer(axum::middleware::map_response(json_errors))
    // Every log line of a request carries its id (also sent back as X-Request-Id).
    .layer(
        TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id)
        }),
    )
    .layer(PropagateRequestIdLayer::new(request_id.clone()))
    .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
    .with_state(state)
}
