//! The admin API's errors: a status and `{"error": {"message": …, "field": …}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::daemon::manager::ManagerError;

/// A refused request.
#[derive(Debug)]
pub struct ApiError {
    /// 4xx for the caller's fault, 5xx for ours.
    pub status: StatusCode,
    /// What is wrong.
    pub message: String,
    /// The field at fault, if one.
    pub field: Option<String>,
}

impl ApiError {
    /// `status` with `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), field: None }
    }

    /// 400 at `field`.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into(), field: Some(field.to_owned()) }
    }
}

impl From<ManagerError> for ApiError {
    fn from(error: ManagerError) -> Self {
        match error {
            ManagerError::NotFound(message) => ApiError::new(StatusCode::NOT_FOUND, message),
            ManagerError::Invalid { field, message } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message,
                field: (!field.is_empty()).then_some(field),
            },
            ManagerError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            ManagerError::Unavailable(message) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.0)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": { "message": self.message, "field": self.field } }))).into_response()
    }
}
