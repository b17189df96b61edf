#!/usr/bin/env bash
# Builds the Debian packages from a clean export of the tree, offline (crates from a
# `cargo vendor` directory made just before, never committed), checks them with
# lintian, installs them, runs `gspnpd --version`, imports the Python package against
# the installed library, builds a C program with pkg-config, and removes them again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
packages=(libgspnp0 libgspnp-dev gspnpd python3-gspnp)
cleanup() {
    dpkg -r "${packages[@]}" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/gspnp"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar cf -) | tar xf - -C "$work/gspnp"
cd "$work/gspnp"
cargo vendor --quiet --versioned-dirs debian/vendor >/dev/null
dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
cd "$work"
lintian --fail-on error --suppress-tags no-manual-page ./*.changes
dpkg -i ./libgspnp0_*.deb ./libgspnp-dev_*.deb ./gspnpd_*.deb ./python3-gspnp_*.deb >/dev/null
gspnpd --version
/usr/bin/python3 -c 'import gspnp; assert gspnp.abi_version() == 1; print("python3-gspnp", gspnp.version())'
printf '#include <gspnp.h>\n#include <stdio.h>\nint main(void){puts(gspnp_version());return 0;}\n' > hello.c
cc hello.c -o hello $(pkg-config --cflags --libs gspnp) && ./hello
echo "deb-test: ok"
