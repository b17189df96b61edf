//! `gspnpd run`: the gspnp server, the file server, a reload on SIGHUP and a stop on
//! SIGINT/SIGTERM that ends within [`STOP_LIMIT`] whatever clients or the log do.

mod bootstrap;
mod files;
mod host;
pub mod ledger;
pub mod manager;
pub mod provisioning;
mod reload;
mod signals;
pub mod window;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use gspnp::engine::{Assignment, ConfigFile, Mode, ProfileAssignment};
use gspnp::runtime::{RuntimeError, Server};

use crate::cli::RunOptions;
use crate::config::{self, Config};
use crate::http::basic_auth::BasicAuth;
use crate::http::{tls, Binding, ConnectionGate, HttpServer, Limits, WARNING_INTERVAL};
use crate::log::{Logger, Throttled};
use crate::store::sqlite::SqliteStore;
use crate::store::Store;
use files::FileStore;
use host::DaemonHost;
use ledger::Ledger;
use manager::Manager;
use provisioning::Provisioning;
use signals::{DaemonSignals, Request};
use window::ProvisioningWindow;

/// A stop never takes longer than this (systemd's TimeoutStopSec is above it).
pub const STOP_LIMIT: Duration = Duration::from_secs(5);
/// How long the file server's connections get to end on a stop.
const HTTP_STOP: Duration = Duration::from_secs(1);
/// How long the last log lines get to be written on a stop.
const LOG_FLUSH: Duration = Duration::from_secs(1);
/// Descriptors kept for everything but HTTP connections (SIP, log, config, TLS files).
const SPARE_DESCRIPTORS: usize = 64;
/// Warnings about rendered files logged per interval before they are only counted.
const FILE_WARNINGS_LOGGED: u32 = 20;

/// Runs until SIGINT or SIGTERM, reloading the config on SIGHUP; an error says what
/// could not be started.
pub fn run(options: &RunOptions) -> Result<(), String> {
    let config = config::load(&options.config).map_err(|error| error.to_string())?;
    let signals = DaemonSignals::block()?;
    let log = Logger::new(config.log_level);
    for warning in &config.warnings {
        log.warn(warning);
    }
    let store = SqliteStore::open(&config.store.path, config.store.max_phones).map_err(|error| error.to_string())?;
    let store: Arc<dyn Store> = Arc::new(store);
    let ledger = Ledger::new(store.clone(), log.clone());
    let files = Arc::new(FileStore::persistent(listed(&config), config.http.max_unlisted_files, Some(ledger.clone())));
    let mut http = start_http(&config, &files, &log)?;
    let file_warnings =
        Arc::new(Throttled::new(log.clone(), "warnings about rendered files", FILE_WARNINGS_LOGGED, WARNING_INTERVAL));
    let reported = file_warnings.clone();
    http.every(WARNING_INTERVAL, move || reported.report());
    let reporting = ledger.clone();
    http.every(WARNING_INTERVAL, move || reporting.report());
    let window = Arc::new(ProvisioningWindow::new(config.admin.as_ref().and_then(|admin| admin.window)));
    let host = DaemonHost {
        files: files.clone(),
        log: log.clone(),
        file_warnings,
        ledger: ledger.clone(),
        window: window.clone(),
    };
    let server = Server::start(config.server_config(), Some(Box::new(host)))
        .map_err(|error| format!("sip: cannot start: {error}"))?;
    let server = Arc::new(server);
    let tokens: HashMap<gspnp::Mac, String> = store.tokens().map_err(|error| error.to_string())?.into_iter().collect();
    hand_over(&server, &config, &tokens, &files, &ledger)?;
    bootstrap::install(&server, &config)?;
    let config = Arc::new(RwLock::new(config));
    let manager = Arc::new(Manager {
        ledger,
        server: server.clone(),
        files: files.clone(),
        config: config.clone(),
        log: log.clone(),
        window,
    });
    let assigned = manager.hand_over()?;
    let admin = crate::admin::start(manager.clone())?;
    let mut addresses = http.addresses().to_vec();
    if let Some(admin) = &admin {
        addresses.extend(admin.addresses());
    }
    log.info(&ready_line(&read(&config), &server, &addresses, assigned));
    let signal = loop {
        match signals.wait() {
            Request::Stop(signal) => break signal,
            Request::Reload => {
                let mut config = config.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                reload::reload(&mut config, &server, &files, &log);
                manager.relist_assigned();
                if let Err(error) = bootstrap::install(&server, &config) {
                    log.warn(&format!("reload: {error}"));
                }
            }
        }
    };
    if let Some(mut admin) = admin {
        admin.stop(HTTP_STOP / 2);
    }
    http.stop(HTTP_STOP / 2);
    stop(signal, &server, &files, &log)
}

/// The config, read-locked.
fn read(config: &RwLock<Config>) -> std::sync::RwLockReadGuard<'_, Config> {
    config.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Stops everything within [`STOP_LIMIT`]: a watchdog ends the process if some part
/// (a stalled sink, a host callback) would hold it longer.
fn stop(signal: &str, server: &Server, files: &FileStore, log: &Logger) -> Result<(), String> {
    let watchdog = std::thread::Builder::new().name("gspnpd-stop".into()).spawn(|| {
        std::thread::sleep(STOP_LIMIT - Duration::from_millis(250));
        std::process::exit(0);
    });
    if watchdog.is_err() {
        log.warn("cannot start the stop watchdog; stopping without it");
    }
    log.info(&format!("stopping on {signal}"));
    let stopped = server.stop();
    let stats = server.stats().engine;
    let counts = files.counts();
    log.info(&format!(
        "stopped: {} SUBSCRIBEs answered, {} NOTIFYs acknowledged, {} files kept, {} fetched, {} forgotten, {} log lines dropped",
        stats.answers_sent,
        stats.notifies_acknowledged,
        counts.kept,
        counts.fetched,
        counts.evicted,
        log.dropped()
    ));
    log.flush(LOG_FLUSH);
    stopped.map_err(|error| format!("sip: {error}"))
}

/// The MACs of the listed phones.
fn listed(config: &Config) -> HashSet<gspnp::Mac> {
    config.phones.iter().map(|phone| phone.mac).collect()
}

/// Starts the HTTP and HTTPS listeners the config asks for, sharing one connection gate.
fn start_http(config: &Config, files: &Arc<FileStore>, log: &Arc<Logger>) -> Result<HttpServer, String> {
    let auth = config.http.auth.as_ref().map(|auth| BasicAuth::new(&auth.user, &auth.password));
    let handler = Arc::new(Provisioning::new(&config.http.folder, files.clone(), auth, log.clone()));
    let refusals = handler.refusals();
    let router = handler.router();
    let mut bindings = Vec::new();
    if let Some(address) = config.http.listen {
        bindings.push(Binding { address, tls: None, router: router.clone() });
    }
    if let Some(https) = &config.https {
        let tls = tls::server_config(&https.cert, &https.key).map_err(|error| format!("https: {error}"))?;
        bindings.push(Binding { address: https.listen, tls: Some(tls), router });
    }
    let limits = within_descriptors(config.http.limits, log);
    let server = HttpServer::start(bindings, ConnectionGate::new(limits), log.clone())?;
    server.every(WARNING_INTERVAL, move || refusals.report());
    Ok(server)
}

/// `limits` with the connection cap lowered to what the descriptor limit allows (the
/// soft limit is raised to the hard one first).
fn within_descriptors(mut limits: Limits, log: &Logger) -> Limits {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else { return limits };
    let usable = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() { hard } else { soft };
    let room = usize::try_from(usable).unwrap_or(usize::MAX).saturating_sub(SPARE_DESCRIPTORS).max(1);
    if limits.connections > room {
        log.warn(&format!(
            "http: max_connections lowered from {} to {room}: the process may open {usable} descriptors",
            limits.connections
        ));
        limits.connections = room;
    }
    limits
}

/// Gives the server every listed phone (with the token the store kept for it, so that
/// its URL stays the same, and its kept file re-rendered from the profile as it is now)
/// and every default profile.
fn hand_over(
    server: &Server,
    config: &Config,
    tokens: &HashMap<gspnp::Mac, String>,
    files: &FileStore,
    ledger: &Ledger,
) -> Result<(), String> {
    for phone in &config.phones {
        let token = tokens.get(&phone.mac).cloned();
        let assignment = Arc::new(ProfileAssignment { token, ..(*phone.assignment).clone() });
        retry_while_busy(|| server.assign(phone.mac, Assignment::Profile(assignment.clone())))
            .map_err(|error| format!("{}: {error}", phone.mac))?;
        restore_file(phone.mac, &assignment, files, ledger);
    }
    for default in &config.default_profiles {
        retry_while_busy(|| {
            server.set_default(default.selector.clone(), Some(Assignment::Profile(default.assignment.clone())))
        })
        .map_err(|error| format!("default profile: {error}"))?;
    }
    Ok(())
}

/// Puts listed phone `mac`'s kept file back in memory, rendered from `assignment` under
/// its kept token and URL (the config may have changed while gspnpd was down).
fn restore_file(mac: gspnp::Mac, assignment: &ProfileAssignment, files: &FileStore, ledger: &Ledger) {
    let Some(kept) = ledger.checked("reading a file", ledger.store().file(mac), None) else { return };
    let Ok(rendered) = config::render_at(assignment, mac, &kept.model, &kept.url) else { return };
    let file = ConfigFile {
        ticket: 0,
        mac,
        model: kept.model.clone(),
        file_name: format!("cfg{mac}.xml"),
        contents: rendered.bytes,
        url: kept.url.clone(),
        token: kept.token.clone(),
        warnings: Vec::new(),
    };
    files.put(&file);
    ledger.file_replaced(&crate::store::KeptFile { contents: file.contents, ..kept });
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
fn ready_line(config: &Config, server: &Server, http: &[std::net::SocketAddr], assigned: usize) -> String {
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
        "ready: gspnpd {} with {} in {mode} mode, SIP on UDP port {} ({multicast}), answers from UDP port {}, files on {}, {} phones listed, {assigned} assigned by an admin, {} default profiles, store {}",
        env!("CARGO_PKG_VERSION"),
        config.file.display(),
        if config.sip.multicast { config.sip.port } else { unicast_port },
        unicast_port,
        served.join(" and "),
        config.phones.len(),
        config.default_profiles.len(),
        config.store.path.display()
    )
}
