"""gspnp: SIP ua-profile Plug and Play provisioning for Grandstream GRP26xx phones.

Python bindings over the C library libgspnp (found through the ``GSPNP_LIBRARY``
environment variable, else the system loader)::

    import gspnp

    with gspnp.Server(port=0, multicast=False) as server:
        server.assign_url("000b82f55284", "http://192.0.2.10/phones/")
        for event in server.events(timeout=30):
            print(event)
"""

from __future__ import annotations

from . import _lib
from ._callbacks import log_to_logging
from ._lib import Address
from .config import AnswerCode, Mode, ModeLike, ModeName, Rule, RuleKind, RuleKindName, ServerConfig
from .decode import decode
from .errors import (
    AddressInUse,
    AlreadyRunning,
    BadUrlTemplate,
    Busy,
    CalledFromCallback,
    DecodeError,
    GspnpError,
    InternalError,
    WrongMode,
    NotFound,
    InvalidValue,
    IoError,
    LibraryNotFound,
    LimitExceeded,
    NoMac,
    NoSuchInterface,
    NotUaProfile,
    ParseError,
    Status,
    Stopped,
    Timeout,
    UnsupportedLibrary,
)
from .events import (
    ConfigFile,
    Device,
    DeviceEvent,
    Event,
    EventsDropped,
    LogLevel,
    LogLine,
    NotifyOutcome,
    NotifyResult,
    Transmit,
)
from .profile import Account, Key, Profile, Rendered, render
from .server import Server
from .stats import Stats

__version__ = "0.1.0"


def version() -> str:
    """The version of the loaded C library, e.g. ``"0.1.0"``."""
    text: bytes = _lib.library().gspnp_version()
    return text.decode("ascii")


def abi_version() -> int:
    """The ABI generation of the loaded C library (this wrapper supports 0)."""
    return int(_lib.library().gspnp_abi_version())


__all__ = [
    "Account",
    "Address",
    "AddressInUse",
    "AlreadyRunning",
    "AnswerCode",
    "BadUrlTemplate",
    "Busy",
    "CalledFromCallback",
    "ConfigFile",
    "DecodeError",
    "Device",
    "DeviceEvent",
    "Event",
    "EventsDropped",
    "GspnpError",
    "InternalError",
    "WrongMode",
    "NotFound",
    "InvalidValue",
    "IoError",
    "Key",
    "LibraryNotFound",
    "LimitExceeded",
    "LogLevel",
    "LogLine",
    "Mode",
    "ModeLike",
    "ModeName",
    "NoMac",
    "NoSuchInterface",
    "NotUaProfile",
    "NotifyOutcome",
    "NotifyResult",
    "ParseError",
    "Profile",
    "Rendered",
    "Rule",
    "RuleKind",
    "RuleKindName",
    "Server",
    "ServerConfig",
    "Stats",
    "Status",
    "Stopped",
    "Timeout",
    "Transmit",
    "UnsupportedLibrary",
    "abi_version",
    "decode",
    "log_to_logging",
    "render",
    "version",
]
