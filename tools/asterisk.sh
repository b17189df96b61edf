#!/usr/bin/env bash
# Prepares an Asterisk 22 to build and test res_gspnp against, offline:
#   1. ../shared/asterisk/build-asterisk.sh builds and installs Asterisk 22.10.1 with its
#      bundled pjproject into PREFIX (default /opt/asterisk-22.10.1; reused when present);
#   2. the headers of that bundled pjproject, configured as Asterisk configures them, go to
#      PREFIX/include/pjproject (Asterisk's `make install-headers` does not install them, and
#      res_gspnp is a pjsip module: res_pjsip.h includes pjsip.h).
#
#   tools/asterisk.sh [PREFIX]     # prints the prefix on its last line
#
# Needs root for apt-get when build dependencies are missing. Idempotent: each step is
# skipped when its stamp file says it is done.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${ASTERISK_SOURCES:-$HERE/../shared/asterisk}
[ -d "$SHARED" ] || SHARED=/work/shared/asterisk
PREFIX=$("$SHARED/build-asterisk.sh" "$@" | tail -n 1)

PJ_STAMP="pjproject-2.17 headers as bundled by asterisk-22.10.1 v1"
PJ_DIR="$PREFIX/include/pjproject"
if [ -f "$PJ_DIR/.built-by" ] && [ "$(cat "$PJ_DIR/.built-by")" = "$PJ_STAMP" ]; then
    echo "$PREFIX"; exit 0
fi
log() { echo "asterisk.sh: $*" >&2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
log "pjproject headers -> $PJ_DIR"
tar -xzf "$SHARED/asterisk-22.10.1.tar.gz" -C "$WORK" asterisk-22.10.1/third-party/pjproject
BUNDLE="$WORK/asterisk-22.10.1/third-party/pjproject"
mkdir "$WORK/pj"
tar -xjf "$SHARED/pjproject-2.17.tar.bz2" -C "$WORK/pj" --strip-components=1
for p in "$BUNDLE"/patches/*.patch; do patch -s -d "$WORK/pj" -p1 < "$p"; done
cp "$BUNDLE"/patches/*.h "$WORK/pj/pjlib/include/pj/"
cp "$BUNDLE/patches/user.mak" "$WORK/pj/"
# The options of third-party/pjproject/Makefile.rules (non-devmode, Linux): the generated
# os_auto.h/m_auto.h must match the pjproject Asterisk was linked with.
( cd "$WORK/pj" && ./aconfigure --prefix=/opt/pjproject --disable-speex-codec --disable-speex-aec \
    --disable-bcg729 --disable-gsm-codec --disable-ilbc-codec --disable-l16-codec \
    --disable-g722-codec --disable-g7221-codec --disable-opencore-amr --disable-silk \
    --disable-opus --disable-video --disable-v4l2 --disable-sound --disable-ext-sound \
    --disable-sdl --disable-libyuv --disable-ffmpeg --disable-openh264 --disable-ipp \
    --disable-libwebrtc --disable-libsrtp --disable-upnp --without-external-pa \
    --without-external-srtp --disable-resample --disable-g711-codec --enable-epoll ) \
    > "$WORK/configure.log" 2>&1 || { tail -25 "$WORK/configure.log" >&2; exit 1; }
rm -rf "$PJ_DIR"
mkdir -p "$PJ_DIR"
for lib in pjlib pjlib-util pjnath pjsip pjmedia; do cp -a "$WORK/pj/$lib/include/." "$PJ_DIR/"; done
echo "$PJ_STAMP" > "$PJ_DIR/.built-by"
echo "$PREFIX"
