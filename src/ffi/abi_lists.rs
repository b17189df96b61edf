// The lists that cross the C ABI, each written once, here. This file is data, not a
// module of the crate: build.rs reads it (`include!`) and writes the Rust items
// (the gspnp_status and gspnp_event_kind enums, the gspnp_stats struct and what goes
// with them) into OUT_DIR, where src/ffi includes them and cbindgen reads them for
// include/gspnp.h. The Python package checks its mirrors against that header.
//
// Values are never renumbered; a retired value stays reserved (leave a comment).
// Fields of gspnp_stats are only ever added at the end.

/// gspnp_status: (name after GSPNP_STATUS_, value, gspnp_status_str() text, doc).
const STATUSES: &[(&str, i32, &str, &str)] = &[
    ("OK", 0, "ok", "Success."),
    ("NULL_PARAMETER", 1000, "a required pointer argument was NULL", "A required pointer argument was NULL."),
    ("INVALID_ARGUMENT", 1001, "invalid argument", "An argument's value is outside what the function accepts."),
    ("INVALID_UTF8", 1002, "string is not valid UTF-8", "A string argument was not valid UTF-8."),
    ("PANIC", 1003, "internal error (panic caught)", "A Rust panic was caught at the boundary (a bug in gspnp; please report it)."),
    ("INVALID_MAC", 1004, "not a MAC address", "Not a MAC address."),
    ("VALUE_TOO_LONG", 1005, "value too long", "A value is longer than the phone accepts."),
    ("CONTROL_CHARACTER", 1006, "value contains a control character", "A value contains a control character (CR, LF, NUL, ...)."),
    ("UNKNOWN_CODEC", 1007, "unknown codec", "A codec name gspnp does not know."),
    ("UNKNOWN_KEY_MODE", 1008, "unknown key mode", "A key mode gspnp does not know."),
    ("LIMIT_EXCEEDED", 1009, "more accounts or keys than the model has", "More accounts or keys than the phone model has."),
    ("UNKNOWN_SETTING", 1010, "unknown setting", "A raw setting name that is neither a P-number nor a known alias."),
    ("PARSE_ERROR", 1011, "not a well-formed SIP message", "The datagram is not a well-formed SIP message."),
    ("NOT_UA_PROFILE", 1012, "not a ua-profile SUBSCRIBE", "A SIP message, but not a ua-profile SUBSCRIBE."),
    ("NO_MAC", 1013, "no MAC address in the SUBSCRIBE", "A ua-profile SUBSCRIBE without a MAC address in it."),
    ("BUFFER_TOO_SMALL", 1014, "buffer too small", "The output buffer is too small; the needed size was written."),
    ("ALREADY_RUNNING", 1015, "server already running", "Another server of this process already listens on this multicast port (in this\nnetwork namespace); stop it first."),
    ("NOT_RUNNING", 1016, "server not running", "Retired: never returned (a stopped server answers GSPNP_STATUS_STOPPED; a server\nhandle exists only once started). The value stays reserved."),
    ("CALLED_FROM_CALLBACK", 1017, "not allowed from inside a callback", "This function may not be called from inside a gspnp callback."),
    ("ADDRESS_IN_USE", 1018, "address in use", "A port is taken: the multicast port by a socket without SO_REUSEADDR, or the\nunicast port by any socket. The message names the port and what to do."),
    ("NO_SUCH_INTERFACE", 1019, "no such interface", "A named interface does not exist or has no IPv4 address."),
    ("IO_ERROR", 1020, "I/O error", "An operating-system call failed; the message says which."),
    ("TIMEOUT", 1021, "timed out", "Nothing arrived before the timeout."),
    ("STOPPED", 1022, "server stopped", "The server was stopped; no more events will come."),
    ("BAD_URL_TEMPLATE", 1023, "bad provisioning URL template", "The provisioning URL template is not usable."),
    ("THREAD_PANICKED", 1024, "a gspnp thread panicked", "A gspnp thread panicked; the server was stopped."),
    ("UNKNOWN_MODEL", 1025, "unknown phone model", "A phone model gspnp does not know (where a known model is required)."),
    ("BUSY", 1026, "too many requests queued; try again", "Too many requests are queued for the network thread; try again."),
    ("WRONG_KIND", 1027, "the event is of another kind", "The event or object is of another kind than the function reads."),
    ("WRONG_MODE", 1028, "the server is not in the mode this call needs", "The server is not in the mode this call needs (feed mode, or started without\ncallbacks for the pull API)."),
    ("NOT_FOUND", 1029, "no such phone", "The server knows no phone with this MAC (or was asked to re-provision a phone it\nnever saw, with no address)."),
];

/// gspnp_event_kind: (name after GSPNP_EVENT_KIND_, value, doc).
const EVENT_KINDS: &[(&str, u32, &str)] = &[
    ("DISCOVERED", 1, "A phone not seen before: gspnp_event_device()."),
    ("UPDATED", 2, "A known phone sent a new SUBSCRIBE: gspnp_event_device()."),
    ("CONFIG_READY", 3, "A file waits for gspnp_server_decide(): gspnp_event_config_file()."),
    ("NOTIFY_RESULT", 4, "A NOTIFY ended: gspnp_event_notify_result()."),
    ("LOG", 5, "A log line: gspnp_event_log()."),
    ("TRANSMIT", 6, "Feed mode, a datagram to send: gspnp_event_transmit()."),
    ("EVENTS_DROPPED", 7, "Events were dropped: gspnp_event_dropped_kind() and gspnp_event_dropped_count()."),
    ("RESYNC_RESULT", 8, "A re-provisioning ended: gspnp_event_resync_result()."),
];

/// The uint64_t counters of gspnp_stats, in order: (field, the runtime::ServerStats
/// field it copies, doc).
const COUNTERS: &[(&str, &str, &str)] = &[
    ("datagrams", "engine.datagrams", "Datagrams received."),
    ("malformed", "engine.malformed", "Not SIP (dropped)."),
    ("unexpected_method", "engine.unexpected_method", "Requests other than SUBSCRIBE (dropped)."),
    ("not_ua_profile", "engine.not_ua_profile", "SUBSCRIBEs for another event package (dropped)."),
    ("undecodable", "engine.undecodable", "ua-profile SUBSCRIBEs without a MAC or a required header (dropped)."),
    ("mode_off", "engine.mode_off", "Dropped in mode off."),
    ("denied", "engine.denied", "Refused by allow/deny rules."),
    ("rate_limited", "engine.rate_limited", "Over the per-source rate limit."),
    ("discover_only", "engine.discover_only", "Not answered: discover mode."),
    ("unserved", "engine.unserved", "Not answered: nothing assigned."),
    ("answers_sent", "engine.answers_sent", "SUBSCRIBEs answered."),
    ("answers_repeated", "engine.answers_repeated", "Retransmitted SUBSCRIBEs answered again."),
    ("retransmissions_absorbed", "engine.retransmissions_absorbed", "Retransmissions absorbed while waiting for the host."),
    ("cooldown_answers", "engine.cooldown_answers", "Answered during the cooldown, without a NOTIFY."),
    ("notifies_sent", "engine.notifies_sent", "NOTIFYs sent."),
    ("notify_retransmissions", "engine.notify_retransmissions", "NOTIFY retransmissions."),
    ("notifies_acknowledged", "engine.notifies_acknowledged", "NOTIFYs acknowledged."),
    ("notifies_rejected", "engine.notifies_rejected", "NOTIFYs rejected."),
    ("notifies_timed_out", "engine.notifies_timed_out", "NOTIFYs timed out."),
    ("stray_responses", "engine.stray_responses", "Responses matching nothing (or from the wrong address)."),
    ("files_refused", "engine.files_refused", "Files refused by the host or not decided in time."),
    ("render_failures", "engine.render_failures", "Profiles that could not be rendered."),
    ("devices_evicted", "engine.devices_evicted", "Phones forgotten to make room."),
    ("events_dropped", "events_dropped", "Events dropped because the host was slow."),
    ("send_errors", "send_errors", "Datagrams the OS refused to send."),
    ("receive_errors", "receive_errors", "Receive calls that failed (the socket error was logged)."),
    ("host_panics", "host_panics", "Host calls that panicked and were refused (a bug in a Rust host; C callbacks cannot panic)."),
    ("log_lines_dropped", "log_lines_dropped", "Log lines dropped because the host was slow (the only events ever dropped)."),
    ("host_busy", "engine.host_busy", "New phones left unanswered because the host was behind (they retry)."),
    ("admission_pauses", "admission_pauses", "Times the server stopped answering new phones because the host was behind."),
    ("host_backlog", "host_backlog", "Must-deliver events queued for the host and not yet handled (a gauge, now)."),
    ("exchanges_evicted", "engine.exchanges_evicted", "Exchanges forgotten because a phone had too many at once."),
    ("resyncs_sent", "engine.resyncs_sent", "Re-provisioning NOTIFYs started."),
    ("resyncs_accepted", "engine.resyncs_accepted", "Re-provisionings the phone accepted."),
    ("resyncs_failed", "engine.resyncs_failed", "Re-provisionings that ended otherwise."),
    ("resync_challenges_answered", "engine.resync_challenges_answered", "Digest challenges answered."),
];
