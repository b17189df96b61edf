"""How a server listens and decides: :class:`ServerConfig`, set before it starts.

Times are seconds (floats), as everywhere in Python; None leaves the library's
default. Types are checked when a ServerConfig is made (TypeError naming the setting);
values the library judges are checked by :meth:`ServerConfig.to_c`, which
:class:`gspnp.Server` calls when it is created (InvalidValue, a ValueError).
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence, Tuple, Type, Union

from . import _lib
from ._lib import Owned
from .errors import InvalidValue, Status


class Mode(enum.IntEnum):
    """What a server does with a ua-profile SUBSCRIBE (``gspnp_mode``)."""

    OFF = 0
    """Ignore them (counted only)."""
    DISCOVER = 1
    """Record and report phones; send nothing."""
    PROVISION = 2
    """Record, report, and answer phones that have something assigned."""


class RuleKind(enum.IntEnum):
    """What an allow/deny rule matches (``gspnp_rule_kind``)."""

    VENDOR = 0
    """The vendor name, case-insensitive (``Grandstream``)."""
    OUI = 1
    """The first 3 octets of the MAC (``000b82`` or ``00:0b:82``)."""
    MAC = 2
    """One MAC."""


RuleKindName = Literal["vendor", "oui", "mac"]
"""A rule kind by name."""


@dataclass(frozen=True)
class Rule:
    """An allow (``allow=True``) or deny rule. A deny always wins; once any allow rule
    exists, only phones matching one are answered."""

    kind: Union[RuleKind, RuleKindName]
    value: str
    allow: bool = True

    def __post_init__(self) -> None:
        _check_type("rule kind", self.kind, (RuleKind, str))
        _check_type("rule value", self.value, str)
        _check_type("allow", self.allow, bool)


ModeName = Literal["off", "discover", "provision"]
"""A mode by name."""

ModeLike = Union[Mode, ModeName, int]
"""A mode as :class:`Mode`, its name (``"discover"``) or its number."""

AnswerCode = Literal[200, 202]
"""The codes a SUBSCRIBE may be answered with."""


def _check_type(what: str, value: Any, kinds: Union[type, Tuple[type, ...]]) -> None:
    """TypeError naming the setting ``what`` unless ``value`` is one of ``kinds`` (a
    bool is not taken for a number)."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        names = " or ".join(kind.__name__ for kind in kinds)
        raise TypeError(f"{what} must be {names}, not {type(value).__name__} {value!r}")


def _check_tuple(what: str, value: Any, kinds: Tuple[Tuple[type, ...], ...]) -> None:
    """TypeError naming ``what`` unless ``value`` is a tuple or list whose items have
    the ``kinds``, in order."""
    if not isinstance(value, (tuple, list)) or len(value) != len(kinds):
        raise TypeError(f"{what} must be a tuple of {len(kinds)} numbers, not {value!r}")
    for item, item_kinds in zip(value, kinds):
        _check_type(what, item, item_kinds)


def _check_sequence(what: str, value: Any, kind: type) -> None:
    """TypeError naming ``what`` unless ``value`` is a sequence (not a single str) of
    ``kind``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{what} must be a list of {kind.__name__}, not {type(value).__name__} {value!r}")
    for item in value:
        _check_type(what, item, kind)


def _enum_value(enum_type: Type[enum.IntEnum], value: Union[enum.IntEnum, str, int], what: str) -> int:
    """The number of ``value``, given as a member, a member's name or a number (a
    number is passed on for the library to judge)."""
    if isinstance(value, str):
        try:
            return int(enum_type[value.upper()])
        except KeyError:
            names = ", ".join(member.name.lower() for member in enum_type)
            raise InvalidValue(Status.INVALID_ARGUMENT, f"{value!r} is not a {what} ({names})") from None
    return _lib.unsigned(value, 32, what)


def mode_value(mode: ModeLike) -> int:
    """The ``gspnp_mode`` number of ``mode``; InvalidValue for an unknown name."""
    return _enum_value(Mode, mode, "mode")


@dataclass(frozen=True)
class ServerConfig:
    """Settings of a :class:`gspnp.Server`; None means the library's default."""

    port: Optional[int] = None
    """The multicast port: the group socket on 224.0.1.75 (default 5060)."""
    unicast_port: Optional[int] = None
    """Answers, NOTIFYs, unicast SUBSCRIBEs (default 0: a free one, see ``Server.port``)."""
    interfaces: Sequence[str] = ()
    """Interfaces (names or IPv4 addresses) to join 224.0.1.75 on; none: every one."""
    multicast: Optional[bool] = None
    """Whether to join the multicast group at all (default True)."""
    mode: Optional[ModeLike] = None
    """off / discover / provision (default provision)."""
    answer_code: Optional[int] = None
    """200 (default) or 202."""
    url_template: Optional[str] = None
    """The URL for profile phones; placeholders {ip}, {mac}, {token}, {model}."""
    timers: Optional[Tuple[float, float, float]] = None
    """NOTIFY retransmission (T1, T2, timeout) in seconds (default 0.5, 4, 32)."""
    cooldown: Optional[float] = None
    """Seconds after an acknowledged NOTIFY without a new one (default 30)."""
    max_devices: Optional[int] = None
    """The most phones remembered (default 16384)."""
    rate_limit: Optional[Tuple[int, float]] = None
    """SUBSCRIBEs per source: (burst, per second) (default 40, 10)."""
    feed_mode: Optional[bool] = None
    """No socket: the host feeds datagrams (``Server.feed``) and sends what it is given."""
    event_queue: Optional[int] = None
    """Events that may wait for the host (default 4096)."""
    receive_buffer: Optional[int] = None
    """The socket's receive buffer in bytes (default 4 MiB; 64 KiB to 1 GiB)."""
    rules: Sequence[Rule] = ()
    """Allow and deny rules."""

    def __post_init__(self) -> None:
        _number = (int, float)
        optional = {
            "port": int,
            "multicast": bool,
            "feed_mode": bool,
            "mode": (Mode, str, int),
            "answer_code": int,
            "url_template": str,
            "cooldown": _number,
            "max_devices": int,
            "event_queue": int,
            "receive_buffer": int,
        }
        for name, kinds in optional.items():
            value = getattr(self, name)
            if value is not None:
                _check_type(name, value, kinds)
        _check_sequence("interfaces", self.interfaces, str)
        _check_sequence("rules", self.rules, Rule)
        if self.timers is not None:
            _check_tuple("timers", self.timers, (_number, _number, _number))
        if self.rate_limit is not None:
            _check_tuple("rate_limit", self.rate_limit, ((int,), _number))

    def to_c(self) -> Owned:
        """The library's ``gspnp_server_config`` with these settings.

        Raises the library's refusal of the first bad setting (InvalidValue,
        BadUrlTemplate); nothing is leaked then.
        """
        lib = _lib.library()
        handle = Owned(lib.gspnp_server_config_new(), lib.gspnp_server_config_free, "gspnp_server_config_new")
        try:
            self._apply(lib, handle.pointer)
        except BaseException:
            handle.close()
            raise
        return handle

    def _apply(self, c: ctypes.CDLL, config: Any) -> None:
        """Calls the setter of every setting that is not None, in a fixed order."""
        if self.port is not None:
            c.gspnp_server_config_set_port(config, _lib.unsigned(self.port, 16, "port"))
        if self.unicast_port is not None:
            c.gspnp_server_config_set_unicast_port(config, _lib.unsigned(self.unicast_port, 16, "unicast_port"))
        for interface in self.interfaces:
            c.gspnp_server_config_add_interface(config, *_lib.text(interface, "interfaces"))
        if self.multicast is not None:
            c.gspnp_server_config_set_multicast(config, bool(self.multicast))
        if self.feed_mode is not None:
            c.gspnp_server_config_set_feed_mode(config, bool(self.feed_mode))
        if self.mode is not None:
            c.gspnp_server_config_set_mode(config, mode_value(self.mode))
        if self.answer_code is not None:
            code = _lib.unsigned(self.answer_code, 16, "answer_code")
            c.gspnp_server_config_set_answer_code(config, code)
        if self.url_template is not None:
            c.gspnp_server_config_set_url_template(config, *_lib.text(self.url_template, "url_template"))
        if self.timers is not None:
            names = ("T1", "T2", "timeout")
            t1, t2, timeout = (_lib.milliseconds(value, name) for value, name in zip(self.timers, names))
            c.gspnp_server_config_set_timers(config, t1, t2, timeout)
        if self.cooldown is not None:
            cooldown = _lib.milliseconds(self.cooldown, "cooldown")
            c.gspnp_server_config_set_cooldown(config, cooldown)
        if self.max_devices is not None:
            max_devices = _lib.unsigned(self.max_devices, _lib.SIZE_BITS, "max_devices")
            c.gspnp_server_config_set_max_devices(config, max_devices)
        if self.rate_limit is not None:
            burst, per_second = self.rate_limit
            c.gspnp_server_config_set_rate_limit(config, _lib.unsigned(burst, 32, "burst"), float(per_second))
        if self.event_queue is not None:
            capacity = _lib.unsigned(self.event_queue, _lib.SIZE_BITS, "event_queue")
            c.gspnp_server_config_set_event_queue(config, capacity)
        if self.receive_buffer is not None:
            size = _lib.unsigned(self.receive_buffer, _lib.SIZE_BITS, "receive_buffer")
            c.gspnp_server_config_set_receive_buffer(config, size)
        for rule in self.rules:
            kind = _enum_value(RuleKind, rule.kind, "rule kind")
            c.gspnp_server_config_add_rule(config, rule.allow, kind, *_lib.text(rule.value, "rule value"))
