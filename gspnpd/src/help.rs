//! The `--help` texts, one per subcommand.

/// `gspnpd --help`.
pub const MAIN: &str = "\
gspnpd: SIP ua-profile Plug and Play provisioning for Grandstream GRP26xx phones

Usage: gspnpd <COMMAND> [OPTIONS]

Commands:
  run       Answer phones' PnP SUBSCRIBEs and serve each phone its config file
  decode    Decode SIP datagrams saved in files and print what they say, as JSON
  render    Print the config file a phone would get
  simulate  Boot virtual GRP26xx phones against a PnP server and measure it
  resync    Ask the running daemon to make a phone fetch its file again (or reboot)
  hash-password  Read the admin password on standard input, print [admin] password_hash
  help      Print this text, or a command's help

Options:
  -h, --help     Print help (gspnpd <COMMAND> --help for a command's)
  -V, --version  Print the version

Exit status: 0 success, 1 failure (see the message), 2 bad command line.
";

/// `gspnpd run --help`.
pub const RUN: &str = "\
Answer phones' PnP SUBSCRIBEs and serve each phone its config file

Usage: gspnpd run --config FILE

Listens for ua-profile SUBSCRIBEs (multicast 224.0.1.75 and unicast, UDP port from
[sip]), renders the file of each phone the config lists (or a [[default_profile]]
covers), serves it over HTTP/HTTPS below a folder only that phone is told (any other
path is 404), and logs one line per event on standard error. Runs until SIGINT or
SIGTERM, then stops cleanly.

Every phone seen, its token and file are kept in SQLite ([store]). With [admin], the
device manager's REST API (/api/, described at /api/openapi.json) and web UI (/) are
served on their own listener: an admin assigns new phones accounts and keys, resyncs
them (also: gspnpd resync), and may hold new phones behind a provisioning window
([admin] window_minutes) or serve them a bootstrap file ([admin] bootstrap).

Options:
  -c, --config FILE  The TOML config file (see examples/gspnpd.toml)
  -h, --help         Print help
";

/// `gspnpd decode --help`.
pub const DECODE: &str = "\
Decode SIP datagrams saved in files and print what they say, as JSON

Usage: gspnpd decode [--source ADDR:PORT] FILE...

Each FILE holds one SIP datagram (CRLF or LF line ends). Prints one JSON object per
file, on its own line:
  {\"file\":…,\"ok\":true,\"mac\":\"000b82f55284\",\"vendor\":…,\"model\":…,\"version\":…,
   \"profile_type\":…,\"user_agent\":…,\"contact\":…,\"source\":…}
or {\"file\":…,\"ok\":false,\"error\":…}. Exits with 1 if any file failed.

Options:
  -s, --source ADDR:PORT  The address the datagrams are taken to come from [default: 0.0.0.0:0]
  -h, --help              Print help
";

/// `gspnpd render --help`.
pub const RENDER: &str = "\
Print the config file a phone would get

Usage: gspnpd render --config FILE --mac MAC [--format v1|v2] [--model MODEL]

Prints to standard output the file the phone with MAC would fetch, byte for byte,
except that its per-phone token (drawn when the phone is served) is shown as the
placeholder {token}. Standard error says the file name and the URL the phone is told.
The phone is looked up under [[phone]], else under [[default_profile]] by its model.

Options:
  -c, --config FILE      The TOML config file
  -m, --mac MAC          The phone's MAC (000b82f55284, 00:0b:82:f5:52:84, …)
  -f, --format v1|v2     The file format [default: the phone's, else [defaults], else v1]
      --model MODEL      The phone's model [default: the phone's model in the config]
  -h, --help             Print help
";

/// `gspnpd simulate --help`.
pub const SIMULATE: &str = "\
Boot virtual GRP26xx phones against a PnP server and measure it

Usage: gspnpd simulate --phones N [--target ADDR:PORT] [OPTIONS]

Each phone has its own MAC (counted up from --mac-base), Call-ID and tags; phones
share --sockets UDP sockets (datagrams go a batch per system call). Like a GRP26xx at boot it
sends a ua-profile SUBSCRIBE (every --interval, at most --attempts times, until it is
answered 200 or 500 or notified), answers every NOTIFY with 200, and fetches
cfg<mac>.xml (then cfg<mac>) from the URL in the NOTIFY with a Grandstream
User-Agent. A phone is provisioned when the file parses as Grandstream XML for its
MAC and names an account or the URL it was told. Datagrams are dropped at rate
--loss in both directions; a phone all of whose SUBSCRIBEs were dropped is counted
unreachable, not failed. Prints a summary; exits with 1 if any phone failed.

To measure a server rather than provision phones, --until ends each phone earlier:
`notify` at its first NOTIFY (answered 200, nothing fetched), `answer` at the first
final answer to its SUBSCRIBE or the SUBSCRIBE echoed back (any SIP server, a UDP
echo). --window N keeps N phones under way, booting the next as one ends: a closed
loop whose handshakes/s is the server's capacity.

After provisioning, --stay SECS keeps each phone alive that long, behaving like a GRP
with P4428=0 (NOTIFY authentication on): a NOTIFY with Event check-sync (fetch the
file again), check-sync;reboot=true (boot again: new SUBSCRIBEs, new Call-ID) or
resync is answered 401 with a digest challenge of its own (realm, nonce, opaque); the
retried NOTIFY must carry an Authorization for account 1 of the file it fetched (user
ID or authentication ID, and password), else it gets 401 again and counts as refused.
Retransmissions get the same answer. --register makes each provisioned phone (again
after a reboot) REGISTER over UDP to the SIP server (or outbound proxy) and account 1
of its file, answering one 401/407 digest challenge (MD5 or SHA-256, qop auth or none).
A phone answers its own port: with either option each phone has its own socket unless
--sockets says otherwise.

Options:
  -n, --phones N            How many phones [default: 1]
  -t, --target ADDR:PORT    Where SUBSCRIBEs go [default: 224.0.1.75:5060]
  -i, --interface NAME|IP   Send from this interface's address (multicast leaves by it)
      --loss P              Datagram loss rate, 0 to 1, each direction [default: 0]
      --seed S              Seed of the loss (same seed, same drops) [default: 1]
      --mac-base MAC        The first phone's MAC [default: 000b82000001]
      --model MODEL         The phones' model [default: GRP2614]
      --firmware VERSION    The phones' firmware version [default: 1.0.5.15]
      --ramp SECS           Boot the phones spread evenly over this time [default: 0, all at once]
      --interval MS         Milliseconds between SUBSCRIBEs [default: 1000]
      --attempts N          SUBSCRIBEs per phone at most [default: 5]
      --notify-wait SECS    After the last SUBSCRIBE, how long to wait for a NOTIFY [default: 32]
      --timeout SECS        Stop everything after this long [default: 60]
      --fetchers N          Concurrent file downloads [default: 8]
      --sockets N           UDP sockets the phones share [default: one per phone, up to 64]
      --window N            Phones under way at once; the next boots as one ends [default: 0: by --ramp]
      --until GOAL          file, notify or answer: what ends a phone's run [default: file]
      --http-auth USER:PASSWORD  Answer an HTTP 401 with these Basic credentials
      --ca FILE             Trust this PEM certificate for HTTPS
      --insecure            Accept any HTTPS certificate (as factory-fresh phones do)
      --stay SECS           After provisioning, stay alive this long for resync NOTIFYs [default: 0]
      --auth-algorithm ALG  md5 or sha-256: the phones' NOTIFY challenges [default: md5]
      --auth-qop QOP        auth or none: the phones' NOTIFY challenges [default: auth]
      --register            After provisioning, REGISTER with account 1 of the file
      --json                Print the summary as one JSON object
  -h, --help                Print help

JSON fields: phones, until, provisioned, notified, answered, unreachable, failed,
failed_by_reason, handshakes_per_s, answer_p50_ms, answer_p99_ms (SUBSCRIBE to its
answer), notify_p50_ms, notify_p99_ms (SUBSCRIBE to NOTIFY), p50_ms, p99_ms
(SUBSCRIBE to file), elapsed_s, sockets, cpu_s (the simulator's), datagrams,
resyncs {done, refused, reboots, refetched, refetch_failed}, registered,
register_failed_by_reason. Exits with 1 also if a registration or a re-fetch failed.
";

/// `gspnpd resync --help`.
pub const RESYNC: &str = "\
Ask the running daemon to make a phone fetch its file again (or reboot)

Usage: gspnpd resync --config FILE [--reboot] [--timeout SECS] MAC

Reads [admin] of the daemon's config FILE and calls its REST API as user admin
(POST /api/phones/MAC/resync): the daemon sends the phone, at its last address, a
NOTIFY with Event check-sync (check-sync;reboot=true with --reboot) and answers the
phone's digest challenge with account 1 of its file. Waits on /api/events for the
outcome and prints it. With [admin] cert, HTTPS trusts only that certificate.

The admin password is taken from $GSPNPD_ADMIN_PASSWORD, else from the first line of
standard input; it is never printed.

Options:
  -c, --config FILE   The daemon's TOML config file (its [admin] section)
      --reboot        Reboot the phone rather than only re-fetch its file
      --timeout SECS  How long to wait for the phone's answer [default: 40]
  -h, --help          Print help

Exit status: 0 the phone accepted, 1 it refused or did not answer, or the daemon
refused (wrong password, unknown phone, never seen) or could not be reached, 2 bad
command line.
";
