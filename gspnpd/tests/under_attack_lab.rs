//! gspnpd under attack in the namespace lab (issue #14): gspnpd runs in the PBX
//! namespace with a default profile, HTTP and HTTPS; the attacker works from addresses of
//! its own in the phone namespace, and real phones (`gspnpd simulate`, there too) boot
//! as they do, multicasting to 224.0.1.75:5060. Under each attack every phone booting
//! meanwhile is provisioned, with its file fetched over HTTP (public URL `http://`) and,
//! in a second lab, over HTTPS; SIGTERM still ends the daemon within 5 s. Needs root and
//! iproute2 (CI runs as root); packets never leave the namespaces.

#[path = "common/attack.rs"]
mod attack;
mod common;
#[path = "../../tests/lab/mod.rs"]
mod lab;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use attack::Listeners;
use common::{gspnpd_in, has_token_like_text, Daemon, Scratch};
use lab::{Lab, PBX_IP, PHONE_IP};
use nix::sys::signal::Signal;
use serde_json::Value;

/// The PnP group and port phones multicast their SUBSCRIBEs to.
const GROUP: &str = "224.0.1.75:5060";
const HTTP: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(PBX_IP), 8080);
const HTTPS: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(PBX_IP), 8443);

/// How the phones fetch their files: the scheme of the public URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The listener phones fetch from.
    fn listener(self) -> SocketAddr {
        match self {
            Scheme::Http => HTTP,
            Scheme::Https => HTTPS,
        }
    }
}

/// A lab with gspnpd running in its PBX namespace, stopped (killed) when dropped.
struct Attacked {
    /// Taken by [`Attacked::stop`]: the namespaces outlive the daemon, so that the
    /// attacker's connections see it close them.
    daemon: Option<Daemon>,
    cert: PathBuf,
    // Dropped after the daemon: its folder and its namespaces.
    _scratch: Scratch,
    lab: Lab,
}

impl Attacked {
    /// A new lab and gspnpd in it, telling phones a `scheme` URL.
    fn start(test: &str, scheme: Scheme) -> Attacked {
        let lab = Lab::new();
        let scratch = Scratch::new(&format!("{test}-{}", scheme.name()));
        let certified = rcgen::generate_simple_self_signed(vec![PBX_IP.to_string()]).expect("a certificate");
        let cert = scratch.write("server.crt", certified.cert.pem());
        scratch.write("server.key", certified.key_pair.serialize_pem());
        let listeners = Listeners {
            sip: format!("interfaces = [\"{}\"]\nport = 5060", lab.pbx_link),
            http: HTTP,
            https: HTTPS,
            public_url: format!("{}://{}/prov/", scheme.name(), scheme.listener()),
            sip_server: PBX_IP,
        };
        let config = scratch.write("gspnpd.toml", attack::default_profile_config(&listeners, "info"));
        let daemon = Daemon::start(gspnpd_in(&lab.pbx, &["run", "--config", config.to_str().unwrap()]));
        Attacked { daemon: Some(daemon), cert, _scratch: scratch, lab }
    }

    /// Boots `phones` phones (MACs from `mac_base`) in the phone namespace over
    /// multicast, for at most 20 s; the simulator's summary.
    fn boot_phones(&self, phones: usize, mac_base: &str) -> Value {
        let ca = ["--ca", self.cert.to_str().unwrap()];
        common::boot_phones_by(gspnpd_in(&self.lab.phone, &[]), GROUP, phones, mac_base, 20, &ca)
    }

    /// `count` addresses of the attacker's in the phone namespace, from 192.0.2.10 (the
    /// phones send from 192.0.2.2).
    fn attacker_addresses(&self, count: u8) -> Vec<Ipv4Addr> {
        self.lab.add_phone_addresses(10, count)
    }

    /// Runs `attack` on a thread of its own inside the phone namespace (threads it starts
    /// are there too); what it returns.
    fn run_on_phone_side<T: Send + 'static>(&self, attack: impl FnOnce() -> T + Send + 'static) -> T {
        self.spawn_on_phone_side(attack).join().expect("the attacker")
    }

    /// Starts `attack` on a thread of its own inside the phone namespace.
    fn spawn_on_phone_side<T: Send + 'static>(&self, attack: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
        let namespace = self.lab.phone.clone();
        std::thread::spawn(move || {
            Lab::enter(&namespace);
            attack()
        })
    }

    /// Starts holding `count` idle connections from `from` (phone side) to `target`,
    /// each attempt given at most 5 s; joined, the attacker's runtime and connections.
    fn hold_connections(
        &self,
        target: SocketAddr,
        from: Vec<Ipv4Addr>,
        count: usize,
    ) -> JoinHandle<(tokio::runtime::Runtime, Vec<tokio::net::TcpStream>)> {
        self.spawn_on_phone_side(move || {
            let runtime = attack::attacker_runtime();
            let held = attack::hold_connections(&runtime, target, &from, count);
            (runtime, held)
        })
    }

    /// SIGTERM, which must end the daemon within 5 s and successfully; every log line.
    fn stop(&mut self) -> Vec<String> {
        let started = Instant::now();
        let (status, log) = self.daemon.take().expect("running").stop_with(Signal::SIGTERM);
        assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM took {:?}", started.elapsed());
        assert!(status.success(), "{log:#?}");
        assert!(log.iter().any(|line| line.contains(" info stopped: ")), "the stop line is logged: {log:#?}");
        let text = log.join("\n");
        assert!(!text.contains("attack-secret") && !has_token_like_text(&text), "a secret in the log");
        log
    }
}

/// Two tests of `scenario` (a function of the [`Scheme`]), named as given: phones told
/// an `http://` URL, and phones told an `https://` one. Without root they skip.
macro_rules! over_http_and_https {
    ($scenario:ident: $over_http:ident, $over_https:ident) => {
        #[test]
        fn $over_http() {
            if lab::can_build() {
                $scenario(Scheme::Http);
            }
        }

        #[test]
        fn $over_https() {
            if lab::can_build() {
                $scenario(Scheme::Https);
            }
        }
    };
}

/// Every one of `phones` phones was provisioned, and `log` shows that many files or more
/// fetched over `scheme` from the phones' address.
fn assert_all_provisioned(summary: &Value, phones: u64, scheme: Scheme, log: &[String]) {
    assert_eq!(summary["provisioned"].as_u64(), Some(phones), "{summary:#}");
    let over = format!(".xml over {} from {PHONE_IP}:", scheme.name());
    let fetched = log.iter().filter(|line| line.contains(&over)).count() as u64;
    assert!(fetched >= phones, "{fetched} fetches logged {over:?}: {summary:#}");
}

/// The attacker's connections (from 192.0.2.10 and up) went over the per-source limit
/// and were refused, and said so in a few lines, not one each.
fn assert_attacker_refused(log: &[String]) {
    let refusals = attack::refusal_lines(log);
    assert!(log.iter().any(|line| line.contains("closed a connection from 192.0.2.1")), "{log:#?}");
    assert!(refusals <= 10, "refusals are rate-limited, not a line each: {refusals}");
}

fn idle_connections_from_one_address_and_from_ten(scheme: Scheme) {
    attack::raise_descriptor_limit();
    let mut lab = Attacked::start("lab-idle", scheme);
    let attackers = lab.attacker_addresses(11);
    let (one, ten) = (attackers[..1].to_vec(), attackers[1..].to_vec());
    let from_one = lab.hold_connections(scheme.listener(), one, 1000).join().expect("the attacker");
    let first = lab.boot_phones(5, "000b82400001");
    let from_ten = lab.hold_connections(scheme.listener(), ten, 1000).join().expect("the attacker");
    let second = lab.boot_phones(5, "000b82410001");
    let log = lab.stop();
    assert_eq!((from_one.1.len(), from_ten.1.len()), (1000, 1000), "every connection was opened");
    drop((from_one, from_ten));
    assert_all_provisioned(&first, 5, scheme, &log);
    assert_all_provisioned(&second, 5, scheme, &log);
    assert_attacker_refused(&log);
}

fn connections_opened_at_once(scheme: Scheme) {
    attack::raise_descriptor_limit();
    let mut lab = Attacked::start("lab-5000", scheme);
    let attackers = lab.attacker_addresses(50);
    let attacker = lab.hold_connections(scheme.listener(), attackers, 5000);
    std::thread::sleep(Duration::from_millis(200));
    let summary = lab.boot_phones(5, "000b82420001");
    let held = attacker.join().expect("the attacker");
    let log = lab.stop();
    drop(held);
    assert_all_provisioned(&summary, 5, scheme, &log);
    assert_attacker_refused(&log);
}

fn dripped_tls_handshakes(scheme: Scheme) {
    let mut lab = Attacked::start("lab-drip", scheme);
    let attacker = lab.attacker_addresses(1)[0];
    // 16 connections from 192.0.2.10, each a ClientHello's first bytes, one every 3 s.
    let drippers =
        lab.run_on_phone_side(move || attack::drip_tls_handshakes(attacker, HTTPS, 16, Duration::from_secs(3)));
    std::thread::sleep(Duration::from_millis(500));
    let summary = lab.boot_phones(5, "000b82430001");
    let log = lab.stop();
    assert_all_provisioned(&summary, 5, scheme, &log);
    for dripper in drippers {
        let sent = dripper.join().unwrap();
        assert!(sent > 0, "a dripping handshake was opened");
        assert!(attack::was_cut_off(sent), "a dripping handshake outlived the daemon");
    }
}

/// SUBSCRIBEs with new MACs in one round of the flood.
const FLOOD_ROUND: u64 = 2_000;

/// The flood's rate: what issue #14 saw real phones served through.
const FLOOD_PER_SECOND: u64 = 10_000;

/// Floods the PnP group from `forged` in rounds of [`FLOOD_ROUND`] SUBSCRIBEs with new
/// MACs at [`FLOOD_PER_SECOND`] until `phones_done` is set, at most 15 s; whether it was
/// still under way when the phones were done, and the SUBSCRIBEs sent.
fn flood_until(forged: &[Ipv4Addr], phones_done: &AtomicBool) -> (bool, u64) {
    let group: SocketAddr = GROUP.parse().unwrap();
    let started = Instant::now();
    let mut sent = 0;
    while sent < 15 * FLOOD_PER_SECOND && started.elapsed() < Duration::from_secs(15) {
        if phones_done.load(Ordering::Relaxed) {
            return (true, sent);
        }
        attack::flood(group, forged, FLOOD_ROUND, 0x0200_0000_0000 + sent, FLOOD_PER_SECOND);
        sent += FLOOD_ROUND;
    }
    (phones_done.load(Ordering::Relaxed), sent)
}

fn forged_subscribe_flood(scheme: Scheme) {
    let mut lab = Attacked::start("lab-flood", scheme);
    let forged = lab.attacker_addresses(20);
    let phones_done = Arc::new(AtomicBool::new(false));
    let done = phones_done.clone();
    let attacker = lab.spawn_on_phone_side(move || flood_until(&forged, &done));
    std::thread::sleep(Duration::from_millis(100));
    let summary = lab.boot_phones(5, "000b82440001");
    phones_done.store(true, Ordering::Relaxed);
    let (flooding_throughout, sent) = attacker.join().expect("the attacker");
    let log = lab.stop();
    assert_all_provisioned(&summary, 5, scheme, &log);
    assert!(flooding_throughout, "the flood ({sent} SUBSCRIBEs) lasted until every phone was provisioned");
    let kept = attack::files_kept(&log);
    assert!(kept <= 1000, "files of unlisted phones stay within max_unlisted_files: {kept}");
    eprintln!("{sent} forged SUBSCRIBEs at {FLOOD_PER_SECOND}/s during the boot; {kept} files kept");
    assert!(kept > 5, "the flood reached the daemon's default profile: {kept} files kept");
}

over_http_and_https!(idle_connections_from_one_address_and_from_ten:
    phones_get_their_files_over_http_while_1000_idle_connections_come_from_one_address_and_from_ten,
    phones_get_their_files_over_https_while_1000_idle_connections_come_from_one_address_and_from_ten);

over_http_and_https!(connections_opened_at_once:
    phones_get_their_files_over_http_while_5000_connections_are_opened_at_once,
    phones_get_their_files_over_https_while_5000_connections_are_opened_at_once);

over_http_and_https!(dripped_tls_handshakes:
    phones_get_their_files_over_http_while_16_tls_handshakes_drip_a_byte_every_3_s,
    phones_get_their_files_over_https_while_16_tls_handshakes_drip_a_byte_every_3_s);

over_http_and_https!(forged_subscribe_flood:
    phones_get_their_files_over_http_during_a_forged_subscribe_flood_with_a_default_profile,
    phones_get_their_files_over_https_during_a_forged_subscribe_flood_with_a_default_profile);
