//! `gspnpd resync`: the command line asks a real gspnpd (on loopback) through its admin
//! API to re-provision a simulated phone that stays alive (`simulate --stay`, a GRP that
//! challenges NOTIFYs with a digest); it prints the phone's answer and exits 0, and the
//! phone fetched its file again. Refusals (wrong password, unknown phone, no [admin],
//! daemon down, a phone that is gone) exit 1 with a message saying why.

mod admin_client;
mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use admin_client::{admin, config, ADMIN_PASSWORD};
use common::{free_ports, stderr, stdout, Daemon, Scratch, GSPNPD};

/// Runs `gspnpd resync` with `args`, the password in the environment (Some) or on
/// standard input (None gives `stdin_text`).
fn resync(args: &[&str], password: Option<&str>, stdin_text: &str) -> Output {
    let mut command = Command::new(GSPNPD);
    command.arg("resync").args(args).env_remove("GSPNPD_ADMIN_PASSWORD");
    if let Some(password) = password {
        command.env("GSPNPD_ADMIN_PASSWORD", password);
    }
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin_text.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn start(scratch: &Scratch) -> (Daemon, u16, u16, String) {
    start_with(scratch, "")
}

/// As [`start`], with `admin_extra` appended to `[admin]`.
fn start_with(scratch: &Scratch, admin_extra: &str) -> (Daemon, u16, u16, String) {
    let (sip, http) = free_ports();
    let (_, admin_port) = free_ports();
    let store = scratch.path().join("store.sqlite");
    let file = scratch.write("gspnpd.toml", config(sip, http, admin_port, store.to_str().unwrap(), admin_extra));
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", file.to_str().unwrap()]);
    (Daemon::start(command), sip, admin_port, file.to_str().unwrap().to_owned())
}

/// Boots one phone that stays `stay` seconds after provisioning.
fn staying_phone(sip: u16, mac: &str, stay: &str) -> Child {
    let target = format!("127.0.0.1:{sip}");
    Command::new(GSPNPD)
        .args(["simulate", "--phones", "1", "--target", &target, "--mac-base", mac, "--stay", stay, "--json"])
        .args(["--timeout", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most 15 s) until the API shows `mac` in `state`.
fn wait_for_state(port: u16, mac: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let phone = admin(port, "GET", &format!("/api/phones/{mac}"), None).json();
        if phone["phone"]["state"] == state {
            return;
        }
        assert!(Instant::now() < deadline, "{mac} never reached {state}: {phone}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assign(port: u16, mac: &str) {
    let profile = r#"{"account": [{"user": "1001", "password": "sip-pw-5309"}]}"#;
    let assigned = admin(port, "PUT", &format!("/api/phones/{mac}"), Some(profile));
    assert_eq!(assigned.status, 200, "{}", assigned.body);
}

#[test]
fn gspnpd_resync_prints_that_the_phone_accepted_and_the_phone_fetches_its_file_again() {
    let scratch = Scratch::new("resync-cli-accepted");
    let (daemon, sip, port, file) = start(&scratch);
    let mac = "000b82530001";
    assign(port, mac);
    let phone = staying_phone(sip, mac, "8");
    wait_for_state(port, mac, "fetched");

    let by_environment = resync(&["--config", &file, mac, "--timeout", "10"], Some(ADMIN_PASSWORD), "");
    assert!(by_environment.status.success(), "{}{}", stdout(&by_environment), stderr(&by_environment));
    let printed = stdout(&by_environment);
    assert!(printed.contains(&format!("{mac}: check-sync sent")), "{printed}");
    assert!(printed.contains("accepted (200)"), "{printed}");
    let by_stdin = resync(&["-c", &file, "00:0b:82:53:00:01"], None, &format!("{ADMIN_PASSWORD}\n"));
    assert!(by_stdin.status.success(), "{}{}", stdout(&by_stdin), stderr(&by_stdin));
    assert!(!stdout(&by_stdin).contains(ADMIN_PASSWORD) && !stderr(&by_stdin).contains(ADMIN_PASSWORD));

    let output = phone.wait_with_output().unwrap();
    let summary: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap_or_default();
    assert!(output.status.success(), "{summary} {}", stderr(&output));
    assert_eq!(
        (summary["resyncs"]["done"].as_u64(), summary["resyncs"]["refetched"].as_u64()),
        (Some(2), Some(2)),
        "both check-syncs answered and re-fetched: {summary}"
    );
    let history = admin(port, "GET", &format!("/api/phones/{mac}"), None).json();
    assert!(history.to_string().contains("accepted (200)"), "{history}");
    let audit = admin(port, "GET", "/api/audit", None).json();
    let resyncs = audit["audit"].as_array().unwrap().iter().filter(|entry| entry["action"] == "check-sync").count();
    assert_eq!(resyncs, 2, "{audit}");
    drop(daemon);
}

#[test]
fn gspnpd_resync_says_why_it_was_refused_and_exits_1() {
    let scratch = Scratch::new("resync-cli-refused");
    let (daemon, sip, port, file) = start(&scratch);
    let refused = |args: &[&str], password: Option<&str>, expected: &str| {
        let output = resync(args, password, "");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}{}", stdout(&output), stderr(&output));
        assert!(stderr(&output).contains(expected), "{args:?}: want {expected:?} in {}", stderr(&output));
        if let Some(password) = password {
            assert!(!stderr(&output).contains(password) && !stdout(&output).contains(password));
        }
    };
    refused(&["--config", &file, "000b825300ff"], Some(ADMIN_PASSWORD), "no phone 000b825300ff (404)");
    refused(&["--config", &file, "000b825300ff"], Some("not-the-password"), "wrong password (401)");
    refused(&["--config", &file, "000b825300ff"], None, "no password on standard input");

    let daemon_config = std::fs::read_to_string(&file).unwrap();
    let bare = scratch.write("bare.toml", &daemon_config[..daemon_config.find("[admin]").unwrap()]);
    refused(&["--config", bare.to_str().unwrap(), "000b825300ff"], Some(ADMIN_PASSWORD), "no [admin] section");

    // A phone provisioned and gone: the daemon sends, nobody answers within --timeout.
    let mac = "000b82530002";
    assign(port, mac);
    assert_eq!(common::boot_phones(sip, 1, mac, 10)["provisioned"], 1);
    refused(&["--config", &file, mac, "--timeout", "1.5"], Some(ADMIN_PASSWORD), "no outcome within 1.5 s");

    drop(daemon);
    refused(&["--config", &file, mac], Some(ADMIN_PASSWORD), "cannot reach the admin API");
    assert!(Path::new(&file).exists());
}

#[test]
fn gspnpd_resync_over_https_trusts_the_configs_admin_certificate_only() {
    let scratch = Scratch::new("resync-cli-https");
    let write_pair = |name: &str| {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("a certificate");
        scratch.write(&format!("{name}.crt"), certified.cert.pem());
        scratch.write(&format!("{name}.key"), certified.key_pair.serialize_pem());
    };
    write_pair("admin");
    write_pair("other");
    let (daemon, _sip, _port, file) = start_with(&scratch, "cert = \"admin.crt\"\nkey = \"admin.key\"\n");
    let output = resync(&["--config", &file, "000b825300ee"], Some(ADMIN_PASSWORD), "");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no phone 000b825300ee (404)"),
        "the API answered over HTTPS: {}",
        stderr(&output)
    );

    let text = std::fs::read_to_string(&file).unwrap().replace("cert = \"admin.crt\"", "cert = \"other.crt\"");
    let mistrusting = scratch.write("other.toml", text);
    let output = resync(&["--config", mistrusting.to_str().unwrap(), "000b825300ee"], Some(ADMIN_PASSWORD), "");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot reach the admin API"),
        "another certificate is refused: {}",
        stderr(&output)
    );
    drop(daemon);
}
