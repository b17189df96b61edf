//! The test corpus, compiled in so that tests need nothing outside the crate:
//! verbatim copies of the reference captures (`testdata/captures/`, LF line
//! ends, a `# source:` first line) and the RFC 4475 torture messages
//! (`testdata/torture/`, bit-exact; `INDEX.md` there says what each one tests).

/// Capture name (file name without `.txt`) and its text as stored.
pub(crate) const CAPTURES: &[(&str, &str)] = &[
    ("audiocodes-440hd-provserver-notify", include_str!("testdata/captures/audiocodes-440hd-provserver-notify.txt")),
    ("grandstream-grp2612w-subscribe", include_str!("testdata/captures/grandstream-grp2612w-subscribe.txt")),
    ("gs-tools-gspnp-responder-200ok", include_str!("testdata/captures/gs-tools-gspnp-responder-200ok.txt")),
    ("gs-tools-gspnp-responder-notify", include_str!("testdata/captures/gs-tools-gspnp-responder-notify.txt")),
    ("snom-oem-subscribe", include_str!("testdata/captures/snom-oem-subscribe.txt")),
    ("snompnpd-200ok", include_str!("testdata/captures/snompnpd-200ok.txt")),
    ("snompnpd-notify", include_str!("testdata/captures/snompnpd-notify.txt")),
    ("yealink-w52p-subscribe", include_str!("testdata/captures/yealink-w52p-subscribe.txt")),
];

/// Includes `testdata/torture/<name>.dat` for each name.
macro_rules! torture_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("testdata/torture/", $name, ".dat")))),*]
    };
}

/// Torture message name (file name without `.dat`) and its bytes.
pub(crate) const TORTURE: &[(&str, &[u8])] = torture_files![
    "badaspec",
    "badbranch",
    "baddate",
    "baddn",
    "badinv01",
    "badvers",
    "bcast",
    "bext01",
    "bigcode",
    "clerr",
    "cparam01",
    "cparam02",
    "dblreq",
    "esc01",
    "esc02",
    "escnull",
    "escruri",
    "insuf",
    "intmeth",
    "inv2543",
    "invut",
    "longreq",
    "ltgtruri",
    "lwsdisp",
    "lwsruri",
    "lwsstart",
    "mcl01",
    "mismatch01",
    "mismatch02",
    "mpart01",
    "multi01",
    "ncl",
    "noreason",
    "novelsc",
    "quotbal",
    "regaut01",
    "regbadct",
    "regescrt",
    "scalar02",
    "scalarlg",
    "sdp01",
    "semiuri",
    "transports",
    "trws",
    "unkscm",
    "unksm2",
    "unreason",
    "wsinv",
    "zeromf",
];

/// The stored text of a capture.
fn capture_text(name: &str) -> &'static str {
    match CAPTURES.iter().find(|(capture, _)| *capture == name) {
        Some((_, text)) => text,
        None => panic!("no capture called {name}"),
    }
}

/// A capture as it went on the wire, with LF line ends: the `# source:` line
/// dropped, and the empty line that ends the header section restored where
/// the capture file leaves it out (messages without a body).
fn wire_text(name: &str) -> String {
    let text = capture_text(name);
    let message = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("# source:") => rest,
        _ => text,
    };
    let mut wire = message.to_owned();
    if !wire.contains("\n\n") {
        wire.push('\n');
    }
    wire
}

/// A capture as it went on the wire (see [`wire_text`]), with CRLF line ends.
pub(crate) fn capture(name: &str) -> Vec<u8> {
    wire_text(name).replace('\n', "\r\n").into_bytes()
}

/// A capture as [`capture`] gives it, but with bare LF line ends.
pub(crate) fn capture_lf(name: &str) -> Vec<u8> {
    wire_text(name).into_bytes()
}

/// The bytes of a torture message.
pub(crate) fn torture(name: &str) -> &'static [u8] {
    match TORTURE.iter().find(|(message, _)| *message == name) {
        Some((_, bytes)) => bytes,
        None => panic!("no torture message called {name}"),
    }
}
