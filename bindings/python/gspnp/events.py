"""What a server reports, as plain Python values.

The same dataclasses reach callbacks and come out of :meth:`gspnp.Server.events`;
every string and byte in them is a copy, so they stay valid after the callback
returns or the event is freed.
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass, field
from typing import Optional, Type, TypeVar, Union

from . import _lib
from ._lib import Address

_E = TypeVar("_E", bound=enum.IntEnum)


class LogLevel(enum.IntEnum):
    """The importance of a library log line (``gspnp_log_level``)."""

    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


class NotifyOutcome(enum.IntEnum):
    """How a NOTIFY ended (``gspnp_notify_outcome``)."""

    ACKNOWLEDGED = 0
    REJECTED = 1
    TIMED_OUT = 2


class Decision(enum.IntEnum):
    """What ``on_config`` returns (``gspnp_decision``); True and False mean ACCEPT and
    REFUSE."""

    REFUSE = 0
    """Leave the phone alone."""
    ACCEPT = 1
    """Send the NOTIFY: the file is stored where its URL serves it."""
    LATER = 2
    """:meth:`gspnp.Server.decide` will come with the file's ticket, from any thread,
    within the decision limit (``decision_timeout``); at the limit the file counts as
    refused."""


class ResyncKind(enum.IntEnum):
    """What :meth:`gspnp.Server.resync` asks a phone to do (``gspnp_resync_kind``)."""

    CHECK_SYNC = 1
    """Fetch its file again (``Event: check-sync``)."""
    REBOOT = 2
    """Reboot, and fetch its file (``Event: check-sync;reboot=true``)."""
    RESYNC = 3
    """Grandstream's other accepted form (``Event: resync``)."""


class ResyncOutcome(enum.IntEnum):
    """How a re-provisioning ended (``gspnp_resync_outcome``)."""

    ACCEPTED = 1
    """The phone accepted (2xx): it fetches its file or reboots."""
    REJECTED = 2
    """The phone refused with ``status_code`` (not a challenge)."""
    AUTH_REFUSED = 3
    """The phone challenged the authenticated retry too (wrong credentials), or its
    challenge could not be answered safely."""
    NO_CREDENTIALS = 4
    """The phone challenged and there were no credentials to answer with."""
    TIMED_OUT = 5
    """No final answer in time; ``status_code`` is 0."""


class EventKind(enum.IntEnum):
    """The kinds of library events (``gspnp_event_kind``); :class:`EventsDropped` says
    which kind was dropped (only ever LOG)."""

    DISCOVERED = 1
    UPDATED = 2
    CONFIG_READY = 3
    NOTIFY_RESULT = 4
    LOG = 5
    TRANSMIT = 6
    EVENTS_DROPPED = 7
    RESYNC_RESULT = 8


def _enum_or_int(enum_type: Type[_E], value: int) -> Union[_E, int]:
    """``value`` as a member of ``enum_type``, or the plain number when this wrapper
    does not know it (a newer library)."""
    try:
        return enum_type(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Device:
    """A phone, as its ua-profile SUBSCRIBE described it; absent strings are empty."""

    mac: str
    """12 lower-case hex digits."""
    vendor: str
    model: str
    firmware: str
    profile_type: str
    """``device`` or ``application``."""
    user_agent: str
    contact: str
    """The Contact header's URI."""
    source: Address
    """Where the datagram came from."""

    @classmethod
    def _from_c(cls, view: _lib.gspnp_device) -> Device:
        return _lib.copy_struct(cls, view)


@dataclass(frozen=True)
class DeviceEvent:
    """A phone sent a SUBSCRIBE; ``is_new`` when it was not known before."""

    device: Device
    is_new: bool


@dataclass(frozen=True)
class ConfigFile:
    """A file rendered for a phone, offered before the phone is told where it is.

    Serve ``contents`` as ``file_name`` inside ``url``. The contents hold SIP
    passwords and the token (part of the URL) is a secret: none of the three
    appears in ``repr``.
    """

    ticket: int
    """Pass to :meth:`gspnp.Server.decide` (event iterator only)."""
    mac: str
    model: str
    file_name: str
    contents: bytes = field(repr=False)
    url: str = field(repr=False)
    """The folder URL the phone will be told; ends in ``/``."""
    token: str = field(repr=False)

    @classmethod
    def _from_c(cls, view: _lib.gspnp_config_file) -> ConfigFile:
        return _lib.copy_struct(cls, view, contents=_lib.read_bytes(view.contents, view.contents_len))


@dataclass(frozen=True)
class NotifyResult:
    """The final outcome of one NOTIFY."""

    mac: str
    destination: Address
    url: str = field(repr=False)
    """The URL the NOTIFY carried (it may hold the phone's secret token)."""
    outcome: NotifyOutcome
    status_code: int
    """The phone's SIP status code; 0 when it timed out."""
    in_dialog: bool
    """True inside the SUBSCRIBE's dialog; false for a deferred NOTIFY."""

    @classmethod
    def _from_c(cls, view: _lib.gspnp_notify_result) -> NotifyResult:
        return _lib.copy_struct(cls, view, outcome=NotifyOutcome(view.outcome), in_dialog=bool(view.in_dialog))


@dataclass(frozen=True)
class ResyncResult:
    """The outcome of one :meth:`gspnp.Server.resync`."""

    mac: str
    destination: Address
    """Where the NOTIFY went."""
    kind: ResyncKind
    """What it asked."""
    outcome: ResyncOutcome
    status_code: int
    """The phone's final SIP status code; 0 when it timed out."""

    @classmethod
    def _from_c(cls, view: _lib.gspnp_resync_result) -> ResyncResult:
        return _lib.copy_struct(
            cls, view, kind=_enum_or_int(ResyncKind, view.kind), outcome=_enum_or_int(ResyncOutcome, view.outcome)
        )


@dataclass(frozen=True)
class LogLine:
    """A library log line; it never contains a password or a URL token."""

    level: LogLevel
    line: str


@dataclass(frozen=True)
class Transmit:
    """Feed mode: a datagram the host must send to ``destination`` from ``source``."""

    data: bytes
    destination: Address
    source: Address


@dataclass(frozen=True)
class EventsDropped:
    """``count`` events of ``kind`` were dropped because the host was too slow. Only
    log lines (``EventKind.LOG``) ever are; phones, files and results never are."""

    kind: EventKind
    count: int


Event = Union[DeviceEvent, ConfigFile, NotifyResult, ResyncResult, Transmit, EventsDropped]
"""Anything :meth:`gspnp.Server.events` yields (log lines go to :mod:`logging`)."""

_EventKind = EventKind


def read_event(lib: ctypes.CDLL, event: ctypes._Pointer) -> Optional[Union[Event, LogLine]]:  # type: ignore[type-arg]
    """A copy of the library event ``event`` (which the caller still frees); None for
    a kind this wrapper does not know (from a newer library)."""
    try:
        kind = _EventKind(lib.gspnp_event_get_kind(event))
    except ValueError:
        return None
    if kind in (_EventKind.DISCOVERED, _EventKind.UPDATED):
        device = _lib.gspnp_device()
        lib.gspnp_event_device(event, ctypes.byref(device))
        return DeviceEvent(Device._from_c(device), is_new=kind is _EventKind.DISCOVERED)
    if kind is _EventKind.CONFIG_READY:
        file = _lib.gspnp_config_file()
        lib.gspnp_event_config_file(event, ctypes.byref(file))
        return ConfigFile._from_c(file)
    if kind is _EventKind.NOTIFY_RESULT:
        result = _lib.gspnp_notify_result()
        lib.gspnp_event_notify_result(event, ctypes.byref(result))
        return NotifyResult._from_c(result)
    if kind is _EventKind.RESYNC_RESULT:
        resync = _lib.gspnp_resync_result()
        lib.gspnp_event_resync_result(event, ctypes.byref(resync))
        return ResyncResult._from_c(resync)
    if kind is _EventKind.LOG:
        level, line = ctypes.c_int(), _lib.gspnp_str()
        lib.gspnp_event_log(event, ctypes.byref(level), ctypes.byref(line))
        return LogLine(LogLevel(level.value), _lib.read_str(line))
    if kind is _EventKind.TRANSMIT:
        pointer, length = ctypes.c_void_p(), ctypes.c_size_t()
        destination, source = _lib.gspnp_addr(), _lib.gspnp_addr()
        lib.gspnp_event_transmit(
            event, ctypes.byref(pointer), ctypes.byref(length), ctypes.byref(destination), ctypes.byref(source)
        )
        return Transmit(
            _lib.read_bytes(pointer.value, length.value),
            _lib.read_address(destination),
            _lib.read_address(source),
        )
    dropped_kind = _enum_or_int(EventKind, lib.gspnp_event_dropped_kind(event))
    return EventsDropped(dropped_kind, lib.gspnp_event_dropped_count(event))  # type: ignore[arg-type]
