//! Hold-and-bind against a real gspnpd on loopback, with a hand-driven phone (one UDP
//! socket speaking SIP, one HTTP GET per file): with `[admin] bootstrap` a phone nobody
//! assigned gets a file without secrets at once; assigned later, it gets its real file
//! by a NOTIFY outside any dialog while the daemon remembers it, by a check-sync after a
//! restart. With `[admin] window_minutes` a new phone is not answered until an admin
//! opens the window; a declared phone always is.

mod admin_client;
mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use admin_client::{admin, config};
use common::{free_ports, Daemon, Scratch, GSPNPD};
use nix::sys::signal::Signal;

const SECRET: &str = "phone-admin-secret-77";

/// A phone driven by the test.
struct Phone {
    socket: UdpSocket,
    mac: String,
    sip: u16,
    cseq: std::cell::Cell<u32>,
}

impl Phone {
    fn new(sip: u16, mac: &str) -> Phone {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        Phone { socket, mac: mac.to_owned(), sip, cseq: std::cell::Cell::new(1) }
    }

    /// Sends a SUBSCRIBE of its boot (same Call-ID, next CSeq, new branch).
    fn subscribe(&self) {
        let (mac, port, cseq) = (&self.mac, self.socket.local_addr().unwrap().port(), self.cseq.get());
        self.cseq.set(cseq + 1);
        let message = format!(
            "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{mac}{cseq};rport\r\nFrom: <sip:MAC%3A{mac}@224.0.1.75>;tag=t{mac}\r\nTo: <sip:MAC%3A{mac}@224.0.1.75>\r\nCall-ID: boot-{mac}@127.0.0.1\r\nCSeq: {cseq} SUBSCRIBE\r\nContact: <sip:127.0.0.1:{port}>\r\nMax-Forwards: 70\r\nUser-Agent: Grandstream GRP2614 1.0.5.15\r\nExpires: 0\r\nEvent: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.5.15\"\r\nAccept: application/url\r\nContent-Length: 0\r\n\r\n"
        );
        self.socket.send_to(message.as_bytes(), ("127.0.0.1", self.sip)).unwrap();
    }

    /// The next datagram within `wait`.
    fn receive(&self, wait: Duration) -> Option<String> {
        self.socket.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = [0u8; 65_536];
        let (length, _) = self.socket.recv_from(&mut buffer).ok()?;
        Some(String::from_utf8_lossy(&buffer[..length]).into_owned())
    }

    /// The next NOTIFY within `wait` (answered 200); other datagrams are skipped.
    fn notify(&self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let message = self.receive(left)?;
            if message.starts_with("NOTIFY ") {
                self.answer_ok(&message);
                return Some(message);
            }
        }
        None
    }

    /// Answers `request` 200, echoing its Via, From, To, Call-ID and CSeq.
    fn answer_ok(&self, request: &str) {
        let mut answer = String::from("SIP/2.0 200 OK\r\n");
        for line in request.split("\r\n").take_while(|line| !line.is_empty()) {
            let name = line.split(':').next().unwrap_or_default().to_ascii_lowercase();
            if ["via", "from", "call-id", "cseq"].contains(&name.as_str()) {
                answer.push_str(&format!("{line}\r\n"));
            } else if name == "to" {
                answer.push_str(&format!("{line}{}\r\n", if line.contains("tag=") { "" } else { ";tag=p1" }));
            }
        }
        answer.push_str("Content-Length: 0\r\n\r\n");
        self.socket.send_to(answer.as_bytes(), ("127.0.0.1", self.sip)).unwrap();
    }

    /// GET of its file below the folder `url`: status and body.
    fn fetch(&self, url: &str) -> (u16, String) {
        let rest = url.trim().strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = TcpStream::connect(authority).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(stream, "GET {path}cfg{}.xml HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n", self.mac)
            .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        (status, response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default())
    }
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn body(message: &str) -> &str {
    message.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

/// A config with `[defaults]` NTP, language and a phone admin password (a secret), and
/// `admin_extra` appended to `[admin]`.
fn start_config(scratch: &Scratch, admin_extra: &str) -> (std::path::PathBuf, u16, u16) {
    let (sip, http) = free_ports();
    let (_, admin_port) = free_ports();
    let store = scratch.path().join("store.sqlite");
    let text = config(sip, http, admin_port, store.to_str().unwrap(), admin_extra).replace(
        "[defaults]\n",
        &format!("[defaults]\nntp_server = \"ntp.lab.example\"\nlanguage = \"de\"\nadmin_password = \"{SECRET}\"\n"),
    );
    (scratch.write("gspnpd.toml", text), sip, admin_port)
}

fn run(file: &std::path::Path) -> Daemon {
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", file.to_str().unwrap()]);
    Daemon::start(command)
}

const PROFILE: &str = r#"{"account": [{"user": "1001", "password": "sip-pw-6101"}]}"#;

/// Boots `phone` until it is notified; the URL it was told and the file behind it.
fn bootstrapped(phone: &Phone) -> (String, String) {
    phone.subscribe();
    let notify = phone.notify(Duration::from_secs(5)).expect("a NOTIFY for the bootstrap file");
    let url = body(&notify).trim().to_owned();
    let (status, file) = phone.fetch(&url);
    assert_eq!(status, 200, "{url}");
    (url, file)
}

#[test]
fn an_unassigned_phone_gets_a_bootstrap_file_without_secrets_then_its_real_file_by_notify_once_assigned() {
    let scratch = Scratch::new("hold-bind-bootstrap");
    let (file, sip, port) = start_config(&scratch, "bootstrap = true\n");
    let daemon = run(&file);
    let phone = Phone::new(sip, "000b82540001");
    let (url, bootstrap) = bootstrapped(&phone);
    assert!(bootstrap.contains("ntp.lab.example"), "{bootstrap}");
    assert!(bootstrap.contains("<P1414>1</P1414>"), "Plug and Play stays on: {bootstrap}");
    assert!(!bootstrap.contains(SECRET) && !bootstrap.contains("<P35>"), "no secret, no account: {bootstrap}");
    let shown = admin(port, "GET", "/api/phones/000b82540001", None).json();
    assert_eq!((shown["phone"]["state"].as_str(), &shown["assignment"]), (Some("fetched"), &serde_json::Value::Null));
    assert_eq!(admin(port, "POST", "/api/window", Some(r#"{"open": true}"#)).status, 409, "no window configured");

    assert_eq!(admin(port, "PUT", "/api/phones/000b82540001", Some(PROFILE)).status, 200);
    let notify = phone.notify(Duration::from_secs(5)).expect("a NOTIFY with the real file");
    assert_ne!(header(&notify, "Call-ID"), Some("boot-000b82540001@127.0.0.1"), "outside any dialog: {notify}");
    assert!(header(&notify, "Event").is_some_and(|event| event.starts_with("ua-profile")), "{notify}");
    assert_eq!(body(&notify).trim(), url, "the same URL (token) as the bootstrap file");
    let (status, real) = phone.fetch(&url);
    assert_eq!(status, 200);
    assert!(real.contains("1001") && real.contains("sip-pw-6101"), "{real}");
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
    assert!(
        log.iter().any(|line| line.contains("000b82540001: assigned by admin (basic); its file goes out in a NOTIFY")),
        "{log:#?}"
    );
}

#[test]
fn a_phone_assigned_after_a_restart_is_sent_a_check_sync_and_fetches_its_real_file() {
    let scratch = Scratch::new("hold-bind-restart");
    let (file, sip, port) = start_config(&scratch, "bootstrap = true\n");
    let phone = Phone::new(sip, "000b82540002");
    let daemon = run(&file);
    let (url, _) = bootstrapped(&phone);
    let (status, _) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success());

    let daemon = run(&file);
    assert_eq!(admin(port, "PUT", "/api/phones/000b82540002", Some(PROFILE)).status, 200);
    let notify = phone.notify(Duration::from_secs(5)).expect("a check-sync");
    assert_eq!(header(&notify, "Event"), Some("check-sync"), "{notify}");
    let (status, real) = phone.fetch(&url);
    assert_eq!(status, 200, "the URL the phone keeps serves its real file");
    assert!(real.contains("sip-pw-6101"), "{real}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !admin(port, "GET", "/api/phones/000b82540002", None).body.contains("check-sync to 127.0.0.1") {
        assert!(Instant::now() < deadline, "the check-sync's outcome is in the history: {:#?}", daemon.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(admin(port, "GET", "/api/phones/000b82540002", None).body.contains("accepted (200)"));
}

#[test]
fn with_the_window_closed_a_new_phone_is_not_answered_until_an_admin_opens_it() {
    let scratch = Scratch::new("hold-bind-window");
    let declared = "[[phone]]\nmac = \"000b82540009\"\n[[phone.account]]\nuser = \"1009\"\n";
    let (file, sip, port) = start_config(&scratch, &format!("bootstrap = true\nwindow_minutes = 5\n{declared}"));
    let daemon = run(&file);
    let window = admin(port, "GET", "/api/window", None).json();
    assert_eq!((window["configured"].as_bool(), window["open"].as_bool()), (Some(true), Some(false)), "{window}");

    let new_phone = Phone::new(sip, "000b82540003");
    new_phone.subscribe();
    assert_eq!(new_phone.receive(Duration::from_millis(1500)), None, "no answer while the window is closed");
    let declared_phone = Phone::new(sip, "000b82540009");
    declared_phone.subscribe();
    assert!(declared_phone.notify(Duration::from_secs(5)).is_some(), "a declared phone is always answered");

    // A phone an admin assigned ahead is no new phone, also after a reload (SIGHUP).
    assert_eq!(admin(port, "PUT", "/api/phones/000b82540004", Some(PROFILE)).status, 200);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.pid() as i32), Signal::SIGHUP).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !daemon.log().iter().any(|line| line.contains(" reloaded ")) {
        assert!(Instant::now() < deadline, "{:#?}", daemon.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let assigned_phone = Phone::new(sip, "000b82540004");
    assigned_phone.subscribe();
    let notify = assigned_phone.notify(Duration::from_secs(5)).expect("an assigned phone is answered, window closed");
    assert!(assigned_phone.fetch(body(&notify)).1.contains("sip-pw-6101"));

    let opened = admin(port, "POST", "/api/window", Some(r#"{"open": true}"#));
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.json()["open"], true);
    assert!(opened.json()["remaining_s"].as_u64().is_some_and(|left| (290..=300).contains(&left)), "{}", opened.body);
    new_phone.subscribe();
    let notify = new_phone.notify(Duration::from_secs(5)).expect("answered once the window is open");
    assert_eq!(new_phone.fetch(body(&notify)).0, 200);

    assert_eq!(admin(port, "POST", "/api/window", Some(r#"{"open": false}"#)).json()["open"], false);
    assert_eq!(admin(port, "POST", "/api/window", Some(r#"{"opne": true}"#)).status, 422);
    let audit = admin(port, "GET", "/api/audit", None).json();
    let actions: Vec<&str> =
        audit["audit"].as_array().unwrap().iter().filter_map(|entry| entry["action"].as_str()).collect();
    assert_eq!(actions, ["close window", "open window", "assign"], "{audit}");
    drop(daemon);
}
