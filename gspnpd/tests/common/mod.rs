//! What the end-to-end tests share: the binary, scratch folders, free loopback ports and
//! a daemon that is stopped (SIGTERM) or killed when the test ends.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// The gspnpd binary under test.
pub const GSPNPD: &str = env!("CARGO_BIN_EXE_gspnpd");

/// Runs gspnpd with `args` to completion (bounded by the command's own limits).
pub fn gspnpd(args: &[&str]) -> Output {
    Command::new(GSPNPD).args(args).output().expect("gspnpd runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder of its own for one test, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty folder named after `test` and this process.
    pub fn new(test: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("gspnpd-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Scratch(path)
    }

    /// Writes `contents` to `name` in the folder and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a scratch file");
        path
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A UDP and a TCP port that were free on 127.0.0.1 a moment ago.
pub fn free_ports() -> (u16, u16) {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    (udp, tcp)
}

/// A running `gspnpd run` (possibly behind `ip netns exec`, which execs it), its
/// standard error collected line by line.
pub struct Daemon {
    child: Option<Child>,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl Daemon {
    /// Starts `command` and waits (at most 15 s) for its `ready:` line.
    pub fn start(mut command: Command) -> Daemon {
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("gspnpd starts");
        let stderr = child.stderr.take().expect("piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let collected = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        let mut daemon = Daemon { child: Some(child), lines, reader: Some(reader) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while !daemon.log().iter().any(|line| line.contains(" info ready: ")) {
            let exited = daemon.child.as_mut().and_then(|child| child.try_wait().ok().flatten());
            assert!(exited.is_none() && Instant::now() < deadline, "gspnpd did not come up: {:#?}", daemon.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    /// The process id (of gspnpd itself: `ip netns exec` execs it).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Every line so far.
    pub fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Sends `signal`, waits (at most 10 s) for the exit, and returns the status and
    /// every line.
    pub fn stop_with(mut self, signal: Signal) -> (ExitStatus, Vec<String>) {
        let mut child = self.child.take().expect("running");
        kill(Pid::from_raw(child.id() as i32), signal).expect("signal sent");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("gspnpd did not stop on {signal}: {:#?}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status, self.log())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether `text` has a run of 32 or more hex digits: what a URL token looks like.
pub fn has_token_like_text(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit()).any(|run| run.len() >= 32)
}

/// Config tables: `[defaults]` with the registrar `sip_server`, and a
/// `[[default_profile]]` giving every Grandstream phone account 1001 with `password`.
pub fn default_profile_tables(sip_server: impl std::fmt::Display, password: &str) -> String {
    format!(
        r#"
[defaults]
sip_server = "{sip_server}"
[[default_profile]]
vendor = "Grandstream"
account = [{{ user = "1001", password = "{password}" }}]
"#
    )
}

/// `gspnpd ARGS` inside the network namespace `namespace` (`ip netns exec` execs it).
pub fn gspnpd_in(namespace: &str, args: &[&str]) -> Command {
    let mut command = Command::new("ip");
    command.args(["netns", "exec", namespace, GSPNPD]).args(args);
    command
}

/// Boots `phones` simulated phones (MACs from `mac_base`) against the SIP port `sip_port`
/// on 127.0.0.1, waiting at most `timeout` seconds; the simulator's JSON summary.
pub fn boot_phones(sip_port: u16, phones: usize, mac_base: &str, timeout: u32) -> serde_json::Value {
    boot_phones_by(Command::new(GSPNPD), &format!("127.0.0.1:{sip_port}"), phones, mac_base, timeout, &[])
}

/// Runs `gspnpd simulate` by `gspnpd` (the binary, or [`gspnpd_in`] a namespace with no
/// arguments yet): `phones` phones (MACs from `mac_base`) send their SUBSCRIBEs to
/// `target`, with `extra` options, for at most `timeout` seconds; the JSON summary. Each
/// call draws other SIP branches (a seed of its own), so that a second boot of a phone
/// is not taken for a retransmission of its first.
pub fn boot_phones_by(
    mut gspnpd: Command,
    target: &str,
    phones: usize,
    mac_base: &str,
    timeout: u32,
    extra: &[&str],
) -> serde_json::Value {
    static BOOTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let seed = BOOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string();
    let (phones, timeout) = (phones.to_string(), timeout.to_string());
    let output = gspnpd
        .args(["simulate", "--phones", &phones, "--target", target, "--mac-base", mac_base, "--json"])
        .args(["--timeout", &timeout, "--seed", &seed])
        .args(extra)
        .output()
        .expect("the simulator runs");
    serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|_| panic!("{}", stderr(&output)))
}
