//! Errors as the API returns them: JSON `{"error": {"code", "message"}}` with a stable
//! machine code, a 4xx status for the caller's mistakes and 5xx only for ours. Internal causes
//! are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `not-found`, `version-conflict`, `malformed-json`.
    pub code: String,
    /// A message for people, in English.
    pub message: String,
    /// For `version-conflict`: the dossier's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    current_version: Option<u64>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            current_version: None,
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422: the request is readable but invalid.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = match &e {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::IdempotencyMismatch => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Refused(_) if e.code() == "invalid-action" => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Refused(_) | AppError::VersionConflict { .. } | AppError::Duplicate(_) => {
                StatusCode::CONFLICT
            }
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status.is_server_error() {
            tracing::error!(error = ?e, "request failed");
            "the server could not complete the request; it has been logged".to_owned()
        } else {
            e.to_string()
        };
        Self {
            status,
            code: e.code(),
            message,
            current_version: match e {
                AppError::VersionConflict { current_version } => Some(current_version),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                current_version: self.current_version,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}
