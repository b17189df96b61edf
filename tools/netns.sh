# Sourced by tools/lab.sh and tools/storm.sh: two network namespaces, a PBX at
# 192.0.2.1 and the phones at 192.0.2.2, joined by a veth pair, with the phones'
# multicast routed into it. Packets never leave the namespaces.
#
#   netns_up      creates them; sets $pbx, $phone (namespace names) and $pbx_link,
#                 $phone_link (interface names)
#   netns_down    removes them (safe to call twice, and before netns_up)
#   lab_up        makes $work (a temporary folder), sets the traps that clean up,
#                 runs netns_up and writes $work/gspnpd.toml with lab_config
#   lab_config F  writes a gspnpd.toml for the PBX side to F
#   lab_start N READY CMD...  runs CMD in the PBX namespace (log: $work/N.log) as
#                 $server, and waits until the log has the text READY (or, when READY
#                 is empty, until UDP port 5060 is bound there)
#   lab_cleanup   stops $server, removes the namespaces and $work (for trap ... EXIT)

netns_up() {
    local id=$$
    pbx=gspnp-pbx-$id
    phone=gspnp-ph-$id
    pbx_link=gpbx$id
    phone_link=gph$id
    ip netns add "$pbx"
    ip netns add "$phone"
    ip link add "$pbx_link" type veth peer name "$phone_link"
    ip link set "$pbx_link" netns "$pbx"
    ip link set "$phone_link" netns "$phone"
    ip -n "$pbx" addr add 192.0.2.1/24 dev "$pbx_link"
    ip -n "$phone" addr add 192.0.2.2/24 dev "$phone_link"
    local side
    for side in "$pbx:$pbx_link" "$phone:$phone_link"; do
        ip -n "${side%%:*}" link set "${side#*:}" up
        ip -n "${side%%:*}" link set lo up
    done
    ip -n "$phone" route add 224.0.0.0/4 dev "$phone_link"
}

netns_down() {
    [ -n "${pbx:-}" ] && ip netns del "$pbx" 2>/dev/null
    [ -n "${phone:-}" ] && ip netns del "$phone" 2>/dev/null
    return 0
}

# Every Grandstream phone gets one account from the default profile, files are served
# on http://192.0.2.1:8080, and the per-source rate limit is raised: the lab's phones
# all come from one address. Multicast arrives on 224.0.1.75:5060; everything unicast
# (answers, NOTIFYs, unicast SUBSCRIBEs) on 5062.
lab_config() {
    cat >"$1" <<TOML
[sip]
interfaces = ["$pbx_link"]
unicast_port = 5062
rate_limit = { burst = 1000000, per_second = 1000000.0 }
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
}

lab_up() {
    work=$(mktemp -d)
    trap lab_cleanup EXIT
    trap 'exit 130' INT TERM
    netns_up
    lab_config "$work/gspnpd.toml"
}

server=
lab_start() {
    local name=$1 ready=$2
    shift 2
    ip netns exec "$pbx" "$@" >"$work/$name.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        if [ -n "$ready" ]; then
            grep -qF -- "$ready" "$work/$name.log" && return 0
        else
            ip netns exec "$pbx" ss -Hlun 'sport = :5060' | grep -q . && return 0
        fi
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$work/$name.log" >&2
    exit 1
}

stop_server() {
    if [ -n "$server" ] && kill -TERM "$server" 2>/dev/null; then
        wait "$server" 2>/dev/null || true
    fi
    server=
}

lab_cleanup() {
    stop_server
    netns_down
    rm -rf "${work:?}"
}
