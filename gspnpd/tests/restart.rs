//! Tokens and files survive restarts: gspnpd is stopped (SIGTERM) or killed (SIGKILL)
//! in the middle of a storm of booting phones, started again, and every URL the store
//! says a phone was told serves that phone's file; phones that boot again are
//! provisioned again.

mod admin_client;
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_ports, Daemon, Scratch, GSPNPD};
use nix::sys::signal::Signal;

const STORM: &str = "300";

/// Every (mac, url) the store holds.
fn stored_urls(store: &Path) -> Vec<(String, String)> {
    let connection = rusqlite::Connection::open(store).unwrap();
    let mut statement = connection.prepare("SELECT mac, url FROM file").unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// The status of a GET of `url` (http://127.0.0.1:PORT/...).
fn status_of(url: &str) -> u16 {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

fn restart_mid_storm_keeps_every_stored_url(signal: Signal, test: &str) {
    let scratch = Scratch::new(test);
    let (sip, http) = free_ports();
    let (_, admin) = free_ports();
    let store = scratch.path().join("state").join("gspnpd.sqlite");
    let extra = "[[default_profile]]\nvendor = \"Grandstream\"\n[[default_profile.account]]\nuser = \"1001\"\npassword = \"pw-1001\"\n";
    let file = scratch.write("gspnpd.toml", admin_client::config(sip, http, admin, store.to_str().unwrap(), extra));
    let run = || {
        let mut command = Command::new(GSPNPD);
        command.args(["run", "--config", file.to_str().unwrap()]);
        Daemon::start(command)
    };
    let daemon = run();
    let target = format!("127.0.0.1:{sip}");
    let mut storm = Command::new(GSPNPD)
        .args([
            "simulate",
            "--phones",
            STORM,
            "--target",
            &target,
            "--mac-base",
            "000b82600000",
            "--timeout",
            "10",
            "--seed",
            "7",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while stored_urls(&store).len() < 50 {
        assert!(Instant::now() < deadline, "the storm never got going: {:#?}", daemon.log());
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, log) = daemon.stop_with(signal);
    let _ = storm.kill();
    let _ = storm.wait();
    let before = stored_urls(&store);
    assert!(before.len() >= 50, "{log:#?}");

    let daemon = run();
    let missing: Vec<String> = before
        .iter()
        .filter(|(mac, url)| status_of(&format!("{url}cfg{mac}.xml")) != 200)
        .map(|(mac, _)| mac.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} stored URLs do not serve their file: {missing:?}",
        missing.len(),
        before.len()
    );

    let again = common::boot_phones(sip, 5, "000b82600000", 10);
    assert_eq!(again["provisioned"], 5, "phones booting again are provisioned: {again}");
    drop(daemon);
}

#[test]
fn after_sigterm_mid_storm_every_provisioned_phone_still_gets_its_file() {
    restart_mid_storm_keeps_every_stored_url(Signal::SIGTERM, "restart-term");
}

#[test]
fn after_sigkill_mid_storm_every_provisioned_phone_still_gets_its_file() {
    restart_mid_storm_keeps_every_stored_url(Signal::SIGKILL, "restart-kill");
}
