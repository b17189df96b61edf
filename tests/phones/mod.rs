//! What a simulated GRP26xx sends, and waiting for what it causes, shared by the
//! integration tests.

use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use gspnp::sip::{self, HeaderName};

/// A GRP2614-style ua-profile SUBSCRIBE from `from` for `mac` (upper-case hex); its
/// Call-ID is `<branch>@<ip>`.
pub fn subscribe_text(mac: &str, from: SocketAddrV4, branch: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {from};branch={branch};rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: {branch}@{ip}\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:{from}>\r\n\
         User-Agent: Grandstream GRP2614 1.0.0.31\r\n\
         Expires: 0\r\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n\
         Accept: application/url\r\n\
         Content-Length: 0\r\n\r\n",
        ip = from.ip()
    )
}

/// The phone's answer to a NOTIFY: `code`, with its Via, From, To, Call-ID and CSeq.
pub fn answer_to(notify: &[u8], code: u16) -> Vec<u8> {
    let message = sip::parse(notify).unwrap();
    let mut text = format!("SIP/2.0 {code} OK\r\n");
    for name in [HeaderName::Via, HeaderName::From, HeaderName::To, HeaderName::CallId, HeaderName::CSeq] {
        text += &format!("{name}: {}\r\n", message.header(name).unwrap());
    }
    text += "Content-Length: 0\r\n\r\n";
    text.into_bytes()
}

/// Waits until `condition` holds, up to `within` (polled every 10 ms); whether it did.
pub fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    condition()
}
