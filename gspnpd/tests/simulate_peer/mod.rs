//! A scripted PnP server on 127.0.0.1 for the simulator's end-to-end tests, written
//! here (not with gspnp) so that it only does what a test says: it answers a phone's
//! SUBSCRIBE, NOTIFYs it a URL, serves one config file over HTTP (counting fetches),
//! and sends and receives whatever SIP the test scripts. Every wait is bounded.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use md5::Md5;
use sha2::{Digest, Sha256};

/// The gspnpd binary under test.
pub const GSPNPD: &str = env!("CARGO_BIN_EXE_gspnpd");
/// The simulated phone's MAC (the simulator's default --mac-base).
pub const MAC: &str = "000b82000001";
/// How long any one wait lasts at most.
const WAIT: Duration = Duration::from_secs(10);

/// Account 1 of a Grandstream v1 file: user 1001, `password`, SIP server `server`.
pub fn config_file(password: &str, server: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gs_provision version=\"1\"><mac>{MAC}</mac><config version=\"1\">\
         <P35>1001</P35><P36>1001</P36><P34>{password}</P34><P47>{server}</P47></config></gs_provision>\n"
    )
}

/// The scripted server.
pub struct Peer {
    /// Its SIP socket.
    pub sip: UdpSocket,
    /// Its HTTP port.
    pub http_port: u16,
    fetches: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    http: Option<JoinHandle<()>>,
}

impl Peer {
    /// Starts the HTTP side serving `file` for every GET.
    pub fn start(file: String) -> Peer {
        let sip = UdpSocket::bind("127.0.0.1:0").unwrap();
        sip.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let http_port = listener.local_addr().unwrap().port();
        let (fetches, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (seen, stopped) = (fetches.clone(), stop.clone());
        let http = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 && stream.read(&mut byte).is_ok_and(|n| n == 1)
                {
                    head.push(byte[0]);
                }
                let path = String::from_utf8_lossy(&head).split(' ').nth(1).unwrap_or_default().to_owned();
                seen.lock().unwrap().push(path);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{file}",
                    file.len()
                );
            }
        });
        Peer { sip, http_port, fetches, stop, http: Some(http) }
    }

    /// Where the simulator sends its SUBSCRIBEs.
    pub fn target(&self) -> String {
        self.sip.local_addr().unwrap().to_string()
    }

    /// The paths fetched so far.
    pub fn fetches(&self) -> Vec<String> {
        self.fetches.lock().unwrap().clone()
    }

    /// Waits until `count` files were fetched.
    pub fn wait_for_fetches(&self, count: usize) {
        let deadline = Instant::now() + WAIT;
        while self.fetches().len() < count {
            assert!(Instant::now() < deadline, "{count} fetches expected, saw {:?}", self.fetches());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `text` (LF line ends become CRLF) to `to`.
    pub fn send(&self, text: &str, to: SocketAddr) {
        self.sip.send_to(text.as_bytes(), to).unwrap();
    }

    /// The next datagram whose first line starts with `start` (`SUBSCRIBE`, `SIP/2.0 401`),
    /// skipping others; panics after a while.
    pub fn expect(&self, start: &str) -> (String, SocketAddr) {
        let deadline = Instant::now() + WAIT;
        let mut buffer = [0u8; 65536];
        let mut skipped = Vec::new();
        while Instant::now() < deadline {
            if let Ok((length, from)) = self.sip.recv_from(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
                if text.starts_with(start) {
                    return (text, from);
                }
                skipped.push(text);
            }
        }
        panic!("no {start:?} came; saw {skipped:#?}");
    }

    /// Sends `text` to `to` every half second (a UDP retransmission, at most 20 times)
    /// until a datagram starting with `start` comes back, and returns it.
    pub fn send_until(&self, text: &str, to: SocketAddr, start: &str) -> String {
        let mut buffer = [0u8; 65536];
        for _ in 0..20 {
            self.send(text, to);
            let deadline = Instant::now() + Duration::from_millis(500);
            while Instant::now() < deadline {
                if let Ok((length, _)) = self.sip.recv_from(&mut buffer) {
                    let answer = String::from_utf8_lossy(&buffer[..length]).into_owned();
                    if answer.starts_with(start) {
                        return answer;
                    }
                }
            }
        }
        panic!("no {start:?} to {text}");
    }

    /// Plays the PnP server for one boot: answers the SUBSCRIBE 200, sends the NOTIFY
    /// with this peer's URL, takes the 200, and waits for the fetch number `fetches`.
    /// Returns the SUBSCRIBE and the phone's address.
    pub fn provision(&self, fetches: usize) -> (String, SocketAddr) {
        let (subscribe, phone) = self.expect("SUBSCRIBE ");
        self.send(&answer(&subscribe, "200 OK", ""), phone);
        let url = format!("http://127.0.0.1:{}/p/", self.http_port);
        let notify = format!(
            "NOTIFY sip:{phone} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKpnp{fetches}\r\n\
             From: {to};tag=srv\r\nTo: {from}\r\nCall-ID: {call_id}\r\nCSeq: 1 NOTIFY\r\n\
             Event: ua-profile\r\nContent-Type: application/url\r\nContent-Length: {length}\r\n\r\n{url}",
            me = self.target(),
            to = header(&subscribe, "To").unwrap(),
            from = header(&subscribe, "From").unwrap(),
            call_id = header(&subscribe, "Call-ID").unwrap(),
            length = url.len(),
        );
        self.send(&notify, phone);
        self.expect("SIP/2.0 200");
        self.wait_for_fetches(fetches);
        // The phone has the file once its download thread hands it over and it is
        // checked; a check-sync before that is rightly refused (no credentials yet).
        std::thread::sleep(Duration::from_millis(300));
        (subscribe, phone)
    }

    /// An out-of-dialog resync NOTIFY (`event`) to `phone`, on Call-ID `call_id`, CSeq
    /// `cseq`, with this branch and Authorization header value, if any.
    pub fn resync_notify(
        &self,
        phone: SocketAddr,
        event: &str,
        call_id: &str,
        cseq: u32,
        authorization: Option<&str>,
    ) -> String {
        let authorization = authorization.map(|value| format!("Authorization: {value}\r\n")).unwrap_or_default();
        format!(
            "NOTIFY {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{call_id}{cseq}\r\nMax-Forwards: 70\r\n\
             From: <sip:pbx@127.0.0.1>;tag=pbx{cseq}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} NOTIFY\r\n\
             Event: {event}\r\nSubscription-State: terminated\r\n{authorization}Content-Length: 0\r\n\r\n",
            uri = notify_uri(phone),
            me = self.target(),
        )
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
    }
}

/// The Request-URI of a resync NOTIFY to `phone`.
pub fn notify_uri(phone: SocketAddr) -> String {
    format!("sip:1001@{phone}")
}

/// The first header `name` of a message.
pub fn header(text: &str, name: &str) -> Option<String> {
    let head = text.split("\r\n\r\n").next()?;
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// An answer to `request` with status `status`, To tagged, and `extra` header lines.
pub fn answer(request: &str, status: &str, extra: &str) -> String {
    let mut out = format!("SIP/2.0 {status}\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        let value = header(request, name).unwrap();
        let tag = if name == "To" && !value.contains(";tag=") { ";tag=peer" } else { "" };
        out.push_str(&format!("{name}: {value}{tag}\r\n"));
    }
    out.push_str(extra);
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

/// The parameters of a digest header value (test-grade reading of what we write).
pub fn digest_parameters(value: &str) -> Vec<(String, String)> {
    let rest = value.strip_prefix("Digest ").expect("a Digest value");
    rest.split(',')
        .filter_map(|part| part.trim().split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().trim_matches('"').to_owned()))
        .collect()
}

/// One parameter.
pub fn parameter<'a>(parameters: &'a [(String, String)], name: &str) -> Option<&'a str> {
    parameters.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

fn hex(algorithm: &str, text: &str) -> String {
    match algorithm {
        "SHA-256" => format!("{:x}", Sha256::digest(text.as_bytes())),
        _ => format!("{:x}", Md5::digest(text.as_bytes())),
    }
}

/// The `Authorization` value answering `challenge` for `method` `uri` as `user`/`password`.
pub fn authorize(challenge: &str, method: &str, uri: &str, user: &str, password: &str) -> String {
    let parameters = digest_parameters(challenge);
    let get = |name| parameter(&parameters, name);
    let (realm, nonce) = (get("realm").unwrap(), get("nonce").unwrap());
    let algorithm = get("algorithm").unwrap_or("MD5");
    let ha1 = hex(algorithm, &format!("{user}:{realm}:{password}"));
    let ha2 = hex(algorithm, &format!("{method}:{uri}"));
    let mut value = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm={algorithm}"
    );
    let response = if get("qop").is_some() {
        value.push_str(", qop=auth, nc=00000001, cnonce=\"peer-cnonce\"");
        hex(algorithm, &format!("{ha1}:{nonce}:00000001:peer-cnonce:auth:{ha2}"))
    } else {
        hex(algorithm, &format!("{ha1}:{nonce}:{ha2}"))
    };
    value.push_str(&format!(", response=\"{response}\""));
    if let Some(opaque) = get("opaque") {
        value.push_str(&format!(", opaque=\"{opaque}\""));
    }
    value
}

/// Whether `authorization` is right for `password`, as a registrar checks it.
pub fn is_right(authorization: &str, method: &str, password: &str) -> bool {
    let parameters = digest_parameters(authorization);
    let get = |name| parameter(&parameters, name).unwrap_or_default();
    let algorithm = parameter(&parameters, "algorithm").unwrap_or("MD5");
    let ha1 = hex(algorithm, &format!("{}:{}:{password}", get("username"), get("realm")));
    let ha2 = hex(algorithm, &format!("{method}:{}", get("uri")));
    let expected = match parameter(&parameters, "qop") {
        Some(_) => hex(algorithm, &format!("{ha1}:{}:{}:{}:auth:{ha2}", get("nonce"), get("nc"), get("cnonce"))),
        None => hex(algorithm, &format!("{ha1}:{}:{ha2}", get("nonce"))),
    };
    expected == get("response")
}

/// Starts `gspnpd simulate` with `args` (one phone, JSON summary).
pub fn simulate(target: &str, args: &[&str]) -> Child {
    Command::new(GSPNPD)
        .args(["simulate", "--phones", "1", "--target", target, "--json", "--timeout", "30", "--interval", "200"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gspnpd runs")
}

/// Waits (at most 40 s) for the simulator and returns its exit code and summary.
pub fn summary(mut child: Child) -> (Option<i32>, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(text.trim())
        .unwrap_or_else(|_| panic!("{text}\n{}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code(), json)
}
