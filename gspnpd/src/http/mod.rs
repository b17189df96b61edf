//! The HTTP(S) side of gspnpd on tokio and hyper: listeners that share a
//! [`ConnectionGate`] (connections per source and in all), a deadline on each whole
//! connection (TLS handshake included), a header-read timeout that also ends idle
//! keep-alive connections, and rate-limited warnings about refused clients. What to
//! answer is an axum [`axum::Router`]'s business, so that another listener (an admin
//! API) reuses all of it with routes of its own.

pub mod basic_auth;
pub mod failures;
mod limits;
pub mod redact;
mod server;
pub mod tls;

pub use limits::{ConnectionGate, Limits};
pub use server::{Binding, HttpServer, Peer, WARNING_INTERVAL};
