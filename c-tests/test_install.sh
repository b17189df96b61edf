#!/usr/bin/env bash
# Installs gspnp into a temporary DESTDIR, then builds and runs a small C program with
# nothing but `pkg-config gspnp` against that tree, dynamically and statically, and
# checks the installed names (soname link, development link). Usage: test_install.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=/usr
libdir=$prefix/lib/x86_64-linux-gnu

make -s -C "$root" install PROFILE="${PROFILE:-debug}" DESTDIR="$stage/root" PREFIX="$prefix" LIBDIR="$libdir" >/dev/null
lib="$stage/root$libdir"
[ "$(readlink "$lib/libgspnp.so")" = libgspnp.so.0 ]
[ -f "$lib/libgspnp.so.0.$(sed -n 's/^version = "[0-9]*\.\([0-9]*\)\..*"/\1/p' "$root/Cargo.toml" | head -n 1)" ]
readelf -d "$lib/libgspnp.so.0" | grep -q 'SONAME.*\[libgspnp.so.0\]'
# The shared library exports the C API and nothing else.
stray=$(nm -D --defined-only "$lib/libgspnp.so.0" | awk '{print $3}' | grep -v '^gspnp_' || true)
if [ -n "$stray" ]; then echo "exported symbols outside gspnp_: $stray" >&2; exit 1; fi

cat > "$stage/hello.c" <<'C'
#include <gspnp.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    gspnp_profile *profile = gspnp_profile_new();
    gspnp_rendered *rendered = NULL;
    gspnp_str name;
    int ok = gspnp_profile_set_account(profile, 1, GSPNP_ACCOUNT_USER_ID, "1001", 4) == GSPNP_STATUS_OK &&
             gspnp_render(profile, "GRP2614", 7, "000b82f55284", 12, 2, NULL, 0, &rendered) == GSPNP_STATUS_OK;
    name = gspnp_rendered_file_name(rendered);
    ok = ok && strcmp(gspnp_version(), GSPNP_VERSION_STRING) == 0 && name.len == 19;
    printf("%s %.*s\n", gspnp_version(), (int)name.len, name.data);
    gspnp_rendered_free(rendered);
    gspnp_profile_free(profile);
    return ok ? 0 : 1;
}
C
# The staged tree stands in for /: keep the -L/-I that pkg-config drops for system dirs.
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage/root" \
    PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
cc -std=c99 -Wall -Werror "$stage/hello.c" -o "$stage/hello" $(pkg-config --cflags --libs gspnp)
LD_LIBRARY_PATH="$lib" "$stage/hello"
readelf -d "$stage/hello" | grep -q 'NEEDED.*\[libgspnp.so.0\]'
cc -std=c99 -Wall -Werror -static-libgcc "$stage/hello.c" -o "$stage/hello-static" \
    $(pkg-config --cflags gspnp) "$lib/libgspnp.a" $(pkg-config --static --libs-only-l gspnp | sed 's/-lgspnp//')
"$stage/hello-static"
if readelf -d "$stage/hello-static" | grep -q 'libgspnp'; then echo "static build still needs libgspnp.so" >&2; exit 1; fi

# The Python package runs on the installed library.
GSPNP_LIBRARY="$lib/libgspnp.so.0" PYTHONPATH="$root/bindings/python" python3 -c \
    'import gspnp; assert gspnp.version() and gspnp.abi_version() == 1'

make -s -C "$root" uninstall DESTDIR="$stage/root" PREFIX="$prefix" LIBDIR="$libdir"
[ -z "$(find "$stage/root" -type f -o -type l)" ]
echo "test_install: ok"
