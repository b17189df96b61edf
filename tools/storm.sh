#!/usr/bin/env bash
# The storm benchmark of BENCHMARKS.md. In two network namespaces joined by a veth
# pair (tools/netns.sh), one load generator, `gspnpd simulate`, drives in turn:
#
#   1. udp-echo      every datagram straight back (the kernel's request/response limit)
#   2. kamailio      Debian's Kamailio answering each SUBSCRIBE statelessly with 202
#                    (bench/kamailio/kamailio.cfg)
#   3. gspnpd        the full handshake: SUBSCRIBE -> 200 + NOTIFY -> the phone's 200
#
# each with PHONES phones kept WINDOW at a time under way (a closed loop: the rate is
# the server's capacity), then two boot storms against gspnpd over multicast:
# BOOT_PHONES phones booting within BOOT_SECONDS (SUBSCRIBE->NOTIFY latency), and
# PHONES phones within FILES_SECONDS fetching their files over HTTP. Prints a Markdown table (--json: one
# JSON object per run). Server CPU is utime+stime of the server's processes during the
# run (start-up excluded), peak RSS their VmHWM summed (Kamailio's shared memory is counted once per worker).
#
#   sudo tools/storm.sh
#   sudo PHONES=20000 WINDOW=256 tools/storm.sh --json
#
# Needs root, iproute2 and kamailio (apt-get install kamailio). Packets never leave the
# namespaces. Every run is bounded by the simulator's --timeout. GSPNPD and UDP_ECHO name
# built binaries to use instead of building release ones.
set -euo pipefail

phones=${PHONES:-50000}
window=${WINDOW:-512}
boot_phones=${BOOT_PHONES:-10000}
boot_seconds=${BOOT_SECONDS:-1}
files_seconds=${FILES_SECONDS:-20}
children=${CHILDREN:-2}
json=false
[ "${1:-}" = "--json" ] && json=true
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
    echo "storm.sh: needs root to create network namespaces" >&2
    exit 2
fi
kamailio=$(command -v kamailio || true)
if [ -z "$kamailio" ]; then
    echo "storm.sh: needs kamailio (apt-get install kamailio)" >&2
    exit 2
fi
modules=$(dirname "$(dpkg -L kamailio 2>/dev/null | grep '/sl\.so$' | head -n 1)")
if [ -z "${GSPNPD:-}" ] || [ -z "${UDP_ECHO:-}" ]; then
    (cd "$root" && cargo build --quiet --release -p gspnpd && cargo build --quiet --release -p gspnp-bench --bin udp-echo)
fi
gspnpd=${GSPNPD:-$root/target/release/gspnpd}
echo_server=${UDP_ECHO:-$root/target/release/udp-echo}

# shellcheck source=tools/netns.sh
. "$root/tools/netns.sh"
lab_up

# The server's processes: itself and its descendants.
server_pids() {
    local pids=$server next=$server
    while next=$(pgrep -P "$(echo "$next" | paste -sd, -)" 2>/dev/null); do
        pids="$pids $next"
    done
    echo "$pids"
}

# CPU seconds since `server_usage start` and peak RSS (KiB) of the running server, as
# JSON fields (with `start`: remembers the CPU seconds spent starting up).
server_usage() {
    python3 - "$1" "$work/start-cpu" "$(getconf CLK_TCK)" $(server_pids) <<'PY'
import sys
when, start_file, ticks, pids = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
cpu = rss = 0
for pid in pids:
    try:
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        cpu += (int(stat[11]) + int(stat[12])) / ticks
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                rss += int(line.split()[1])
    except OSError:
        pass
if when == "start":
    open(start_file, "w").write(str(cpu))
else:
    cpu -= float(open(start_file).read())
    print(f'"server_cpu_s": {cpu:.2f}, "server_peak_rss_kib": {rss}, "server_processes": {len(pids)}')
PY
}

# Runs the simulator against the current server; appends one JSON line to the results.
measure() {
    local name=$1
    shift
    local summary
    server_usage start
    summary=$(ip netns exec "$phone" "$gspnpd" simulate --interface "$phone_link" --json "$@" || true)
    if [ -z "$summary" ]; then
        echo "storm.sh: the simulator printed nothing for $name" >&2
        exit 1
    fi
    echo "{\"run\": \"$name\", $(server_usage end), \"simulator\": $summary}" >>"$work/results.jsonl"
    echo "storm.sh: $name done" >&2
}

closed_loop=(--phones "$phones" --window "$window" --sockets 8 --timeout 300)

lab_start udp-echo "ready on port" "$echo_server" 5060
measure "udp-echo" "${closed_loop[@]}" --target 192.0.2.1:5060 --until answer
stop_server

lab_start kamailio "" "$kamailio" -f "$root/bench/kamailio/kamailio.cfg" -DD -E -L "$modules" \
    -Y "$work" -A "LISTEN=udp:192.0.2.1:5060" -A "CHILDREN=$children"
measure "kamailio-202 ($children workers)" "${closed_loop[@]}" --target 192.0.2.1:5060 --until answer
stop_server

lab_start gspnpd " ready: " "$gspnpd" run --config "$work/gspnpd.toml"
# gspnpd hears unicast SUBSCRIBEs on its unicast port (lab_config); 5060 is the group's.
measure "gspnpd" "${closed_loop[@]}" --target 192.0.2.1:5062 --until notify
stop_server

lab_start gspnpd " ready: " "$gspnpd" run --config "$work/gspnpd.toml"
measure "gspnpd boot storm: $boot_phones phones in ${boot_seconds}s" --phones "$boot_phones" --ramp "$boot_seconds" \
    --sockets 64 --until notify --timeout 120
stop_server

lab_start gspnpd " ready: " "$gspnpd" run --config "$work/gspnpd.toml"
measure "gspnpd boot storm with files: $phones phones in ${files_seconds}s" --phones "$phones" \
    --ramp "$files_seconds" --sockets 64 --timeout 300
stop_server

if $json; then
    cat "$work/results.jsonl"
    exit 0
fi
python3 - "$work/results.jsonl" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
print("| run | phones | done | failed | handshakes/s | req/resp pairs/s | p50 ms | p99 ms | server CPU s | server CPU µs per handshake | server peak RSS MiB | simulator CPU s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for run in runs:
    s = run["simulator"]
    until = s["until"]
    done = {"answer": s["answered"], "notify": s["notified"], "file": s["provisioned"]}[until]
    # A gspnp handshake is two request/response pairs (SUBSCRIBE/200, NOTIFY/200).
    pairs = s["handshakes_per_s"] * (1 if until == "answer" else 2)
    p50 = s["answer_p50_ms"] if until == "answer" else s["notify_p50_ms"]
    p99 = s["answer_p99_ms"] if until == "answer" else s["notify_p99_ms"]
    per_handshake = run["server_cpu_s"] * 1e6 / done if done else 0
    print(f'| {run["run"]} | {s["phones"]} | {done} | {s["failed"]} | {s["handshakes_per_s"]:,.0f} | {pairs:,.0f} '
          f'| {p50} | {p99} | {run["server_cpu_s"]} | {per_handshake:.0f} | {run["server_peak_rss_kib"] / 1024:.1f} | {s["cpu_s"]} |')
PY
