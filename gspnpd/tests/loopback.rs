//! The daemon and simulated phones on 127.0.0.1 (unicast, no root needed): phones are
//! provisioned, HTTP auth refuses a fetch without credentials, guessed paths are 404,
//! logs carry no secret, and SIGINT/SIGTERM stop it cleanly.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::{free_ports, gspnpd, has_token_like_text, stderr, stdout, Daemon, Scratch, GSPNPD};
use nix::sys::signal::Signal;
use serde_json::Value;

const PASSWORD: &str = "pw-9f8e7d";
const SIP_PASSWORD: &str = "sip-s3cret-4711";

fn config(sip_port: u16, http_port: u16) -> String {
    format!(
        r#"
[sip]
unicast_port = {sip_port}
multicast = false
[http]
listen = "127.0.0.1:{http_port}"
public_url = "http://127.0.0.1:{http_port}/prov/"
[http.auth]
user = "prov"
password = "{PASSWORD}"
[defaults]
sip_server = "127.0.0.1"
[[default_profile]]
vendor = "Grandstream"
[[default_profile.account]]
user = "1001"
password = "{SIP_PASSWORD}"
"#
    )
}

fn simulate(sip_port: u16, mac_base: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let target = format!("127.0.0.1:{sip_port}");
    let mut args =
        vec!["simulate", "--phones", "3", "--target", &target, "--mac-base", mac_base, "--json", "--timeout", "20"];
    args.extend_from_slice(extra);
    let output = gspnpd(&args);
    let summary = serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|_| panic!("{}", stderr(&output)));
    (output.status.code(), summary)
}

/// A raw GET, as a phone would send it; the status code.
fn get_status(http_port: u16, path: &str, authorization: Option<&str>) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", http_port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let auth = authorization.map(|value| format!("Authorization: {value}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

/// A daemon on free loopback ports with [`config`]; its scratch folder, the daemon,
/// and its SIP and HTTP ports.
fn start_daemon(test: &str) -> (Scratch, Daemon, u16, u16) {
    let scratch = Scratch::new(test);
    let (sip_port, http_port) = free_ports();
    let config = scratch.write("gspnpd.toml", config(sip_port, http_port));
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", config.to_str().unwrap()]);
    (scratch, Daemon::start(command), sip_port, http_port)
}

#[test]
fn with_http_auth_phones_without_credentials_get_401_and_phones_with_them_are_provisioned() {
    let (_scratch, daemon, sip_port, http_port) = start_daemon("loopback-auth");

    let (status, refused) = simulate(sip_port, "000b82100001", &[]);
    assert_eq!(status, Some(1), "{refused}");
    assert_eq!((refused["provisioned"].as_u64(), refused["failed"].as_u64()), (Some(0), Some(3)), "{refused}");
    assert_eq!(refused["failed_by_reason"]["http_401"], 3, "{refused}");

    let credentials = format!("prov:{PASSWORD}");
    let (status, accepted) = simulate(sip_port, "000b82200001", &["--http-auth", &credentials]);
    assert_eq!(status, Some(0), "{accepted}");
    assert_eq!((accepted["provisioned"].as_u64(), accepted["failed"].as_u64()), (Some(3), Some(0)), "{accepted}");

    let authorization = "Basic cHJvdjpwdy05ZjhlN2Q="; // prov:pw-9f8e7d
    let guessed = format!("/prov/{}/cfg000b82200001.xml", "0".repeat(32));
    assert_eq!(get_status(http_port, &guessed, None), 401);
    assert_eq!(get_status(http_port, &guessed, Some(authorization)), 404);
    assert_eq!(get_status(http_port, "/prov/cfg000b82200001.xml", Some(authorization)), 404);

    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
    let text = log.join("\n");
    for mac in ["000b82200001", "000b82200002", "000b82200003"] {
        assert!(text.contains(&format!("{mac}: fetched cfg{mac}.xml over http")), "{mac}: {text}");
    }
    assert!(text.contains("from 127.0.0.1") && text.contains(": 401 (no or wrong credentials)"), "{text}");
    assert!(log.last().unwrap().contains("info stopped: "), "{text}");
    assert!(!text.contains(PASSWORD) && !text.contains(SIP_PASSWORD), "a password in the log: {text}");
    assert!(!has_token_like_text(&text), "a token in the log: {text}");
}

#[test]
fn sigint_stops_the_daemon_cleanly() {
    let (_scratch, daemon, _, _) = start_daemon("loopback-sigint");
    let (status, log) = daemon.stop_with(Signal::SIGINT);
    assert!(status.success(), "{log:#?}");
    assert!(log.iter().any(|line| line.ends_with("info stopping on SIGINT")), "{log:#?}");
}
