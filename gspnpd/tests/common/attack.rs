//! What the attack tests share, on loopback and in the namespace lab: a daemon config
//! with a default profile, held idle connections, dripped TLS handshakes, a forged
//! SUBSCRIBE flood and an HTTPS GET. Every loop is bounded in count and time; callers
//! choose where packets go (loopback, or addresses of a lab namespace).
//! Included with `#[path = "common/attack.rs"] mod attack;` next to `mod common;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::net::TcpSocket;

/// Where the daemon under attack listens and what URL it tells phones.
pub struct Listeners {
    /// The `[sip]` lines that say where SIP is heard (ports, interfaces, multicast).
    pub sip: String,
    /// `ADDRESS:PORT` of plain HTTP.
    pub http: SocketAddr,
    /// `ADDRESS:PORT` of HTTPS.
    pub https: SocketAddr,
    /// The folder URL phones are told (`http://…/prov/` or `https://…/prov/`).
    pub public_url: String,
    /// The registrar phones are given.
    pub sip_server: Ipv4Addr,
}

/// A daemon config that gives every Grandstream phone a default profile (password
/// `attack-secret`), serves HTTP and
/// HTTPS (certificate `server.crt`, key `server.key` beside the config), admits a flood
/// through its per-source limit and keeps at most 1,000 unlisted files; logging at `level`.
pub fn default_profile_config(listeners: &Listeners, level: &str) -> String {
    let Listeners { sip, http, https, public_url, sip_server } = listeners;
    format!(
        r#"
[sip]
{sip}
rate_limit = {{ burst = 100000, per_second = 100000.0 }}
[http]
listen = "{http}"
public_url = "{public_url}"
max_unlisted_files = 1000
[https]
listen = "{https}"
cert = "server.crt"
key = "server.key"
[log]
level = "{level}"
{profile}"#,
        profile = crate::common::default_profile_tables(sip_server, "attack-secret")
    )
}

/// Room for thousands of sockets in this process.
pub fn raise_descriptor_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}

/// A single-threaded runtime for the attacker's sockets.
pub fn attacker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Opens `count` connections to `target` spread over the source addresses `from`, each
/// attempt given at most 5 s, held open (idle) until dropped. Connections the daemon
/// refuses are closed by it; they are returned too.
pub fn hold_connections(
    runtime: &tokio::runtime::Runtime,
    target: SocketAddr,
    from: &[Ipv4Addr],
    count: usize,
) -> Vec<tokio::net::TcpStream> {
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..count {
            let source = from[index % from.len()];
            tasks.spawn(async move {
                let socket = TcpSocket::new_v4().ok()?;
                socket.bind(SocketAddr::from((source, 0))).ok()?;
                tokio::time::timeout(Duration::from_secs(5), socket.connect(target)).await.ok()?.ok()
            });
        }
        let mut held = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(Some(stream)) = done {
                held.push(stream);
            }
        }
        held
    })
}

/// The first 11 bytes of a TLS ClientHello.
const HELLO_START: [u8; 11] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];

/// A blocking connection from `source` to `target`, given at most 5 s.
pub fn connect_from(source: Ipv4Addr, target: SocketAddr) -> std::io::Result<TcpStream> {
    attacker_runtime().block_on(async {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((source, 0)))?;
        let stream = tokio::time::timeout(Duration::from_secs(5), socket.connect(target)).await??;
        let stream = stream.into_std()?;
        stream.set_nonblocking(false)?;
        Ok(stream)
    })
}

/// Starts `connections` threads, each connecting from `source` to `target` and sending a
/// ClientHello's first 11 bytes one every `gap`; each thread ends when a write fails or
/// after the 11th byte, and returns how many bytes it wrote. A connection that was
/// never opened counts 0.
pub fn drip_tls_handshakes(
    source: Ipv4Addr,
    target: SocketAddr,
    connections: usize,
    gap: Duration,
) -> Vec<JoinHandle<usize>> {
    (0..connections)
        .map(|_| {
            std::thread::spawn(move || {
                let Ok(mut stream) = connect_from(source, target) else { return 0 };
                let mut sent = 0;
                for byte in HELLO_START {
                    if stream.write_all(&[byte]).is_err() {
                        break;
                    }
                    sent += 1;
                    std::thread::sleep(gap);
                }
                sent
            })
        })
        .collect()
}

/// Whether a dripper thread was cut off by the daemon before it had sent every byte.
pub fn was_cut_off(sent: usize) -> bool {
    sent < HELLO_START.len()
}

/// A GET of `path` over TLS to `target` trusting `cert` for the name `server`, reading
/// at most 5 s; the whole response.
pub fn tls_get(target: SocketAddr, server: &str, cert: &Path, path: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls::pki_types::CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(server.to_owned()).unwrap();
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let stream = TcpStream::connect_timeout(&target, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let _ = write!(tls, "GET {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// A GRP2612W SUBSCRIBE with `mac`, as the phone multicasts it.
pub fn forged_subscribe(mac: u64, index: u64) -> Vec<u8> {
    let template = include_str!("../data/grp2612w-subscribe-crlf.sip");
    template
        .replace("C074AD112233", &format!("{mac:012X}"))
        .replace("z9hG4bK1611133778", &format!("z9hG4bK{index}x"))
        .replace("490431573-5080-1", &format!("{index}-5080-1"))
        .into_bytes()
}

/// Sends `count` SUBSCRIBEs with new MACs (from `first_mac`) to `target` (unicast or
/// the PnP group), from the addresses `from` in turn, at most `per_second` a second
/// (paced every 100).
pub fn flood(target: SocketAddr, from: &[Ipv4Addr], count: u64, first_mac: u64, per_second: u64) {
    let sockets: Vec<UdpSocket> = from.iter().map(|source| UdpSocket::bind((*source, 0)).unwrap()).collect();
    let started = std::time::Instant::now();
    for index in 0..count {
        let socket = &sockets[index as usize % sockets.len()];
        let _ = socket.send_to(&forged_subscribe(first_mac + index, index), target);
        if index % 100 == 99 {
            let due = Duration::from_secs_f64((index + 1) as f64 / per_second as f64);
            std::thread::sleep(due.saturating_sub(started.elapsed()));
        }
    }
}

/// The number of files the daemon's stop line says it kept.
pub fn files_kept(log: &[String]) -> usize {
    let stopped = log.iter().find(|line| line.contains("info stopped: ")).expect("a stop line");
    stopped.split(" files kept").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap()
}

/// How many lines of `log` say an HTTP connection was refused, one by one.
pub fn refusal_lines(log: &[String]) -> usize {
    log.iter().filter(|line| line.contains("http: closed a connection from")).count()
}
