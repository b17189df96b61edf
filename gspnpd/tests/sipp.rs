//! Real SIP software judges what gspnp sends. SIPp (Debian's sip-tester) plays a
//! GRP26xx phone in its own network namespace and multicasts its SUBSCRIBE to
//! 224.0.1.75; `gspnpd run` answers from the PBX namespace. The scenarios in
//! tests/sipp/ check the answer, the NOTIFY (Event, Content-Type, the URL by regex, the
//! dialog tags), a late 200 after two retransmissions, and a retransmitted SUBSCRIBE.
//! tshark captures the exchange and fails the test on any packet Wireshark marks
//! malformed or with an expert error.

mod common;
#[path = "../../tests/lab/mod.rs"]
mod lab;
#[path = "../../tests/judges/tshark.rs"]
mod tshark;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Daemon, Scratch, GSPNPD};
use lab::{Lab, PBX_IP, PHONE_IP};
use nix::sys::signal::Signal;

/// The scenarios live beside the library's tests.
fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sipp").join(name)
}

/// Starts `gspnpd run` in the PBX namespace, giving every Grandstream phone a profile.
fn start_daemon(lab: &Lab, scratch: &Scratch) -> Daemon {
    let config = scratch.write(
        "gspnpd.toml",
        format!(
            r#"
[sip]
interfaces = ["{link}"]
cooldown = 0
[http]
listen = "{PBX_IP}:8080"
public_url = "http://{PBX_IP}:8080/"
[defaults]
sip_server = "{PBX_IP}"
[[default_profile]]
vendor = "Grandstream"
[[default_profile.account]]
user = "1001"
password = "sipp-secret"
"#,
            link = lab.pbx_link
        ),
    );
    let mut command = Command::new("ip");
    command.args(["netns", "exec", &lab.pbx, GSPNPD, "run", "--config"]).arg(config);
    Daemon::start(command)
}

/// Runs one SIPp scenario as a phone with `mac`; panics with SIPp's errors on failure.
fn run_phone(lab: &Lab, file: &str, mac: &str) {
    let work = std::env::temp_dir().join(format!("gspnp-sipp-{}-{mac}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let output = Command::new("ip")
        .args(["netns", "exec", &lab.phone, "sipp", "224.0.1.75:5060", "-sf"])
        .arg(scenario(file))
        .args(["-i", &PHONE_IP.to_string(), "-p", "5080", "-m", "1", "-key", "mac", mac])
        .args(["-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err", "-trace_screen"])
        .current_dir(&work)
        .output()
        .expect("sipp (sip-tester) is installed");
    let logs: String = std::fs::read_dir(&work)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        output.status.success(),
        "SIPp {file} failed ({}):\n{}\n{}\n{logs}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sipp_phones_are_provisioned_by_gspnpd_and_wireshark_finds_nothing_malformed() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let scratch = Scratch::new("sipp");
    let daemon = start_daemon(&lab, &scratch);
    let capture = tshark::Capture::start(Some(&lab.pbx), &lab.pbx_link, "udp");
    run_phone(&lab, "phone.xml", "000B82000101");
    run_phone(&lab, "phone_slow_answer.xml", "000B82000102");
    run_phone(&lab, "phone_repeated_subscribe.xml", "000B82000103");
    let pcap = capture.finish();
    let (status, log) = daemon.stop_with(Signal::SIGINT);
    assert!(status.success(), "gspnpd stopped cleanly: {log:#?}");
    assert_eq!(log.iter().filter(|line| line.contains(": acknowledged with 200")).count(), 3, "{log:#?}");

    let flagged = tshark::flagged(&pcap, "Error");
    assert!(flagged.trim().is_empty(), "Wireshark flags packets:\n{flagged}");
    let fields = tshark::read(
        &pcap,
        &[
            "-Y",
            "sip",
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "sip.Method",
            "-e",
            "sip.Status-Code",
            "-e",
            "sip.CSeq.method",
            "-e",
            "sip.Event",
            "-e",
            "sip.Content-Type",
            "-e",
            "sip.Call-ID",
            "-e",
            "sip.from.tag",
            "-e",
            "sip.to.tag",
        ],
    );
    let rows: Vec<Vec<&str>> = fields.lines().map(|line| line.split('|').collect()).collect();
    let notifies: Vec<_> = rows.iter().filter(|r| r[0] == "NOTIFY").collect();
    let mut per_dialog = std::collections::BTreeMap::<&str, usize>::new();
    for notify in &notifies {
        *per_dialog.entry(notify[5]).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_dialog.values().copied().collect();
    counts.sort_unstable();
    // One NOTIFY each for the prompt phone and the repeated SUBSCRIBE; the late phone's
    // NOTIFY went out three times (two retransmissions) and no more.
    assert_eq!(counts, [1, 1, 3], "NOTIFYs per dialog:\n{fields}");
    for notify in &notifies {
        assert_eq!(notify[3], "ua-profile", "{fields}");
        assert_eq!(notify[4], "application/url", "{fields}");
        let subscribe = rows
            .iter()
            .find(|r| r[0] == "SUBSCRIBE" && r[5] == notify[5])
            .expect("the NOTIFY's Call-ID is a SUBSCRIBE's");
        assert_eq!(notify[7], subscribe[6], "the NOTIFY's To tag is the SUBSCRIBE's From tag");
        let answer =
            rows.iter().find(|r| r[1] == "200" && r[2] == "SUBSCRIBE" && r[5] == notify[5]).expect("an answer");
        assert_eq!(answer[7], notify[6], "the answer's To tag is the NOTIFY's From tag");
    }
    let _ = std::fs::remove_file(pcap);
}
