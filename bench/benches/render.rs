//! Rendering the file of a GRP2614 with 4 accounts and 16 keys, in both formats, and in
//! v2 with raw settings (one replacing a derived value, one the table does not know).

use criterion::{criterion_group, criterion_main, Criterion};
use gspnp::provision::{render, Format, Target};
use std::hint::black_box;

fn rendering(c: &mut Criterion) {
    let profile = gspnp_bench::grp2614_profile();
    let mut with_raw = profile.clone();
    with_raw.set_raw("account.1.sip.subscriber.name", "Front desk").expect("a known alias");
    with_raw.set_raw("call.dnd.enable", "No").expect("a plausible alias");
    let mac = "000b82f55284".parse().expect("a MAC");
    let cases = [
        ("render_grp2614_v1", Format::V1, &profile, 0),
        ("render_grp2614_v2", Format::V2, &profile, 0),
        ("render_grp2614_v2_raw", Format::V2, &with_raw, 2),
    ];
    for (name, format, profile, warnings) in cases {
        let target = Target::new(mac, "GRP2614", format)
            .and_then(|t| t.with_provisioning_url("https://192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef/"))
            .expect("a target");
        assert_eq!(render(profile, &target).expect("renders").warnings.len(), warnings);
        c.bench_function(name, |b| b.iter(|| black_box(render(black_box(profile), &target).expect("renders"))));
    }
}

criterion_group!(benches, rendering);
criterion_main!(benches);
