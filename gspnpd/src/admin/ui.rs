//! The web UI: one HTML page, a script and a style sheet, compiled into the binary (no
//! build step, nothing fetched at run time). The page talks to the REST API.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Files served with a strict Content-Security-Policy: only this origin's script.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'; frame-ancestors 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /`.
pub async fn index() -> Response {
    asset("text/html; charset=utf-8", include_str!("ui/index.html"))
}

/// `GET /app.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("ui/app.js"))
}

/// `GET /style.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("ui/style.css"))
}
