#!/bin/sh
# Peak resident memory of gspnpd under a forged SUBSCRIBE flood with a default profile:
# MACS SUBSCRIBEs (1,000,000 by default), each with a new MAC, from 250 loopback source
# addresses, to a daemon on 127.0.0.1. Prints the peak (VmHWM) and the files kept.
# Loopback only; bounded by MACS and by the sender's pace.
#   GSPNPD=target/release/gspnpd MACS=1000000 tools/flood-rss.sh
set -eu
GSPNPD=${GSPNPD:-target/release/gspnpd}
MACS=${MACS:-1000000}
SIP=${SIP:-35060}
HTTP=${HTTP:-38080}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cat >"$dir/gspnpd.toml" <<TOML
[sip]
unicast_port = $SIP
multicast = false
rate_limit = { burst = 1000000, per_second = 1000000.0 }
[http]
listen = "127.0.0.1:$HTTP"
public_url = "http://127.0.0.1:$HTTP/"
[defaults]
sip_server = "127.0.0.1"
[[default_profile]]
vendor = "Grandstream"
account = [{ user = "1001", password = "flood" }]
TOML
"$GSPNPD" run --config "$dir/gspnpd.toml" 2>"$dir/log" &
pid=$!
sleep 1
before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
python3 - "$SIP" "$MACS" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
template = open("gspnpd/tests/data/grp2612w-subscribe-crlf.sip").read()
sockets = []
for last in range(1, 251):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.2.%d" % last, 0))
    sockets.append(s)
start = time.time()
for i in range(count):
    mac = "%012X" % (0x020000000000 + i)
    datagram = template.replace("C074AD112233", mac).replace("1611133778", "%d" % i).replace("490431573", "%d" % i)
    sockets[i % 250].sendto(datagram.encode(), ("127.0.0.1", port))
    if i % 2000 == 1999:
        time.sleep(0.002)
print("sent %d SUBSCRIBEs in %.1f s" % (count, time.time() - start))
PY
sleep 2
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM "$pid"; wait "$pid" || true
echo "RSS before: $((before / 1024)) MiB, peak: $((peak / 1024)) MiB"
grep -o "stopped: .*" "$dir/log" || true
echo "log bytes: $(wc -c <"$dir/log") ($(( $(wc -c <"$dir/log") / MACS )) per SUBSCRIBE)"
