"""The counters of a server (``gspnp_stats``): the dataclass is the one Python list of
them (the ctypes struct is made from it; a test checks it against include/gspnp.h)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, fields
from typing import Any



@dataclass(frozen=True)
class Stats:
    """A snapshot of a server's counters (see :meth:`gspnp.Server.stats`)."""

    datagrams: int
    """Datagrams received."""
    malformed: int
    """Not SIP (dropped)."""
    unexpected_method: int
    """Requests other than SUBSCRIBE (dropped)."""
    not_ua_profile: int
    """SUBSCRIBEs for another event package (dropped)."""
    undecodable: int
    """ua-profile SUBSCRIBEs without a MAC or a required header (dropped)."""
    mode_off: int
    """Dropped in mode off."""
    denied: int
    """Refused by allow/deny rules."""
    rate_limited: int
    """Over the per-source rate limit."""
    discover_only: int
    """Not answered: discover mode."""
    unserved: int
    """Not answered: nothing assigned."""
    answers_sent: int
    """SUBSCRIBEs answered."""
    answers_repeated: int
    """Retransmitted SUBSCRIBEs answered again."""
    retransmissions_absorbed: int
    """Retransmissions absorbed while waiting for the host."""
    cooldown_answers: int
    """Answered during the cooldown, without a NOTIFY."""
    notifies_sent: int
    """NOTIFYs sent."""
    notify_retransmissions: int
    """NOTIFY retransmissions."""
    notifies_acknowledged: int
    """NOTIFYs acknowledged."""
    notifies_rejected: int
    """NOTIFYs rejected."""
    notifies_timed_out: int
    """NOTIFYs timed out."""
    stray_responses: int
    """Responses matching nothing (or from the wrong address)."""
    files_refused: int
    """Files refused by the host or not decided in time."""
    render_failures: int
    """Profiles that could not be rendered."""
    devices_evicted: int
    """Phones forgotten to make room."""
    events_dropped: int
    """Events dropped because the host was slow."""
    send_errors: int
    """Datagrams the OS refused to send."""
    receive_errors: int
    """Receive calls that failed (the socket error was logged)."""
    host_panics: int
    """Host calls that panicked and were refused (a bug in a Rust host; never from Python)."""


class gspnp_stats(ctypes.Structure):
    """``gspnp_stats``: ``size`` then the uint64_t counters of :class:`Stats`, in order."""

    _fields_ = [("size", ctypes.c_size_t)] + [(counter.name, ctypes.c_uint64) for counter in fields(Stats)]


def read_stats(lib: ctypes.CDLL, server: Any) -> Stats:
    """The counters of ``server`` (a ``gspnp_server *``)."""
    counters = gspnp_stats(size=ctypes.sizeof(gspnp_stats))
    lib.gspnp_server_stats(server, ctypes.byref(counters))
    return Stats(**{counter.name: getattr(counters, counter.name) for counter in fields(Stats)})
