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

id=$$
pbx=gspnpd-lab-pbx-$id
phone=gspnpd-lab-ph-$id
pbx_link=glabp$id
phone_link=glabf$id
work=$(mktemp -d)
daemon=

cleanup() {
    if [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null; then
        wait "$daemon" 2>/dev/null || true
    fi
    ip netns del "$pbx" 2>/dev/null || true
    ip netns del "$phone" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$pbx"
ip netns add "$phone"
ip link add "$pbx_link" type veth peer name "$phone_link"
ip link set "$pbx_link" netns "$pbx"
ip link set "$phone_link" netns "$phone"
ip -n "$pbx" addr add 192.0.2.1/24 dev "$pbx_link"
ip -n "$phone" addr add 192.0.2.2/24 dev "$phone_link"
for side in "$pbx:$pbx_link" "$phone:$phone_link"; do
    ip -n "${side%%:*}" link set "${side#*:}" up
    ip -n "${side%%:*}" link set lo up
done
ip -n "$phone" route add 224.0.0.0/4 dev "$phone_link"

# Every Grandstream phone gets one account from the default profile; the lab's phones
# all come from one address, so the per-source rate limit is raised.
cat >"$work/gspnpd.toml" <<TOML
[sip]
interfaces = ["$pbx_link"]
rate_limit = { burst = 100000, per_second = 100000.0 }
[http]
listen = "192.0.2.1:8080"
public_url = "http://192.0.2.1:8080/gspnp/"
[defaults]
sip_server = "192.0.2.1"
[[default_profile]]
vendor = "Grandstream"
[[default_profile.account]]
user = "lab"
password = "lab-password"
TOML

ip netns exec "$pbx" "$GSPNPD" run --config "$work/gspnpd.toml" 2>"$work/gspnpd.log" &
daemon=$!
for _ in $(seq 100); do
    grep -q ' ready: ' "$work/gspnpd.log" && break
    kill -0 "$daemon" 2>/dev/null || { cat "$work/gspnpd.log" >&2; exit 1; }
    sleep 0.1
done

echo "== gspnpd simulate --phones $phones --loss $loss --seed $seed (phone side, multicast)"
status=0
ip netns exec "$phone" "$GSPNPD" simulate --phones "$phones" --loss "$loss" --seed "$seed" \
    --interface "$phone_link" --timeout 60 "$@" || status=$?

kill -TERM "$daemon"
wait "$daemon" || status=1
daemon=
echo "== gspnpd log: $(grep -c ' fetched ' "$work/gspnpd.log" || true) fetches; last lines:"
tail -n 4 "$work/gspnpd.log"
exit "$status"
