"""How a server listens and decides: :class:`ServerConfig`, set before it starts.

Times are seconds (floats), as everywhere in Python; None leaves the library's
default. Nothing is checked until :meth:`ServerConfig.to_c`, which
:class:`gspnp.Server` calls when it is created.
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple, Type, Union

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


@dataclass(frozen=True)
class Rule:
    """An allow (``allow=True``) or deny rule. A deny always wins; once any allow rule
    exists, only phones matching one are answered."""

    kind: Union[RuleKind, str]
    value: str
    allow: bool = True


ModeLike = Union[Mode, str, int]
"""A mode as :class:`Mode`, its name (``"discover"``) or its number."""


def _enum_value(enum_type: Type[enum.IntEnum], value: Union[enum.IntEnum, str, int], what: str) -> int:
    """The number of ``value``, given as a member, a member's name or a number (a
    number is passed on for the library to judge)."""
    if isinstance(value, str):
        try:
            return int(enum_type[value.upper()])
        except KeyError:
            names = ", ".join(member.name.lower() for member in enum_type)
            raise InvalidValue(Status.INVALID_ARGUMENT, f"{value!r} is not a {what} ({names})") from None
    return _lib.unsigned(int(value), 32, what)


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
    rules: Sequence[Rule] = ()
    """Allow and deny rules."""

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
            c.gspnp_server_config_add_interface(config, *_lib.text(interface))
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
            c.gspnp_server_config_set_url_template(config, *_lib.text(self.url_template))
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
        for rule in self.rules:
            kind = _enum_value(RuleKind, rule.kind, "rule kind")
            c.gspnp_server_config_add_rule(config, bool(rule.allow), kind, *_lib.text(rule.value))
