#!/usr/bin/env bash
# The PnP lab: a PBX namespace and a phone namespace joined by a veth pair in
# 192.0.2.0/24. Runs `gspnpd run` on the PBX side and `gspnpd simulate` on the phone
# side (phones multicast to 224.0.1.75 as at boot), prints the simulator's summary and
# the end of the daemon's log, and removes everything on exit, however it exits.
#
#   sudo tools/lab.sh                      # 50 phones, 10% loss
#   sudo PHONES=500 LOSS=0.2 SEED=7 tools/lab.sh --json
#
# Environment: PHONES, LOSS, SEED, and GSPNPD (a built binary; default: cargo build).
# Extra arguments go to `gspnpd simulate`. Exit status: the simulator's (0: no phone
# failed; unreachable phones, whose every SUBSCRIBE the injected loss dropped, are no
# failure). Needs root and iproute2; packets never leave the namespaces.
set -euo pipefail

phones=${PHONES:-50}
loss=${LOSS:-0.1}
seed=${SEED:-1}
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
    echo "lab.sh: needs root to create network namespaces" >&2
    exit 2
fi
if [ -z "${GSPNPD:-}" ]; then
    (cd "$root" && cargo build --quiet -p gspnpd)
    GSPNPD="$root/target/debug/gspnpd"
fi

# shellcheck source=tools/netns.sh
. "$root/tools/netns.sh"
lab_up
lab_start gspnpd " ready: " "$GSPNPD" run --config "$work/gspnpd.toml"

echo "== gspnpd simulate --phones $phones --loss $loss --seed $seed (phone side, multicast)"
status=0
ip netns exec "$phone" "$GSPNPD" simulate --phones "$phones" --loss "$loss" --seed "$seed" \
    --interface "$phone_link" --timeout 60 "$@" || status=$?

kill -TERM "$server"
wait "$server" || status=1
server=
echo "== gspnpd log: $(grep -c ' fetched ' "$work/gspnpd.log" || true) fetches; last lines:"
tail -n 4 "$work/gspnpd.log"
grep -m 3 -E ' (warn|error) ' "$work/gspnpd.log" || true
exit "$status"
