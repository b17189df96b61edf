//! The REST API's handlers. Each checks its input first (400/422 with the field at
//! fault, 404 for an unknown phone) and changes nothing when it refuses; the work is
//! done off the async workers (the store and the server may block briefly).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gspnp::Mac;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{cookie, Admin, COOKIE};
use super::error::ApiError;
use super::AdminState;
use crate::store::{PhoneQuery, PhoneState};

/// The OpenAPI document of this API.
const OPENAPI: &str = include_str!("openapi.json");
/// The largest page of phones.
const MOST_PER_PAGE: u32 = 1000;
/// Phones one bulk request may name.
const MOST_IN_BULK: usize = 1000;
/// History lines shown with a phone.
const HISTORY_SHOWN: u32 = 100;

type Answer = Result<Response, ApiError>;

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the request failed")))
}

/// The phone a path names, or 400.
fn mac_of(text: &str) -> Result<Mac, ApiError> {
    text.parse().map_err(|_| ApiError::field("mac", format!("{text:?} is not a MAC address (want 12 hex digits)")))
}

/// The body as JSON, or 400 (415 when it is not declared JSON).
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))
}

/// `GET /api/health` (no authentication): the daemon answers.
pub async fn health(State(state): State<Arc<AdminState>>) -> Response {
    let stopped = state.manager.server.is_stopped();
    Json(json!({ "status": if stopped { "stopping" } else { "ok" }, "version": env!("CARGO_PKG_VERSION") }))
        .into_response()
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Any other path: 404 in JSON.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such resource (see /api/openapi.json)")
}

#[derive(Deserialize)]
pub struct Login {
    password: String,
}

/// `POST /api/login` `{"password": …}`: a session cookie and its CSRF token.
pub async fn login(
    State(state): State<Arc<AdminState>>,
    peer: Option<axum::Extension<crate::http::Peer>>,
    request: Result<Json<Login>, JsonRejection>,
) -> Answer {
    let login = body(request)?;
    let source = peer.map(|peer| peer.address.ip());
    let checking = state.clone();
    blocking(move || checking.auth.check_password(source, &login.password)).await?;
    let (id, csrf) = state.auth.open_session();
    let store = state.manager.ledger.store().clone();
    blocking(move || Ok(store.audit("admin (session)", "login", None, "")?)).await?;
    let secure = if state.secure { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}");
    let mut response = Json(json!({ "csrf": csrf })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cookie"))?,
    );
    Ok(response)
}

/// `POST /api/logout`.
pub async fn logout(
    _admin: Admin,
    State(state): State<Arc<AdminState>>,
    request: axum::http::Request<axum::body::Body>,
) -> Response {
    let (parts, _) = request.into_parts();
    if let Some(id) = cookie(&parts, COOKIE) {
        state.auth.close_session(id);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("gspnpd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    response
}

/// `GET /api/session`: who is logged in, and the session's CSRF token.
pub async fn session(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    request: axum::http::Request<axum::body::Body>,
) -> Response {
    let (parts, _) = request.into_parts();
    let csrf = cookie(&parts, COOKIE).and_then(|id| state.auth.session_csrf(id));
    Json(json!({ "user": admin.actor, "csrf": csrf })).into_response()
}

/// `GET /api/phones?state=&vendor=&model=&assigned=&limit=&offset=`.
pub async fn list_phones(
    _admin: Admin,
    State(state): State<Arc<AdminState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let mut filter = PhoneQuery { limit: 100, ..PhoneQuery::default() };
    for (key, value) in &query {
        match key.as_str() {
            "state" => {
                filter.state = Some(PhoneState::parse(value).ok_or_else(|| {
                    ApiError::field("state", "is not discovered, answered, notified, acknowledged or fetched")
                })?)
            }
            "vendor" => filter.vendor = Some(value.clone()),
            "model" => filter.model = Some(value.clone()),
            "assigned" => {
                filter.assigned = Some(value.parse().map_err(|_| ApiError::field("assigned", "is not true or false"))?)
            }
            "limit" => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MOST_PER_PAGE).contains(limit))
                    .ok_or_else(|| ApiError::field("limit", format!("is not a number from 1 to {MOST_PER_PAGE}")))?
            }
            "offset" => filter.offset = value.parse().map_err(|_| ApiError::field("offset", "is not a number"))?,
            other => {
                return Err(ApiError::field(other, "is not a filter (state, vendor, model, assigned, limit, offset)"))
            }
        }
    }
    let store = state.manager.ledger.store().clone();
    let (phones, total) = blocking(move || Ok(store.phones(&filter)?)).await?;
    Ok(Json(json!({ "phones": phones, "total": total })).into_response())
}

/// A profile as shown: every `password` replaced.
fn redacted(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            for (key, entry) in map.iter_mut() {
                if key.contains("password") {
                    *entry = Value::String("<redacted>".into());
                } else {
                    *entry = redacted(entry.take());
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = redacted(item.take());
            }
        }
        _ => {}
    }
    value
}

/// `GET /api/phones/{mac}`: the phone, its assignment (passwords redacted), whether
/// the config file declares it, and its history.
pub async fn get_phone(_admin: Admin, State(state): State<Arc<AdminState>>, Path(mac): Path<String>) -> Answer {
    let mac = mac_of(&mac)?;
    let manager = state.manager.clone();
    blocking(move || {
        let store = manager.ledger.store();
        let phone = store.phone(mac)?.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no phone {mac}")))?;
        let assignment =
            store.assignments()?.into_iter().find(|(known, _)| *known == mac).map(|(_, table)| redacted(table));
        let declared = manager.config.read().unwrap_or_else(std::sync::PoisonError::into_inner).phone(mac).is_some();
        let history = store.history(mac, HISTORY_SHOWN)?;
        Ok(Json(json!({ "phone": phone, "assignment": assignment, "declared": declared, "history": history }))
            .into_response())
    })
    .await
}

/// `PUT /api/phones/{mac}` with a `[[phone]]` table as JSON: 200, 404 never (a phone
/// not yet seen may be assigned ahead), 409 for a phone the config file declares, 422
/// for a profile gspnp refuses.
pub async fn assign(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    Path(mac): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Answer {
    let mac = mac_of(&mac)?;
    let table = body(request)?;
    if !table.is_object() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the body must be a JSON object (a [[phone]] table)"));
    }
    let manager = state.manager.clone();
    blocking(move || Ok(manager.assign(mac, table, &admin.actor)?)).await?;
    Ok(Json(json!({ "mac": mac.to_string(), "assigned": true })).into_response())
}

/// `DELETE /api/phones/{mac}/assignment`: 204, or 404 when it had none.
pub async fn unassign(admin: Admin, State(state): State<Arc<AdminState>>, Path(mac): Path<String>) -> Answer {
    let mac = mac_of(&mac)?;
    let manager = state.manager.clone();
    blocking(move || Ok(manager.unassign(mac, &admin.actor)?)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/phones/{mac}`: 204, or 404.
pub async fn forget(admin: Admin, State(state): State<Arc<AdminState>>, Path(mac): Path<String>) -> Answer {
    let mac = mac_of(&mac)?;
    let manager = state.manager.clone();
    blocking(move || Ok(manager.forget(mac, &admin.actor)?)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResyncBody {
    #[serde(default)]
    reboot: bool,
}

/// `POST /api/phones/{mac}/resync` `{"reboot": false}`: 202; the outcome arrives as a
/// `resync` event and in the phone's history.
pub async fn resync(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    Path(mac): Path<String>,
    request: Result<Json<ResyncBody>, JsonRejection>,
) -> Answer {
    let mac = mac_of(&mac)?;
    let reboot = body(request)?.reboot;
    let manager = state.manager.clone();
    blocking(move || Ok(manager.resync(mac, reboot, &admin.actor)?)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "mac": mac.to_string(), "requested": if reboot { "reboot" } else { "check-sync" } })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkAssign {
    macs: Vec<String>,
    profile: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkResync {
    macs: Vec<String>,
    #[serde(default)]
    reboot: bool,
}

/// Every MAC of a bulk request, or 400 naming the first bad one.
fn macs_of(macs: &[String]) -> Result<Vec<Mac>, ApiError> {
    if macs.is_empty() || macs.len() > MOST_IN_BULK {
        return Err(ApiError::field("macs", format!("must name 1 to {MOST_IN_BULK} phones")));
    }
    macs.iter()
        .enumerate()
        .map(|(index, text)| {
            text.parse()
                .map_err(|_| ApiError::field(&format!("macs[{index}]"), format!("{text:?} is not a MAC address")))
        })
        .collect()
}

/// The outcome per phone of a bulk request: `{"results": [{"mac", "status", "error"}]}`.
fn bulk_results(results: Vec<(Mac, Result<(), ApiError>)>) -> Response {
    let results: Vec<Value> = results
        .into_iter()
        .map(|(mac, result)| match result {
            Ok(()) => json!({ "mac": mac.to_string(), "status": 200 }),
            Err(error) => json!({ "mac": mac.to_string(), "status": error.status.as_u16(), "error": { "message": error.message, "field": error.field } }),
        })
        .collect();
    Json(json!({ "results": results })).into_response()
}

/// `POST /api/bulk/assign` `{"macs": […], "profile": {…}}`: each phone assigned on its
/// own; 200 with each phone's status.
pub async fn bulk_assign(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    request: Result<Json<BulkAssign>, JsonRejection>,
) -> Answer {
    let request = body(request)?;
    let macs = macs_of(&request.macs)?;
    if !request.profile.is_object() {
        return Err(ApiError::field("profile", "must be a JSON object (a [[phone]] table)"));
    }
    let manager = state.manager.clone();
    let results = blocking(move || {
        Ok(macs
            .into_iter()
            .map(|mac| (mac, manager.assign(mac, request.profile.clone(), &admin.actor).map_err(ApiError::from)))
            .collect())
    })
    .await?;
    Ok(bulk_results(results))
}

/// `POST /api/bulk/resync` `{"macs": […], "reboot": false}`.
pub async fn bulk_resync(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    request: Result<Json<BulkResync>, JsonRejection>,
) -> Answer {
    let request = body(request)?;
    let macs = macs_of(&request.macs)?;
    let manager = state.manager.clone();
    let results = blocking(move || {
        Ok(macs
            .into_iter()
            .map(|mac| (mac, manager.resync(mac, request.reboot, &admin.actor).map_err(ApiError::from)))
            .collect())
    })
    .await?;
    Ok(bulk_results(results))
}

/// `GET /api/audit?limit=`: the newest audit entries first.
pub async fn audit(
    _admin: Admin,
    State(state): State<Arc<AdminState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let limit = match query.get("limit") {
        None => 100,
        Some(text) => text
            .parse()
            .ok()
            .filter(|limit| (1..=MOST_PER_PAGE).contains(limit))
            .ok_or_else(|| ApiError::field("limit", format!("is not a number from 1 to {MOST_PER_PAGE}")))?,
    };
    let store = state.manager.ledger.store().clone();
    let entries = blocking(move || Ok(store.audit_trail(limit)?)).await?;
    Ok(Json(json!({ "audit": entries })).into_response())
}

/// The provisioning window as JSON.
fn window_json(status: crate::daemon::window::WindowStatus) -> Response {
    Json(json!({ "configured": status.configured, "open": status.open, "remaining_s": status.remaining.as_secs() }))
        .into_response()
}

/// `GET /api/window`: whether new phones are answered now (`configured` false: always).
pub async fn window(_admin: Admin, State(state): State<Arc<AdminState>>) -> Response {
    window_json(state.manager.window.status(std::time::Instant::now()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowBody {
    open: bool,
}

/// `POST /api/window` `{"open": true}`: opens the window for `[admin] window_minutes`
/// (again from now), or closes it; 409 when no window is configured.
pub async fn set_window(
    admin: Admin,
    State(state): State<Arc<AdminState>>,
    request: Result<Json<WindowBody>, JsonRejection>,
) -> Answer {
    let open = body(request)?.open;
    let manager = state.manager.clone();
    let status = blocking(move || {
        Ok(if open { manager.open_window(&admin.actor)? } else { manager.close_window(&admin.actor)? })
    })
    .await?;
    Ok(window_json(status))
}
