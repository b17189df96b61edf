//! `gspnpd run`: the gspnp server, the file server, and a clean stop on SIGINT/SIGTERM.

mod files;
mod host;
pub mod provisioning;
mod signals;

use std::sync::Arc;
use std::time::Duration;

use gspnp::engine::{Assignment, Mode};
use gspnp::runtime::{RuntimeError, Server};

use crate::cli::RunOptions;
use crate::config::{self, Config};
use crate::http::basic_auth::BasicAuth;
use crate::http::{tls, Binding, HttpServer};
use crate::log::Logger;
use files::FileStore;
use host::DaemonHost;
use provisioning::Provisioning;
use signals::TerminationSignals;

/// Runs until SIGINT or SIGTERM; an error says what could not be started.
pub fn run(options: &RunOptions) -> Result<(), String> {
    let config = config::load(&options.config).map_err(|error| error.to_string())?;
    let signals = TerminationSignals::block()?;
    let log = Logger::new(config.log_level);
    let files = Arc::new(FileStore::default());
    let mut http = start_http(&config, &files, &log)?;
    let host = DaemonHost { files: files.clone(), log: log.clone() };
    let server = Server::start(config.server_config(), Some(Box::new(host)))
        .map_err(|error| format!("sip: cannot start: {error}"))?;
    hand_over(&server, &config)?;
    log.info(&ready_line(&config, &server, http.addresses()));
    let signal = signals.wait();
    log.info(&format!("stopping on {signal}"));
    let stopped = server.stop();
    http.stop();
    let stats = server.stats().engine;
    let (kept, fetched) = files.counts();
    log.info(&format!(
        "stopped: {} SUBSCRIBEs answered, {} NOTIFYs acknowledged, {kept} files kept, {fetched} fetched",
        stats.answers_sent, stats.notifies_acknowledged
    ));
    log.flush();
    stopped.map_err(|error| format!("sip: {error}"))
}

/// Starts the HTTP and HTTPS listeners the config asks for.
fn start_http(config: &Config, files: &Arc<FileStore>, log: &Arc<Logger>) -> Result<HttpServer, String> {
    let mut bindings = Vec::new();
    if let Some(address) = config.http.listen {
        bindings.push(Binding { address, tls: None });
    }
    if let Some(https) = &config.https {
        bindings.push(Binding { address: https.listen, tls: Some(tls::server_config(&https.cert, &https.key)?) });
    }
    let handler = Provisioning {
        folder: config.http.folder.clone(),
        files: files.clone(),
        auth: config.http.auth.as_ref().map(|auth| BasicAuth::new(&auth.user, &auth.password)),
        log: log.clone(),
    };
    HttpServer::start(bindings, Arc::new(handler), log.clone())
}

/// Gives the server every listed phone and default profile.
fn hand_over(server: &Server, config: &Config) -> Result<(), String> {
    for phone in &config.phones {
        retry_while_busy(|| server.assign(phone.mac, Assignment::Profile(phone.assignment.clone())))
            .map_err(|error| format!("{}: {error}", phone.mac))?;
    }
    for default in &config.default_profiles {
        retry_while_busy(|| {
            server.set_default(default.selector.clone(), Some(Assignment::Profile(default.assignment.clone())))
        })
        .map_err(|error| format!("default profile: {error}"))?;
    }
    Ok(())
}

/// Calls `request` again while the server's queue is full (a long phone list), for at
/// most about ten seconds.
fn retry_while_busy(mut request: impl FnMut() -> Result<(), RuntimeError>) -> Result<(), RuntimeError> {
    for _ in 0..1000 {
        match request() {
            Err(RuntimeError::Busy) => std::thread::sleep(Duration::from_millis(10)),
            other => return other,
        }
    }
    request()
}

/// The line that says the daemon is up, and how.
fn ready_line(config: &Config, server: &Server, http: &[std::net::SocketAddr]) -> String {
    let mode = match config.sip.mode {
        Mode::Off => "off",
        Mode::Discover => "discover",
        Mode::Provision => "provision",
    };
    let multicast = match (config.sip.multicast, config.sip.interfaces.is_empty()) {
        (false, _) => "unicast only".to_owned(),
        (true, true) => "multicast 224.0.1.75 on every interface".to_owned(),
        (true, false) => format!("multicast 224.0.1.75 on {}", config.sip.interfaces.join(", ")),
    };
    let served: Vec<String> = http.iter().map(ToString::to_string).collect();
    let unicast_port = server.port().unwrap_or(config.sip.unicast_port);
    format!(
        "ready: gspnpd {} with {} in {mode} mode, SIP on UDP port {} ({multicast}), answers from UDP port {}, files on {}, {} phones listed, {} default profiles",
        env!("CARGO_PKG_VERSION"),
        config.file.display(),
        if config.sip.multicast { config.sip.port } else { unicast_port },
        unicast_port,
        served.join(" and "),
        config.phones.len(),
        config.default_profiles.len()
    )
}
