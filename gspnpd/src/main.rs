//! gspnpd: the standalone host of the gspnp library. Being written.

fn main() {
    println!("gspnpd {}", gspnp::VERSION);
}
