//! The device manager's admin listener: the REST API under `/api/` (described by
//! `/api/openapi.json`) and the web UI at `/`, on its own listener (`[admin] listen`,
//! HTTPS when `[admin] cert`/`key` are set) with the file server's connection limits.

mod api;
pub mod auth;
pub mod client;
mod error;
mod events;
pub mod resync_command;
mod ui;

use std::sync::Arc;

use axum::routing::{delete, get, post};
use axum::Router;

use crate::daemon::manager::Manager;
use crate::http::{tls, Binding, ConnectionGate, HttpServer, Limits};
use auth::AdminAuth;

/// Connections the admin listener holds at once (in all, and from one address).
const ADMIN_LIMITS: Limits = Limits {
    connections: 64,
    per_source: 16,
    connection_time: std::time::Duration::from_secs(3600),
    header_time: std::time::Duration::from_secs(10),
};

/// What every admin handler shares.
pub struct AdminState {
    /// The operations.
    pub manager: Arc<Manager>,
    /// Passwords and sessions.
    pub auth: AdminAuth,
    /// Whether cookies get `Secure`.
    pub secure: bool,
}

/// Starts the admin listener if the config has `[admin]`.
pub fn start(manager: Arc<Manager>) -> Result<Option<HttpServer>, String> {
    let settings = {
        let config = manager.config.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        config.admin.clone()
    };
    let Some(settings) = settings else { return Ok(None) };
    let tls = match &settings.tls {
        Some((cert, key)) => Some(tls::server_config(cert, key).map_err(|error| format!("admin: {error}"))?),
        None => None,
    };
    let log = manager.log.clone();
    let state = Arc::new(AdminState { manager, auth: AdminAuth::new(&settings.password_hash), secure: tls.is_some() });
    let binding = Binding { address: settings.listen, tls, router: router(state) };
    HttpServer::start(vec![binding], ConnectionGate::new(ADMIN_LIMITS), log)
        .map(Some)
        .map_err(|error| format!("admin: {error}"))
}

/// Every route of the admin listener.
fn router(state: Arc<AdminState>) -> Router {
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/login", post(api::login))
        .route("/api/logout", post(api::logout))
        .route("/api/session", get(api::session))
        .route("/api/phones", get(api::list_phones))
        .route("/api/phones/{mac}", get(api::get_phone).put(api::assign).delete(api::forget))
        .route("/api/phones/{mac}/assignment", delete(api::unassign))
        .route("/api/phones/{mac}/resync", post(api::resync))
        .route("/api/bulk/assign", post(api::bulk_assign))
        .route("/api/bulk/resync", post(api::bulk_resync))
        .route("/api/audit", get(api::audit))
        .route("/api/window", get(api::window).post(api::set_window))
        .route("/api/events", get(events::stream))
        .route("/", get(ui::index))
        .route("/app.js", get(ui::script))
        .route("/style.css", get(ui::style))
        .fallback(api::not_found)
        .with_state(state)
}
