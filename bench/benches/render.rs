//! Rendering the file of a GRP2614 with 4 accounts and 16 keys, in both formats.

use criterion::{criterion_group, criterion_main, Criterion};
use gspnp::provision::{render, Format, Target};
use std::hint::black_box;

fn rendering(c: &mut Criterion) {
    let profile = gspnp_bench::grp2614_profile();
    let mac = "000b82f55284".parse().expect("a MAC");
    for (name, format) in [("render_grp2614_v1", Format::V1), ("render_grp2614_v2", Format::V2)] {
        let target = Target::new(mac, "GRP2614", format)
            .and_then(|t| t.with_provisioning_url("https://192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef/"))
            .expect("a target");
        assert!(render(&profile, &target).expect("renders").warnings.is_empty());
        c.bench_function(name, |b| b.iter(|| black_box(render(black_box(&profile), &target).expect("renders"))));
    }
}

criterion_group!(benches, rendering);
criterion_main!(benches);
