//! gspnpd under attack on loopback (no root needed: 127.0.0.0/8 gives the attacker as
//! many source addresses as it wants): phones booting during each attack are still
//! provisioned, a stalled standard error stalls nothing, SIGTERM ends within 5 s, and no
//! token reaches the log whatever the request looked like.

#[path = "common/attack.rs"]
mod attack;
mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use attack::{attacker_runtime, flood, hold_connections, raise_descriptor_limit, Listeners};
use common::{free_ports, has_token_like_text, Daemon, Scratch, GSPNPD};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// `port` on 127.0.0.1.
fn local(port: u16) -> SocketAddr {
    SocketAddr::from((LOOPBACK, port))
}

struct Setup {
    scratch: Scratch,
    config: std::path::PathBuf,
    sip: u16,
    http: u16,
    https: u16,
}

fn setup(test: &str, level: &str) -> Setup {
    let scratch = Scratch::new(test);
    let (sip, http) = free_ports();
    let https = free_ports().1;
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("a certificate");
    scratch.write("server.crt", certified.cert.pem());
    scratch.write("server.key", certified.key_pair.serialize_pem());
    let listeners = Listeners {
        sip: format!("unicast_port = {sip}\nmulticast = false"),
        http: local(http),
        https: local(https),
        public_url: format!("http://127.0.0.1:{http}/prov/"),
        sip_server: LOOPBACK,
    };
    let config = scratch.write("gspnpd.toml", attack::default_profile_config(&listeners, level));
    Setup { scratch, config, sip, http, https }
}

fn run_command(setup: &Setup) -> Command {
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", setup.config.to_str().unwrap()]);
    command
}

/// `phones` simulated phones from 127.0.0.1 (MACs from `mac_base`); the summary.
fn boot_phones(setup: &Setup, phones: usize, mac_base: &str) -> Value {
    common::boot_phones(setup.sip, phones, mac_base, 20)
}

fn assert_all_provisioned(summary: &Value, phones: u64) {
    assert_eq!(summary["provisioned"].as_u64(), Some(phones), "{summary:#}");
}

/// The attacker's source addresses: 127.0.1.1, 127.0.1.2, …
fn sources(count: u8) -> Vec<Ipv4Addr> {
    (1..=count).map(|last| Ipv4Addr::new(127, 0, 1, last)).collect()
}

#[test]
fn phones_are_provisioned_while_1000_idle_connections_come_from_one_address_and_from_ten() {
    raise_descriptor_limit();
    let setup = setup("attack-idle", "info");
    let daemon = Daemon::start(run_command(&setup));
    let runtime = attacker_runtime();
    let one = hold_connections(&runtime, local(setup.http), &sources(1), 1000);
    assert_all_provisioned(&boot_phones(&setup, 5, "000b82300001"), 5);
    let ten = hold_connections(&runtime, local(setup.http), &sources(10), 1000);
    assert_all_provisioned(&boot_phones(&setup, 5, "000b82310001"), 5);
    let started = Instant::now();
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM took {:?}", started.elapsed());
    assert!(status.success(), "{log:#?}");
    drop((one, ten));
    let refusals = attack::refusal_lines(&log);
    assert!(refusals <= 10, "refusals are rate-limited, not a line each: {refusals}");
    assert!(log.iter().any(|line| line.contains("more refused HTTP connections") || refusals > 0), "{log:#?}");
}

#[test]
fn phones_are_provisioned_while_5000_connections_are_opened_at_once() {
    raise_descriptor_limit();
    let setup = setup("attack-5000", "info");
    let daemon = Daemon::start(run_command(&setup));
    let runtime = attacker_runtime();
    let sip = setup.sip;
    let phones = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        common::boot_phones(sip, 5, "000b82320001", 20)
    });
    let held = hold_connections(&runtime, local(setup.http), &sources(50), 5000);
    assert_all_provisioned(&phones.join().unwrap(), 5);
    drop(held);
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
}

#[test]
fn phones_are_provisioned_over_https_while_tls_handshakes_drip_and_sigterm_still_ends_within_5_s() {
    let setup = setup("attack-drip", "info");
    let daemon = Daemon::start(run_command(&setup));
    // 16 connections, each sending a ClientHello's first bytes one every 2 s.
    let drippers = attack::drip_tls_handshakes(LOOPBACK, local(setup.https), 16, Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(300));
    let cert = setup.scratch.path().join("server.crt");
    // HTTPS phones: a config of its own would be needed for https:// URLs, so fetch the
    // HTTP files while the HTTPS listener is held, and check HTTPS answers too.
    assert_all_provisioned(&boot_phones(&setup, 5, "000b82330001"), 5);
    let https = attack::tls_get(local(setup.https), "127.0.0.1", &cert, "/");
    assert!(https.starts_with("HTTP/1.1 404"), "HTTPS still answers during the drip: {https:?}");
    let started = Instant::now();
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM took {:?}", started.elapsed());
    assert!(status.success(), "{log:#?}");
    for dripper in drippers {
        assert!(attack::was_cut_off(dripper.join().unwrap()), "a dripping handshake was cut off before it ended");
    }
}

#[test]
fn phones_are_provisioned_during_a_forged_subscribe_flood_with_a_default_profile_and_the_files_stay_bounded() {
    let setup = setup("attack-flood", "info");
    let daemon = Daemon::start(run_command(&setup));
    let sip = setup.sip;
    let attacker = std::thread::spawn(move || flood(local(sip), &sources(20), 20_000, 0x0200_0000_0000, 100_000));
    assert_all_provisioned(&boot_phones(&setup, 5, "000b82340001"), 5);
    attacker.join().unwrap();
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
    let kept = attack::files_kept(&log);
    assert!(kept <= 1000, "files of unlisted phones stay within max_unlisted_files: {kept}");
    let bytes: usize = log.iter().map(|line| line.len() + 1).sum();
    eprintln!("log bytes for a 20,000-SUBSCRIBE flood at info: {bytes} ({} per SUBSCRIBE)", bytes / 20_000);
}

#[test]
fn a_stalled_standard_error_neither_stops_phones_nor_sigterm() {
    let setup = setup("attack-stderr", "debug");
    // Standard error a pipe nobody reads: it fills after 64 KiB.
    let mut child = run_command(&setup).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("gspnpd starts");
    let _unread = child.stderr.take();
    std::thread::sleep(Duration::from_millis(500));
    let sip = setup.sip;
    flood(local(sip), &sources(5), 3_000, 0x0200_0000_0000, 100_000);
    assert_all_provisioned(&boot_phones(&setup, 20, "000b82350001"), 20);
    let started = Instant::now();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("SIGTERM did not end gspnpd with a stalled standard error");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(started.elapsed() < Duration::from_secs(5), "SIGTERM took {:?}", started.elapsed());
    assert!(status.success(), "{status}");
}

#[test]
fn no_token_reaches_the_log_whatever_the_request_target_looks_like() {
    let setup = setup("attack-redact", "debug");
    let daemon = Daemon::start(run_command(&setup));
    let token = "0123456789abcdef0123456789abcdef";
    for target in [
        format!("http://127.0.0.1:{}/prov/{token}/cfg000b82f55284.xml", setup.http),
        format!("/prov/{token}/cfg000b82f55284.xml?x={token}"),
        format!("//prov//{token}"),
        format!("/prov/{token}{token}/"),
        format!("/{token}.xml"),
    ] {
        let mut stream = TcpStream::connect(("127.0.0.1", setup.http)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        assert!(response.starts_with("HTTP/1.1 404"), "{target}: {response}");
    }
    assert_all_provisioned(&boot_phones(&setup, 3, "000b82360001"), 3);
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
    let text = log.join("\n");
    assert_eq!(log.iter().filter(|line| line.contains(": 404 (")).count(), 5, "{text}");
    assert!(!has_token_like_text(&text), "a token in the log: {text}");
    assert!(!text.contains("attack-secret"), "a password in the log");
}
