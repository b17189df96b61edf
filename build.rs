//! Generates the C header into OUT_DIR (the checked-in `include/gspnp.h` must equal it;
//! a test checks) and sets the shared library's soname.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("version");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("version");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("version");

    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/ffi");
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    config.after_includes = Some(format!(
        "\n#define GSPNP_VERSION_MAJOR {major}\n#define GSPNP_VERSION_MINOR {minor}\n#define GSPNP_VERSION_PATCH {patch}\n\
         #define GSPNP_VERSION_NUMBER (GSPNP_VERSION_MAJOR * 10000 + GSPNP_VERSION_MINOR * 100 + GSPNP_VERSION_PATCH)\n\
         #define GSPNP_VERSION_STRING \"{major}.{minor}.{patch}\""
    ));
    // cbindgen follows the `mod` items of src/ffi/mod.rs to the other files itself.
    for file in ffi_sources(&root.join("src/ffi")) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen could not read src/ffi")
        .write_to_file(out.join("gspnp.h"));

    // The soname follows cargo-c's rule for 0.x versions: libgspnp.so.0 until 1.0.
    let soname = if major == "0" { "libgspnp.so.0".to_string() } else { format!("libgspnp.so.{major}") };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // A PBX may dlclose() a module that loaded us; never unmap code that thread-local
    // destructors may still run.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}

/// The FFI sources, each a reason to generate the header again when it changes.
fn ffi_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("src/ffi exists")
        .map(|entry| entry.expect("readable src/ffi").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}
