//! Real SIP software judges what gspnp sends. SIPp (Debian's sip-tester) plays a
//! GRP26xx phone in its own network namespace and multicasts its SUBSCRIBE to
//! 224.0.1.75; a gspnp server answers from the PBX namespace. The scenarios in
//! tests/sipp/ check the answer, the NOTIFY (Event, Content-Type, the URL by regex, the
//! dialog tags), a late 200 after two retransmissions, and a retransmitted SUBSCRIBE.
//! tshark captures the exchange and fails the test on any packet Wireshark marks
//! malformed or with an expert error.

mod lab;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, ConfigFile, ProfileAssignment, Selector};
use gspnp::provision::{Account, Format, Profile};
use gspnp::runtime::{Host, Server, ServerConfig};
use lab::{Lab, PHONE_IP};

/// Accepts every file: a PBX that stores it where the URL serves it.
struct AcceptingHost;

impl Host for AcceptingHost {
    fn config_ready(&mut self, _file: &ConfigFile) -> bool {
        true
    }
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp").join(name)
}

/// Starts a server in the PBX namespace serving every Grandstream phone a profile.
fn start_server(lab: &Lab) -> Server {
    let (pbx, link) = (lab.pbx.clone(), lab.pbx_link.clone());
    std::thread::spawn(move || {
        Lab::enter(&pbx);
        let mut config = ServerConfig { interfaces: vec![link], ..ServerConfig::default() };
        config.engine.url_template = "http://{ip}:8080/{token}/".into();
        config.engine.cooldown = Duration::ZERO;
        let server = Server::start(config, Some(Box::new(AcceptingHost))).expect("the server starts");
        let mut account = Account::new();
        account.set_sip_server("192.0.2.1").unwrap();
        account.set_user_id("1001").unwrap();
        let mut profile = Profile::new();
        profile.set_account(1, account).unwrap();
        let assignment = Assignment::Profile(Arc::new(ProfileAssignment { profile, format: Format::V2, token: None }));
        server.set_default(Selector { vendor: "Grandstream".into(), model: None }, Some(assignment)).unwrap();
        server
    })
    .join()
    .expect("the server thread")
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

/// tshark capturing UDP on the PBX's veth until dropped or `finish`ed.
struct Capture {
    child: Child,
    file: PathBuf,
}

impl Capture {
    fn start(lab: &Lab) -> Capture {
        let file = std::env::temp_dir().join(format!("gspnp-sipp-{}.pcapng", std::process::id()));
        let mut child = Command::new("ip")
            .args(["netns", "exec", &lab.pbx, "tshark", "-q", "-i", &lab.pbx_link, "-f", "udp", "-w"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tshark is installed");
        // tshark says "Capturing on ..." once packets are being recorded.
        let mut stderr = child.stderr.take().expect("piped");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while Instant::now() < deadline && !String::from_utf8_lossy(&seen).contains("Capturing on") {
            let mut byte = [0u8; 1];
            match std::io::Read::read(&mut stderr, &mut byte) {
                Ok(1) => seen.push(byte[0]),
                _ => break,
            }
        }
        assert!(
            String::from_utf8_lossy(&seen).contains("Capturing on"),
            "tshark did not start: {}",
            String::from_utf8_lossy(&seen)
        );
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Capture { child, file }
    }

    /// Stops the capture and returns the file.
    fn finish(mut self) -> PathBuf {
        std::thread::sleep(Duration::from_millis(500));
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        self.file.clone()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tshark(file: &Path, args: &[&str]) -> String {
    let output = Command::new("tshark").arg("-r").arg(file).args(args).output().expect("tshark");
    assert!(output.status.success(), "tshark {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn sipp_phones_are_provisioned_and_wireshark_finds_nothing_malformed() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let server = start_server(&lab);
    let capture = Capture::start(&lab);
    run_phone(&lab, "phone.xml", "000B82000101");
    run_phone(&lab, "phone_slow_answer.xml", "000B82000102");
    run_phone(&lab, "phone_repeated_subscribe.xml", "000B82000103");
    let pcap = capture.finish();
    server.stop().unwrap();

    let flagged = tshark(&pcap, &["-Y", "_ws.malformed || _ws.expert.severity >= \"Error\""]);
    assert!(flagged.trim().is_empty(), "Wireshark flags packets:\n{flagged}");
    let fields = tshark(
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
