//! A small HTTP/1.1 file server on std's TcpListener: GET and HEAD only, one request per
//! connection, bounded head size, per-connection time limit, a fixed pool of workers
//! and a bounded queue (a connection that finds it full is closed at once). HTTPS
//! through rustls. What to answer is the [`Handler`]'s business.

pub mod basic_auth;
pub mod message;
mod server;
pub mod tls;

use std::net::SocketAddr;

pub use message::{Request, Response};
pub use server::{Binding, HttpServer};

/// Answers requests; called on worker threads, concurrently.
pub trait Handler: Send + Sync + 'static {
    /// The response to `request` from `peer`; `secure` when it came over HTTPS.
    fn handle(&self, request: &Request, peer: SocketAddr, secure: bool) -> Response;
}
