//! gspnp's SIP parser against rsip on the same messages: the seed SUBSCRIBE, the
//! captured SUBSCRIBEs of other vendors, and a phone's 200 to a NOTIFY.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const YEALINK: &str = "SUBSCRIBE sip:MAC001565f4f9e1@224.0.1.75 SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.3.239:5059;branch=z9hG4bK1536537630\r\nFrom: <sip:MAC001565f4f9e1@224.0.1.75>;tag=1536537630\r\nTo: <sip:MAC001565f4f9e1@224.0.1.75>\r\nCall-ID: 1536537630@10.1.3.239\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:MAC001565f4f9e1@10.1.3.239:5059>\r\nMax-Forwards: 70\r\nUser-Agent: Yealink W52P 25.81.0.10\r\nExpires: 0\r\nEvent: ua-profile;profile-type=\"device\";vendor=\"yealink\";model=\"W52P\";version=\"25.81.0.10\"\r\nAccept: application/url\r\nContent-Length: 0\r\n\r\n";
const SNOM: &str = "SUBSCRIBE sip:MAC%3a00135E874B49@intern.snom.de SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.10.67:5060;rport\r\nFrom: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961\r\nTo: <sip:MAC%3a00135E874B49@intern.snom.de>\r\nCall-ID: 1930770594@192.168.10.67\r\nCSeq: 1 SUBSCRIBE\r\nEvent: ua-profile;profile-type=\"device\";vendor=\"OEM\";model=\"OEM\";version=\"7.1.19\"\r\nExpires: 0\r\nAccept: application/url\r\nContact: <sip:192.168.10.67:5060>\r\nContent-Length: 0\r\n\r\n";
const OK_TO_NOTIFY: &str = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.168.5.110:5060;branch=z9hG4bK5d2c7a9e01f3b4c8;rport=5060\r\nFrom: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=8f3a1c2b9d4e5f60\r\nTo: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=1990948743\r\nCall-ID: 1848599395-5080-1@BJC.BGI.F.BHF\r\nCSeq: 1 NOTIFY\r\nUser-Agent: Grandstream GRP2614 1.0.0.31\r\nContent-Length: 0\r\n\r\n";

fn parsers(c: &mut Criterion) {
    let seed = String::from_utf8(gspnp_bench::subscribe(0x_f55284)).expect("ASCII");
    let messages = [
        ("seed_subscribe", seed.as_str()),
        ("yealink_subscribe", YEALINK),
        ("snom_subscribe", SNOM),
        ("ok_to_notify", OK_TO_NOTIFY),
    ];
    let mut group = c.benchmark_group("parse");
    for (name, message) in messages {
        assert!(gspnp::sip::parse(message.as_bytes()).is_ok(), "gspnp parses {name}");
        assert!(rsip::SipMessage::try_from(message).is_ok(), "rsip parses {name}");
        group.throughput(Throughput::Bytes(message.len() as u64));
        group.bench_with_input(BenchmarkId::new("gspnp", name), message, |b, m| {
            b.iter(|| {
                let parsed = gspnp::sip::parse(black_box(m.as_bytes())).expect("parses");
                // Touch what the engine reads, so neither side is credited for laziness.
                let touched = (
                    parsed.call_id().map(|c| c.len()),
                    parsed.vias().count(),
                    parsed.from().map(|f| f.raw.len()),
                    parsed.event().map(|e| e.raw.len()),
                );
                black_box(touched)
            })
        });
        group.bench_with_input(BenchmarkId::new("rsip", name), message, |b, m| {
            b.iter(|| black_box(rsip::SipMessage::try_from(black_box(m)).expect("parses")))
        });
    }
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
