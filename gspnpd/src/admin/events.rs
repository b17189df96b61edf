//! `GET /api/events`: every phone event as a server-sent event (`data:` one JSON
//! object), with a comment every 15 s so that proxies keep the stream open. A reader
//! too slow for the buffer is told how many events it missed (`event: lagged`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::auth::Admin;
use super::AdminState;

/// The event stream of an authenticated admin.
pub async fn stream(
    _admin: Admin,
    State(state): State<Arc<AdminState>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.manager.ledger.subscribe();
    let events = stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(json) => Event::default().data(json.as_ref()),
            Err(RecvError::Lagged(missed)) => Event::default().event("lagged").data(missed.to_string()),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
