//! A client of a running gspnpd's admin API, for the command line (`gspnpd resync`):
//! HTTP/1.1 with hyper, one connection per request, HTTP Basic as user `admin`, and
//! HTTPS trusting only the config's own `[admin] cert`. Runs on a tokio runtime the
//! caller provides; every answer is read whole up to [`MOST_BYTES`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{header, Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::auth::USER;
use crate::base64;
use crate::config::AdminSettings;

/// The largest answer read (a page of phones is well below it).
const MOST_BYTES: usize = 4 << 20;

/// An answer: status and body as JSON (Null when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Reply {
    /// The API's error message (`{"error": {"message": …}}`), or the status alone.
    pub fn error_message(&self) -> String {
        match self.body["error"]["message"].as_str() {
            Some(message) => format!("{message} ({})", self.status),
            None => format!("HTTP {}", self.status),
        }
    }
}

/// Talks to the admin listener of `[admin]`.
pub struct AdminClient {
    address: SocketAddr,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    authorization: String,
}

/// The address to connect to for `listen`: loopback for a wildcard address.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), listen.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), listen.port()),
        _ => listen,
    }
}

impl AdminClient {
    /// A client of the listener `settings` describe, as the admin with `password`. With
    /// `[admin] cert`, only that certificate is trusted, for the address connected to.
    pub fn new(settings: &AdminSettings, password: &str) -> Result<AdminClient, String> {
        let address = reachable(settings.listen);
        let tls = match &settings.tls {
            Some((cert, _)) => {
                let config = crate::simulate::client_tls::client_config(Some(cert), false)?;
                Some((TlsConnector::from(config), ServerName::IpAddress(address.ip().into())))
            }
            None => None,
        };
        let authorization = format!("Basic {}", base64::encode(format!("{USER}:{password}").as_bytes()));
        Ok(AdminClient { address, tls, authorization })
    }

    /// A connection ready for one request; its driver runs as a task.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let unreachable = |error: std::io::Error| format!("cannot reach the admin API on {}: {error}", self.address);
        let stream = TcpStream::connect(self.address).await.map_err(unreachable)?;
        match &self.tls {
            None => handshake(stream).await,
            Some((connector, name)) => {
                let stream = connector.connect(name.clone(), stream).await.map_err(unreachable)?;
                handshake(stream).await
            }
        }
    }

    /// Sends `method path` (with `body` as JSON) and returns the answer's head and body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<hyper::Response<Incoming>, String> {
        let mut sender = self.connect().await?;
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.address.to_string())
            .header(header::AUTHORIZATION, &self.authorization);
        let bytes = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(bytes)).map_err(|error| format!("cannot build the request: {error}"))?;
        sender.send_request(request).await.map_err(|error| format!("the admin API did not answer: {error}"))
    }

    /// `method path` with an optional JSON body; the whole answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, String> {
        let response = self.send(method, path, body).await?;
        let status = response.status().as_u16();
        let bytes = Limited::new(response.into_body(), MOST_BYTES)
            .collect()
            .await
            .map_err(|error| format!("cannot read the admin API's answer: {error}"))?
            .to_bytes();
        Ok(Reply { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
    }

    /// Opens `GET /api/events`; an error says why the daemon refused (a wrong password).
    pub async fn events(&self) -> Result<Events, String> {
        let response = self.send(Method::GET, "/api/events", None).await?;
        if response.status() != hyper::StatusCode::OK {
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MOST_BYTES).collect().await.map(|body| body.to_bytes());
            let body = bytes.ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or(Value::Null);
            return Err(format!("the daemon refused: {}", Reply { status, body }.error_message()));
        }
        Ok(Events { body: response.into_body(), pending: String::new() })
    }
}

/// An HTTP/1.1 handshake on `stream`, its connection driven by a task.
async fn handshake<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|error| format!("HTTP handshake: {error}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// The server-sent events of `/api/events`, one JSON object each.
pub struct Events {
    body: Incoming,
    pending: String,
}

impl Events {
    /// The next event's data as JSON (`lagged` notices and keep-alive comments are
    /// skipped); None when the daemon closed the stream.
    pub async fn next(&mut self) -> Result<Option<Value>, String> {
        loop {
            while let Some(end) = self.pending.find("\n\n") {
                let block: String = self.pending.drain(..end + 2).collect();
                if let Some(event) = data_of(&block) {
                    return Ok(Some(event));
                }
            }
            if self.pending.len() > MOST_BYTES {
                return Err("an event larger than any gspnpd sends".to_owned());
            }
            let Some(frame) = self.body.frame().await else { return Ok(None) };
            let frame = frame.map_err(|error| format!("the event stream broke: {error}"))?;
            if let Some(data) = frame.data_ref() {
                self.pending.push_str(&String::from_utf8_lossy(data).replace("\r\n", "\n"));
            }
        }
    }
}

/// The JSON of an event block's `data:` lines, if it is a plain (unnamed) event.
fn data_of(block: &str) -> Option<Value> {
    if block.lines().any(|line| line.starts_with("event:")) {
        return None;
    }
    let data: Vec<&str> = block
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| data.strip_prefix(' ').unwrap_or(data))
        .collect();
    serde_json::from_str(&data.join("\n")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_blocks_give_their_json_and_named_events_and_comments_are_skipped() {
        assert_eq!(data_of("data: {\"mac\":\"000b82000001\"}\n\n"), Some(serde_json::json!({"mac": "000b82000001"})));
        assert_eq!(data_of("event: lagged\ndata: 3\n\n"), None);
        assert_eq!(data_of(":\n\n"), None);
        assert_eq!(reachable("0.0.0.0:8081".parse().unwrap()), "127.0.0.1:8081".parse().unwrap());
        assert_eq!(reachable("[::]:8081".parse().unwrap()), "[::1]:8081".parse().unwrap());
    }
}
