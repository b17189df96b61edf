//! res_gspnp inside a real Asterisk 22 (integrations/asterisk): Asterisk runs with its own
//! config in a scratch folder in the PBX namespace of the lab, with pjsip endpoints
//! 1001..1020; simulated GRP phones boot over multicast in the phone namespace, fetch
//! their files from Asterisk's HTTP server, REGISTER to its pjsip and answer check-sync
//! NOTIFYs with a digest challenge as a GRP does.
//! Needs root, iproute2 and the Asterisk that tools/asterisk.sh installs (ASTERISK, default
//! /opt/asterisk-22.10.1); outside CI a missing Asterisk skips the test and says so.

mod ami_client;
mod common;
#[path = "../../tests/lab/mod.rs"]
mod lab;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ami_client::Ami;
use common::{stderr, stdout, Scratch, GSPNPD};
use lab::{Lab, PBX_IP, PHONE_IP};
use serde_json::Value;

const ENDPOINTS: u32 = 20;
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// The AMI account of manager.conf, as a web GUI would have it; `viewer` (same secret)
/// may only read.
const AMI_USER: &str = "gui";
const AMI_VIEWER: &str = "viewer";
const AMI_SECRET: &str = "lab-ami-secret";

/// Asterisk's prefix, or None (test skipped) when it is not installed outside CI.
fn asterisk_prefix() -> Option<PathBuf> {
    let prefix = PathBuf::from(std::env::var("ASTERISK").unwrap_or_else(|_| "/opt/asterisk-22.10.1".into()));
    if prefix.join("sbin/asterisk").exists() && prefix.join("include/pjproject/pjsip.h").exists() {
        return Some(prefix);
    }
    assert!(std::env::var_os("CI").is_none(), "CI must run tools/asterisk.sh first");
    eprintln!("skipped: no Asterisk in {} (run tools/asterisk.sh)", prefix.display());
    None
}

/// `make asterisk-module` at the top level; its last line is the module's path. The
/// tests of this file run it at the same time (nextest runs each in its own process):
/// `flock` lets one make at a time install into the shared prefix.
fn build_module(prefix: &Path) -> PathBuf {
    let lock = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asterisk-module.lock");
    let output = Command::new("flock")
        .arg(&lock)
        .args(["make", "-s", "asterisk-module", "PROFILE=debug", &format!("ASTERISK={}", prefix.display())])
        .current_dir(REPO)
        .output()
        .expect("make runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let path = PathBuf::from(stdout(&output).lines().last().expect("a last line").trim());
    assert!(path.ends_with("res_gspnp.so") && path.exists(), "{}", stdout(&output));
    path
}

/// Asterisk's config: every directory in `dir`, modules from `prefix` plus res_gspnp.
fn write_config(scratch: &Scratch, prefix: &Path, module: &Path) -> PathBuf {
    let dir = scratch.path();
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    for entry in std::fs::read_dir(prefix.join("lib/asterisk/modules")).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), modules.join(entry.file_name())).unwrap();
    }
    std::os::unix::fs::symlink(module, modules.join("res_gspnp.so")).unwrap();
    for sub in ["etc", "lib", "db", "keys", "data", "spool", "run", "log"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let d = dir.display();
    let etc = |name: &str, text: String| scratch.write(&format!("etc/{name}"), text);
    let conf = etc(
        "asterisk.conf",
        format!(
            "[directories]\nastetcdir => {d}/etc\nastmoddir => {d}/modules\nastvarlibdir => {d}/lib\n\
             astdbdir => {d}/db\nastkeydir => {d}/keys\nastdatadir => {d}/data\nastspooldir => {d}/spool\n\
             astrundir => {d}/run\nastlogdir => {d}/log\n[options]\n"
        ),
    );
    etc("modules.conf", "[modules]\nautoload=yes\n".into());
    etc("logger.conf", "[logfiles]\nmessages.log => notice,warning,error,verbose(3)\n".into());
    etc("http.conf", "[general]\nenabled=yes\nbindaddr=0.0.0.0\nbindport=8088\n".into());
    etc(
        "manager.conf",
        format!(
            "[general]\nenabled=yes\nport=5038\nbindaddr=127.0.0.1\n[{AMI_USER}]\nsecret={AMI_SECRET}\n\
             deny=0.0.0.0/0.0.0.0\npermit=127.0.0.1/255.255.255.255\nread=system,reporting,config\n\
             write=system,reporting,config\n[{AMI_VIEWER}]\nsecret={AMI_SECRET}\ndeny=0.0.0.0/0.0.0.0\n\
             permit=127.0.0.1/255.255.255.255\nread=system,reporting\nwrite=reporting\n"
        ),
    );
    etc("pjsip.conf", pjsip_conf(|n| format!("lab-pw-{n}")));
    etc("gspnp.conf", gspnp_conf(""));
    conf
}

/// gspnp.conf: phones 1..20 bound to 1001..1020 with a template, four bad entries that
/// must each be named in the log, and `default_endpoint` for every other phone.
fn gspnp_conf(default_endpoint: &str) -> String {
    // The storm comes from one address: the per-source rate limit is raised so it is real.
    let mut gspnp = format!(
        "[general]\nlog_level=notice\nhttp_prefix=bad/prefix\ndefault_endpoint={default_endpoint}\n\
         rate_limit_burst=5000\nrate_limit_per_second=5000\n\
         [desk]\ntype=template\ncodecs=PCMU,G.722\nvpk2=speed_dial,1,Voicemail,*97\n[phones]\n"
    );
    for n in 1..=ENDPOINTS {
        gspnp.push_str(&format!("000b82{n:06x} = {},desk\n", 1000 + n));
    }
    gspnp.push_str("zz0b82000099 = 1001\n000b82000098 = 4242\n000b82000097 = noauth\n");
    gspnp
}

/// pjsip.conf's endpoints 1001..1020, each with its auth (password `password(n)`) and AOR.
fn pjsip_conf(password: impl Fn(u32) -> String) -> String {
    let mut pjsip = "[transport-udp]\ntype=transport\nprotocol=udp\nbind=0.0.0.0:5060\n".to_string();
    for n in 1001..=1000 + ENDPOINTS {
        let password = password(n);
        pjsip.push_str(&format!(
            "[{n}]\ntype=endpoint\ncontext=default\ndisallow=all\nallow=ulaw\nauth={n}\naors={n}\n\
             callerid=\"Desk {n}\" <{n}>\n[{n}]\ntype=auth\nauth_type=userpass\nusername={n}\n\
             password={password}\n[{n}]\ntype=aor\nmax_contacts=1\nremove_existing=yes\n"
        ));
    }
    pjsip.push_str("[noauth]\ntype=endpoint\naors=noauth\n");
    pjsip
}

/// A running Asterisk, stopped (`core stop now`, then killed) however the test ends.
struct Asterisk {
    child: Child,
    binary: PathBuf,
    conf: PathBuf,
    namespace: String,
    log: PathBuf,
}

impl Asterisk {
    fn start(prefix: &Path, conf: PathBuf, namespace: &str, dir: &Path) -> Asterisk {
        let binary = prefix.join("sbin/asterisk");
        let child = Command::new("ip")
            .args(["netns", "exec", namespace])
            .arg(&binary)
            .args(["-C", conf.to_str().unwrap(), "-f", "-n"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("asterisk starts");
        let asterisk = Asterisk { child, binary, conf, namespace: namespace.into(), log: dir.join("log/messages.log") };
        asterisk.wait_for_log("gspnp: Plug and Play with libgspnp");
        asterisk
    }

    /// `asterisk -rx COMMAND`: its output.
    fn cli(&self, command: &str) -> String {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.namespace])
            .arg(&self.binary)
            .args(["-C", self.conf.to_str().unwrap(), "-rx", command])
            .output()
            .expect("asterisk -rx runs");
        stdout(&output)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for_log(&self, text: &str) {
        assert!(within(30, || self.log().contains(text)), "no '{text}' in Asterisk's log:\n{}", self.log());
    }

    /// How many contacts `pjsip show contacts` lists.
    fn contacts(&self) -> usize {
        let listing = self.cli("pjsip show contacts");
        listing
            .lines()
            .find_map(|line| line.trim().strip_prefix("Objects found: "))
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Names of the Asterisk process's threads that gspnp started.
    fn gspnp_threads(&self) -> usize {
        let tasks = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(tasks)
            .map(|entries| {
                entries
                    .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                    .filter(|name| name.starts_with("gspnp"))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for Asterisk {
    fn drop(&mut self) {
        let _ = self.cli("core stop now");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asterisk with res_gspnp and this test's config in the PBX namespace of a new lab.
/// Fields drop in order: Asterisk stops before its namespace and its folder go.
struct Pbx {
    asterisk: Asterisk,
    lab: Lab,
    scratch: Scratch,
}

impl Pbx {
    /// None (the test is skipped, and says why) without root or without Asterisk.
    fn start(test: &str) -> Option<Pbx> {
        if !lab::can_build() {
            return None;
        }
        let prefix = asterisk_prefix()?;
        let module = build_module(&prefix);
        let scratch = Scratch::new(test);
        let conf = write_config(&scratch, &prefix, &module);
        let lab = Lab::new();
        let asterisk = Asterisk::start(&prefix, conf, &lab.pbx, scratch.path());
        Some(Pbx { asterisk, lab, scratch })
    }
}

/// `gspnpd simulate --json ARGS` started in the phone namespace.
fn spawn_simulate(lab: &Lab, args: &[&str]) -> Child {
    Command::new("ip")
        .args(["netns", "exec", &lab.phone, GSPNPD, "simulate", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the simulator runs")
}

/// The summary a simulator started by spawn_simulate prints at its end.
fn summary_of(simulator: Child) -> Value {
    let output = simulator.wait_with_output().expect("the simulator ends");
    serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|_| panic!("{}", stderr(&output)))
}

/// `gspnpd simulate ARGS --json` in the phone namespace: its summary.
fn simulate(lab: &Lab, args: &[&str]) -> Value {
    summary_of(spawn_simulate(lab, args))
}

/// Polls `done` every 200 ms for up to `seconds`; whether it came true.
fn within(seconds: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    true
}

fn count(summary: &Value, field: &str) -> u64 {
    summary[field].as_u64().unwrap_or(u64::MAX)
}

/// Runs `work` on a thread inside namespace `namespace`.
fn in_namespace<T: Send + 'static>(namespace: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let namespace = namespace.to_string();
    std::thread::spawn(move || {
        Lab::enter(&namespace);
        work()
    })
    .join()
    .expect("the probe thread")
}

/// Runs `work` on a thread inside the phone namespace.
fn in_phone_namespace<T: Send + 'static>(lab: &Lab, work: impl FnOnce() -> T + Send + 'static) -> T {
    in_namespace(&lab.phone, work)
}

/// An AMI session logged in as `user`, over TCP to 127.0.0.1:5038 in the PBX namespace
/// (retried for a few seconds while the manager starts).
fn ami_login(lab: &Lab, user: &str) -> Ami {
    let stream = in_namespace(&lab.pbx, || {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpStream::connect(("127.0.0.1", 5038)) {
                Ok(stream) => return stream,
                Err(error) if Instant::now() >= deadline => panic!("AMI does not listen: {error}"),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    });
    let mut ami = Ami::new(stream);
    ami.login(user, AMI_SECRET);
    ami
}

/// Sends one SIP request from the phone namespace to `target`:5060 and returns the status
/// lines of the answers that came within a second.
fn sip_answers(lab: &Lab, target: &str, request: String) -> Vec<String> {
    let target = format!("{target}:5060");
    in_phone_namespace(lab, move || {
        let socket = UdpSocket::bind((PHONE_IP, 0)).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        socket.send_to(request.as_bytes(), &target).unwrap();
        let mut answers = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(length) = socket.recv(&mut buffer) {
            let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
            answers.push(text.lines().next().unwrap_or("").to_string());
        }
        answers
    })
}

fn ua_profile_subscribe(mac: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE_IP}:5080;branch=z9hG4bK-probe{mac};rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=probe\r\nTo: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: probe-{mac}@{PHONE_IP}\r\nCSeq: 20000 SUBSCRIBE\r\nContact: <sip:{PHONE_IP}:5080>\r\n\
         Max-Forwards: 70\r\nEvent: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.5.15\"\r\n\
         Expires: 0\r\nAccept: application/url\r\nContent-Length: 0\r\n\r\n"
    )
}

fn options_request() -> String {
    format!(
        "OPTIONS sip:{PBX_IP} SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE_IP}:5080;branch=z9hG4bK-options1;rport\r\n\
         From: <sip:probe@{PHONE_IP}>;tag=options\r\nTo: <sip:{PBX_IP}>\r\nCall-ID: options-1@{PHONE_IP}\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// HTTP GET from the phone namespace: (status code, body).
fn http_get(lab: &Lab, path: String) -> (u16, String) {
    in_phone_namespace(lab, move || {
        let mut stream = TcpStream::connect((PBX_IP, 8088)).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {PBX_IP}\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
        (status, body)
    })
}

#[test]
fn asterisk_provisions_20_phones_that_register_with_their_pjsip_accounts_resyncs_one_after_a_password_change_and_survives_module_reloads_in_a_storm(
) {
    let Some(pbx) = Pbx::start("asterisk") else { return };
    let Pbx { asterisk, lab, scratch } = &pbx;

    let server_threads = asterisk.gspnp_threads();
    assert!(server_threads > 0, "gspnp's threads run in Asterisk");

    // Every bad gspnp.conf entry is named with its file and section; the rest loaded.
    let log = asterisk.log();
    for expected in [
        "gspnp.conf: [general] http_prefix = bad/prefix: unusable",
        "gspnp.conf: [phones] zz0b82000099: not a MAC address",
        "gspnp.conf: [phones] 000b82000098 = 4242: no pjsip endpoint named '4242'",
        "gspnp.conf: [phones] 000b82000097 = noauth: endpoint noauth has no auth",
        "20 phones in [phones]",
    ] {
        assert!(log.contains(expected), "no '{expected}' in:\n{log}");
    }

    // 20 phones boot over multicast, fetch their endpoint's account and REGISTER with it
    // to this Asterisk; they stay to be re-provisioned.
    let desks = spawn_simulate(lab, &["--phones", "20", "--register", "--stay", "20", "--timeout", "60"]);
    assert!(within(30, || asterisk.contacts() == 20), "{}", asterisk.cli("pjsip show contacts"));
    let phones = asterisk.cli("gspnp show phones");
    assert!(phones.contains("20 phones"), "{phones}");
    assert_eq!(phones.lines().filter(|line| line.contains(" fetched ")).count(), 20, "{phones}");
    let token = asterisk.cli("database get gspnp/token 000b82000003");
    let token = token.split_whitespace().nth(1).expect("a token in astdb").to_string();
    let file_of_phone_3 = || http_get(lab, format!("/gspnp/{token}/cfg000b82000003.xml"));
    let (status, file) = file_of_phone_3();
    assert_eq!(status, 200);
    for setting in
        ["<P35>1003</P35>", "<P36>1003</P36>", "<P34>lab-pw-1003</P34>", "<P3>Desk 1003</P3>", "<P47>192.0.2.1</P47>"]
    {
        assert!(file.contains(setting), "no {setting} in the file of phone 3:\n{file}");
    }
    assert_eq!(http_get(lab, format!("/gspnp/{token}/cfg000b82000004.xml")).0, 404, "another phone's file");
    assert_eq!(http_get(lab, "/gspnp/not-a-token/cfg000b82000003.xml".into()).0, 404);

    // 1003 gets a new password; after the reloads, resync: the phone challenges the
    // check-sync, res_gspnp answers with the credentials the phone holds (the old ones),
    // the phone fetches the new file and registers again with the new password.
    let new_password = |n: u32| if n == 1003 { "new-pw-1003".to_string() } else { format!("lab-pw-{n}") };
    scratch.write("etc/pjsip.conf", pjsip_conf(new_password));
    asterisk.cli("module reload res_pjsip.so");
    asterisk.cli("module reload res_gspnp.so");
    let resync = asterisk.cli("gspnp resync 000b82000003");
    assert!(resync.contains("Resync sent"), "{resync}");
    asterisk.wait_for_log("000b82000003: check-sync accepted with 200");
    assert!(file_of_phone_3().1.contains("<P34>new-pw-1003</P34>"), "the new password is in the file");
    let unbound = asterisk.cli("gspnp resync 000b82000097");
    assert!(unbound.contains("is not bound to an endpoint"), "{unbound}");
    let desks = summary_of(desks);
    assert_eq!((count(&desks, "provisioned"), count(&desks, "registered")), (20, 20), "{desks:#}");
    let resyncs = &desks["resyncs"];
    assert_eq!(
        (count(resyncs, "done"), count(resyncs, "refused"), count(resyncs, "refetched")),
        (1, 0, 1),
        "phone 3 accepted one check-sync and fetched its file again: {desks:#}"
    );
    let phone_3 = asterisk.cli("pjsip show aor 1003");
    assert!(asterisk.contacts() == 20 && phone_3.contains("sip:1003@"), "{phone_3}");
    let state = asterisk.cli("gspnp show phone 000b82000003");
    assert!(state.contains("State:      fetched"), "{state}");

    // Unicast SIP meant for pjsip still reaches pjsip.
    let answers = sip_answers(lab, &PBX_IP.to_string(), options_request());
    assert!(answers.iter().any(|line| line.starts_with("SIP/2.0 ")), "pjsip answers OPTIONS: {answers:?}");

    // A phone nobody bound is listed and left alone; binding it provisions it.
    let late =
        spawn_simulate(lab, &["--phones", "1", "--mac-base", "000b82000100", "--attempts", "5", "--timeout", "30"]);
    std::thread::sleep(Duration::from_millis(1500));
    let listed = asterisk.cli("gspnp show phone 000b82000100");
    assert!(listed.contains("State:      unbound") && listed.contains("(unbound)"), "{listed}");
    let bound = asterisk.cli("gspnp bind 000b82000100 1001");
    assert!(bound.contains("Bound"), "{bound}");
    let summary = summary_of(late);
    assert_eq!(count(&summary, "provisioned"), 1, "binding provisions the waiting phone: {summary:#}");
    // Forgotten by res_gspnp and by gspnp: a reload, which lists every phone gspnp knows,
    // does not bring it back.
    assert!(asterisk.cli("gspnp forget 000b82000100").contains("Forgotten"));
    asterisk.cli("module reload res_gspnp.so");
    let forgotten = asterisk.cli("gspnp show phone 000b82000100");
    assert!(forgotten.contains("No phone"), "{forgotten}");
    assert!(asterisk.cli("gspnp show phones").contains("20 phones"));

    // What pjsip itself answers to a ua-profile SUBSCRIBE: shown with res_gspnp unloaded.
    assert!(asterisk.cli("module unload res_gspnp.so").contains("Unloaded"));
    assert_eq!(asterisk.gspnp_threads(), 0, "no gspnp thread left after unload");
    let pjsip_unicast = sip_answers(lab, &PBX_IP.to_string(), ua_profile_subscribe("000B82000077"));
    let pjsip_multicast = sip_answers(lab, "224.0.1.75", ua_profile_subscribe("000B82000078"));
    eprintln!("pjsip alone answers a ua-profile SUBSCRIBE: unicast {pjsip_unicast:?}, multicast {pjsip_multicast:?}");
    assert!(
        pjsip_unicast.iter().all(|line| !line.starts_with("SIP/2.0 200") && !line.starts_with("SIP/2.0 500")),
        "an answer that would stop a GRP: {pjsip_unicast:?}"
    );
    assert!(pjsip_multicast.is_empty(), "pjsip's socket is not in the group without res_gspnp");
    assert!(asterisk.cli("module load res_gspnp.so").contains("Loaded"));
    assert_eq!(
        sip_answers(lab, "224.0.1.75", ua_profile_subscribe("000B82000079")),
        Vec::<String>::new(),
        "an unbound phone gets no answer, not pjsip's"
    );

    // From now on every unlisted phone gets 1020's account, so the storm is served.
    scratch.write("etc/gspnp.conf", gspnp_conf("1020"));
    asterisk.cli("module reload res_gspnp.so");
    // Unload, load and reload while 500 phones boot: Asterisk lives, no thread is left.
    let storm = spawn_simulate(
        lab,
        &["--phones", "500", "--mac-base", "000b82100000", "--ramp", "3", "--attempts", "3", "--timeout", "15"],
    );
    std::thread::sleep(Duration::from_millis(700));
    assert!(asterisk.cli("module unload res_gspnp.so").contains("Unloaded"), "unload in the storm");
    assert_eq!(asterisk.gspnp_threads(), 0, "no gspnp thread left after an unload in the storm");
    std::thread::sleep(Duration::from_millis(700));
    assert!(asterisk.cli("module load res_gspnp.so").contains("Loaded"), "load in the storm");
    std::thread::sleep(Duration::from_millis(700));
    assert!(!asterisk.cli("module reload res_gspnp.so").is_empty(), "Asterisk answers a reload in the storm");
    let storm = summary_of(storm);
    eprintln!("storm: {storm}");
    assert!(asterisk.cli("core show version").contains("Asterisk 22"), "Asterisk survived");
    // A phone whose NOTIFY the unload cut short waits for it longer than the storm lasts;
    // every other one (booting before, during and after the unload) is served.
    assert!(count(&storm, "provisioned") >= 400, "phones were served around the reloads: {storm:#}");
    assert_eq!(asterisk.gspnp_threads(), server_threads, "one server's threads after load, as at start");

    // Phones are still served after the reloads.
    let summary = simulate(lab, &["--phones", "5", "--timeout", "30"]);
    assert_eq!(count(&summary, "provisioned"), 5, "{summary:#}");

    let log = asterisk.log();
    let errors: Vec<&str> = log.lines().filter(|line| line.contains("ERROR[") && line.contains("res_gspnp")).collect();
    assert!(errors.is_empty(), "errors from res_gspnp: {errors:#?}");
    assert!(
        !log.contains("lab-pw-") && !log.contains("new-pw-") && !log.contains(&token),
        "a secret in Asterisk's log"
    );
}

/// The row of `mac` in `gspnp show phones`, split on white space (MAC, vendor, model,
/// firmware, address, state, endpoint, last fetch); panics when it is not listed.
fn phone_row(asterisk: &Asterisk, mac: &str) -> Vec<String> {
    let listing = asterisk.cli("gspnp show phones");
    let row = listing.lines().find(|line| line.starts_with(mac));
    let row = row.unwrap_or_else(|| panic!("{mac} is not in:\n{listing}"));
    row.split_whitespace().map(str::to_string).collect()
}

#[test]
fn a_web_gui_over_ami_sees_phones_boot_and_binds_resyncs_reboots_and_forgets_them() {
    let Some(pbx) = Pbx::start("asterisk-ami") else { return };
    let Pbx { asterisk, lab, .. } = &pbx;
    let mut ami = ami_login(lab, AMI_USER);
    // gspnp.conf binds 000b82000013 to 1019 and 000b82000014 to 1020; nothing binds
    // 000b82000015, which keeps asking until the GUI binds it.
    let (first, second, waiting) = ("000b82000013", "000b82000014", "000b82000015");
    // They stay 10 s after provisioning: time for every action below, even on a busy machine.
    let phones = spawn_simulate(
        lab,
        &["--phones", "3", "--mac-base", first, "--register", "--stay", "10", "--attempts", "20", "--timeout", "45"],
    );

    // Each phone's boot is seen as it happens.
    for (mac, endpoint) in [(first, "1019"), (second, "1020"), (waiting, "")] {
        let discovered = ami.event(20, "GspnpDiscovered", mac);
        assert_eq!((discovered.get("Vendor"), discovered.get("Model")), ("Grandstream", "GRP2614"), "{discovered:?}");
        assert!(discovered.get("Address").starts_with(&format!("{PHONE_IP}:")), "{discovered:?}");
        assert_eq!(discovered.get("Endpoint"), endpoint, "{discovered:?}");
    }
    for mac in [first, second] {
        let notified = ami.event(20, "GspnpNotified", mac);
        assert_eq!((notified.get("Outcome"), notified.get("StatusCode")), ("acknowledged", "200"), "{notified:?}");
        assert!(ami.event(20, "GspnpFetched", mac).get("Address").starts_with(&format!("{PHONE_IP}:")));
    }
    let listed = ami.list("GspnpShowPhones", &[], "GspnpPhonesComplete");
    let state = |mac: &str| {
        let phone = listed.iter().find(|phone| phone.get("MAC") == mac).unwrap_or_else(|| panic!("{mac}: {listed:#?}"));
        (phone.get("State").to_string(), phone.get("Endpoint").to_string())
    };
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert_eq!(state(first), ("fetched".into(), "1019".into()));
    assert_eq!(state(second), ("fetched".into(), "1020".into()));
    assert_eq!(state(waiting), ("unbound".into(), "".into()));

    // Mistakes get an Error naming them, and change nothing.
    for (action, headers, reason) in [
        ("GspnpBind", vec![("MAC", "not-a-mac"), ("Endpoint", "1005")], "not a MAC address"),
        ("GspnpBind", vec![("MAC", waiting), ("Endpoint", "4242")], "no pjsip endpoint named '4242'"),
        ("GspnpResync", vec![("MAC", waiting)], "is not bound to an endpoint"),
        ("GspnpShowPhone", vec![("MAC", "000b82000099")], "No such phone"),
    ] {
        let response = ami.action(action, &headers);
        assert_eq!(response.get("Response"), "Error", "{action} {headers:?}: {response:?}");
        assert!(response.get("Message").contains(reason), "{action} {headers:?}: {response:?}");
    }

    // An account that may only read lists the phones and cannot bind them.
    let mut viewer = ami_login(lab, AMI_VIEWER);
    assert_eq!(viewer.list("GspnpShowPhones", &[], "GspnpPhonesComplete").len(), 3);
    let refused = viewer.action("GspnpBind", &[("MAC", waiting), ("Endpoint", "1005")]);
    assert_eq!((refused.get("Response"), refused.get("Message")), ("Error", "Permission denied"), "{refused:?}");
    assert_eq!(phone_row(asterisk, waiting)[5..7], ["unbound", "(unbound)"], "nothing changed");

    // Binding the waiting phone provisions it at once.
    let bound = ami.action("GspnpBind", &[("MAC", waiting), ("Endpoint", "1005")]);
    assert_eq!(bound.get("Response"), "Success", "{bound:?}");
    assert_eq!(ami.event(20, "GspnpNotified", waiting).get("Outcome"), "acknowledged");
    ami.event(20, "GspnpFetched", waiting);
    assert_eq!(phone_row(asterisk, waiting)[5..7], ["fetched", "1005"]);
    let shown = ami.list("GspnpShowPhone", &[("MAC", waiting)], "GspnpPhonesComplete");
    assert_eq!((shown[0].get("State"), shown[0].get("Endpoint")), ("fetched", "1005"), "{shown:#?}");

    // A resync: the phone accepts the check-sync (after its challenge) and fetches again.
    ami.skip_backlog();
    let resync = ami.action("GspnpResync", &[("MAC", first)]);
    assert_eq!(resync.get("Response"), "Success", "{resync:?}");
    let result = ami.event(20, "GspnpResyncResult", first);
    assert_eq!(
        (result.get("Kind"), result.get("Outcome"), result.get("StatusCode")),
        ("resync", "accepted", "200"),
        "{result:?}"
    );
    assert!(result.get("Address").starts_with(&format!("{PHONE_IP}:")), "{result:?}");
    ami.event(20, "GspnpFetched", first);
    assert_eq!(phone_row(asterisk, first)[5..7], ["fetched", "1019"], "the fetch came last");

    // A reboot: the phone accepts it, boots again (SUBSCRIBE, NOTIFY) and fetches its file.
    ami.skip_backlog();
    let reboot = ami.action("GspnpResync", &[("MAC", second), ("Reboot", "yes")]);
    assert_eq!(reboot.get("Response"), "Success", "{reboot:?}");
    let result = ami.event(20, "GspnpResyncResult", second);
    assert_eq!((result.get("Kind"), result.get("Outcome")), ("reboot", "accepted"), "{result:?}");
    assert_eq!(ami.event(20, "GspnpNotified", second).get("Outcome"), "acknowledged", "booted again");
    ami.event(20, "GspnpFetched", second);
    assert_eq!(phone_row(asterisk, second)[5..7], ["fetched", "1020"]);
    // The CLI's `reboot` does the same, and the GUI sees it.
    ami.skip_backlog();
    let reboot = asterisk.cli(&format!("gspnp resync {first} reboot"));
    assert!(reboot.contains("Resync sent"), "{reboot}");
    assert_eq!(ami.event(20, "GspnpResyncResult", first).get("Kind"), "reboot");
    ami.event(20, "GspnpNotified", first);
    ami.event(20, "GspnpFetched", first);

    // Unbind, then forget: the CLI's listing follows.
    assert_eq!(ami.action("GspnpUnbind", &[("MAC", waiting)]).get("Response"), "Success");
    assert_eq!(phone_row(asterisk, waiting)[6], "(unbound)");
    assert!(asterisk.cli("gspnp show phone 000b82000015").contains("(unbound at run time)"));
    assert_eq!(ami.action("GspnpForget", &[("MAC", waiting)]).get("Response"), "Success");
    assert!(asterisk.cli("gspnp show phone 000b82000015").contains("No phone"));
    let forget_again = ami.action("GspnpForget", &[("MAC", waiting)]);
    assert!(forget_again.get("Message").contains("is not listed"), "{forget_again:?}");
    let listed = ami.list("GspnpShowPhones", &[], "GspnpPhonesComplete");
    let macs: Vec<&str> = listed.iter().map(|phone| phone.get("MAC")).collect();
    assert_eq!(macs.len(), 2, "{listed:#?}");
    assert!(macs.contains(&first) && macs.contains(&second), "{listed:#?}");

    // The actions follow the module through a reload, go with it and come back with it.
    asterisk.cli("module reload res_gspnp.so");
    assert_eq!(ami.list("GspnpShowPhones", &[], "GspnpPhonesComplete").len(), 2, "after a reload");
    assert!(asterisk.cli("module unload res_gspnp.so").contains("Unloaded"));
    let gone = ami.action("GspnpShowPhones", &[]);
    assert_eq!(gone.get("Response"), "Error", "no action without the module: {gone:?}");
    assert!(asterisk.cli("module load res_gspnp.so").contains("Loaded"));
    // A loaded module starts a new gspnp, which has heard no phone yet (see README).
    let back = ami.list("GspnpShowPhones", &[], "GspnpPhonesComplete");
    assert!(back.is_empty(), "{back:#?}");

    // What the phones saw: three provisioned, one check-sync done and two reboots.
    let summary = summary_of(phones);
    assert_eq!((count(&summary, "provisioned"), count(&summary, "registered")), (3, 3), "{summary:#}");
    let resyncs = &summary["resyncs"];
    assert_eq!(
        (count(resyncs, "done"), count(resyncs, "refused"), count(resyncs, "reboots"), count(resyncs, "refetched")),
        (3, 0, 2, 1),
        "{summary:#}"
    );

    // No password, token or URL ever went out over AMI.
    let token = asterisk.cli("database get gspnp/token 000b82000013");
    let token = token.split_whitespace().nth(1).expect("a token in astdb").to_string();
    for message in ami.transcript() {
        let text = format!("{message:?}");
        assert!(!text.contains("lab-pw-") && !text.contains(&token) && !text.contains("/gspnp/"), "{text}");
    }
}
