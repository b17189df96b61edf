//! Wireshark (tshark) as a judge of what went over a link: a capture started before the
//! exchange and read back afterwards. Shared by the tests that want an independent
//! parser's verdict on gspnp's datagrams.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// tshark recording `interface` (in network namespace `netns`, or this one) into a
/// pcapng file until [`Capture::finish`]; killed on drop.
pub struct Capture {
    child: Child,
    file: PathBuf,
}

impl Capture {
    /// Starts tshark with capture filter `filter` and returns once it records; panics
    /// when tshark is missing or does not start within 20 s.
    pub fn start(netns: Option<&str>, interface: &str, filter: &str) -> Capture {
        static CAPTURES: AtomicU32 = AtomicU32::new(0);
        let file = std::env::temp_dir().join(format!(
            "gspnp-capture-{}-{}.pcapng",
            std::process::id(),
            CAPTURES.fetch_add(1, Ordering::Relaxed)
        ));
        let mut command = match netns {
            Some(name) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", name, "tshark"]);
                command
            }
            None => Command::new("tshark"),
        };
        let mut child = command
            .args(["-q", "-i", interface, "-f", filter, "-w"])
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
            match stderr.read(&mut byte) {
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

    /// Returns once the capture holds a packet: tshark says it captures a little
    /// before it does, so `probe` (which sends one datagram the filter matches) is called
    /// every 100 ms until the file grows. Panics after 10 s.
    pub fn wait_until_recording(&self, mut probe: impl FnMut()) {
        let size = || std::fs::metadata(&self.file).map(|m| m.len()).unwrap_or(0);
        let empty = size();
        let deadline = Instant::now() + Duration::from_secs(10);
        while size() == empty {
            assert!(Instant::now() < deadline, "tshark recorded nothing in 10 s");
            probe();
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the capture (SIGINT, so tshark flushes) and returns the file.
    pub fn finish(mut self) -> PathBuf {
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

/// tshark's output reading `file` with `args`; panics when tshark fails.
pub fn read(file: &Path, args: &[&str]) -> String {
    let output = Command::new("tshark").arg("-r").arg(file).args(args).output().expect("tshark");
    assert!(output.status.success(), "tshark {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The packets of `file` Wireshark marks malformed or with expert information of
/// severity `severity` ("Warn", "Error") or worse, one line each: empty when clean.
pub fn flagged(file: &Path, severity: &str) -> String {
    read(file, &["-Y", &format!("_ws.malformed || _ws.expert.severity >= \"{severity}\"")])
}

/// The SIP fields `fields` (tshark names such as `sip.Method`) of every SIP packet in
/// `file`, one row per packet.
pub fn sip_rows(file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["-Y", "sip", "-T", "fields", "-E", "separator=|"];
    for field in fields {
        args.extend(["-e", field]);
    }
    read(file, &args).lines().map(|line| line.split('|').map(str::to_owned).collect()).collect()
}
