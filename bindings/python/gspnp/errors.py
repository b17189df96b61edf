"""Errors raised by gspnp: one class per group of library status codes.

Every failed library call raises a :class:`GspnpError` subclass that carries the
numeric :class:`Status` and the library's detailed message (taken from
``gspnp_last_error_message`` on the thread that made the call, right after it).
Which class a status becomes is a table, :data:`ERROR_CLASS_BY_STATUS`.
"""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type, Union


class Status(enum.IntEnum):
    """The library's ``gspnp_status`` values; their meaning never changes."""

    OK = 0
    NULL_PARAMETER = 1000
    INVALID_ARGUMENT = 1001
    INVALID_UTF8 = 1002
    PANIC = 1003
    INVALID_MAC = 1004
    VALUE_TOO_LONG = 1005
    CONTROL_CHARACTER = 1006
    UNKNOWN_CODEC = 1007
    UNKNOWN_KEY_MODE = 1008
    LIMIT_EXCEEDED = 1009
    UNKNOWN_SETTING = 1010
    PARSE_ERROR = 1011
    NOT_UA_PROFILE = 1012
    NO_MAC = 1013
    BUFFER_TOO_SMALL = 1014
    ALREADY_RUNNING = 1015
    NOT_RUNNING = 1016
    CALLED_FROM_CALLBACK = 1017
    ADDRESS_IN_USE = 1018
    NO_SUCH_INTERFACE = 1019
    IO_ERROR = 1020
    TIMEOUT = 1021
    STOPPED = 1022
    BAD_URL_TEMPLATE = 1023
    THREAD_PANICKED = 1024
    UNKNOWN_MODEL = 1025
    BUSY = 1026
    WRONG_KIND = 1027
    WRONG_MODE = 1028
    NOT_FOUND = 1029


class GspnpError(Exception):
    """A gspnp call failed.

    ``status`` is the library's status code (an ``int``, a :class:`Status` when this
    wrapper knows it; None for the errors of loading the library) and ``message`` the
    library's explanation.
    """

    def __init__(self, status: Optional[int], message: str = "") -> None:
        self.status: Union[Status, int, None] = None if status is None else _as_status(status)
        self.message = message
        super().__init__(status, message)

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        name = self.status.name if isinstance(self.status, Status) else str(self.status)
        return f"{self.message} [{name}]" if self.message else name


class LibraryNotFound(GspnpError, ImportError):
    """libgspnp could not be loaded; the message says where it was looked for."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class UnsupportedLibrary(GspnpError, ImportError):
    """The library found is not libgspnp, or is of an ABI generation or an age this
    wrapper does not support; the message says what was found."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class InvalidValue(GspnpError, ValueError):
    """An argument was refused: out of range, too long, a control character, an
    unknown codec, key mode, setting or model, a bad MAC, invalid UTF-8."""


class BadUrlTemplate(InvalidValue):
    """The provisioning URL template is not usable."""


class LimitExceeded(GspnpError, ValueError):
    """More accounts or keys than the phone model has."""


class DecodeError(GspnpError, ValueError):
    """A datagram is not a usable ua-profile SUBSCRIBE (see the subclasses)."""


class ParseError(DecodeError):
    """The datagram is not a well-formed SIP message."""


class NotUaProfile(DecodeError):
    """A SIP message, but not a ua-profile SUBSCRIBE."""


class NoMac(DecodeError):
    """A ua-profile SUBSCRIBE without a MAC address in it."""


class AddressInUse(GspnpError):
    """The SIP port is taken and cannot be shared."""


class NoSuchInterface(GspnpError):
    """A named interface does not exist or has no IPv4 address."""


class IoError(GspnpError):
    """An operating-system call failed; the message says which."""


class Stopped(GspnpError):
    """The server was stopped (or never ran); it takes no more requests."""


class AlreadyRunning(GspnpError):
    """The server is already running."""


class CalledFromCallback(GspnpError):
    """This call may not be made from inside one of the server's callbacks."""


class Timeout(GspnpError):
    """Nothing arrived before the timeout."""


class Busy(GspnpError):
    """Too many requests are queued for the server's network thread; try again."""


class WrongMode(GspnpError):
    """The server is not in the mode the call needs (feed mode, or the pull API)."""


class NotFound(GspnpError):
    """No such phone is known (for example a re-provisioning of a phone never seen)."""


class InternalError(GspnpError):
    """A bug in gspnp or in this wrapper (a caught panic, a NULL, a wrong kind)."""


ERROR_CLASS_BY_STATUS: Dict[int, Type[GspnpError]] = {
    Status.NULL_PARAMETER: InternalError,
    Status.INVALID_ARGUMENT: InvalidValue,
    Status.INVALID_UTF8: InvalidValue,
    Status.PANIC: InternalError,
    Status.INVALID_MAC: InvalidValue,
    Status.VALUE_TOO_LONG: InvalidValue,
    Status.CONTROL_CHARACTER: InvalidValue,
    Status.UNKNOWN_CODEC: InvalidValue,
    Status.UNKNOWN_KEY_MODE: InvalidValue,
    Status.LIMIT_EXCEEDED: LimitExceeded,
    Status.UNKNOWN_SETTING: InvalidValue,
    Status.PARSE_ERROR: ParseError,
    Status.NOT_UA_PROFILE: NotUaProfile,
    Status.NO_MAC: NoMac,
    Status.BUFFER_TOO_SMALL: InternalError,
    Status.ALREADY_RUNNING: AlreadyRunning,
    Status.NOT_RUNNING: Stopped,
    Status.CALLED_FROM_CALLBACK: CalledFromCallback,
    Status.ADDRESS_IN_USE: AddressInUse,
    Status.NO_SUCH_INTERFACE: NoSuchInterface,
    Status.IO_ERROR: IoError,
    Status.TIMEOUT: Timeout,
    Status.STOPPED: Stopped,
    Status.BAD_URL_TEMPLATE: BadUrlTemplate,
    Status.THREAD_PANICKED: InternalError,
    Status.UNKNOWN_MODEL: InvalidValue,
    Status.BUSY: Busy,
    Status.WRONG_KIND: InternalError,
    Status.WRONG_MODE: WrongMode,
    Status.NOT_FOUND: NotFound,
}
"""Which exception class each non-OK status raises; unknown statuses raise GspnpError."""


def error_for_status(status: int, message: str) -> GspnpError:
    """The exception a call that returned ``status`` (not OK) with ``message`` raises."""
    error_class = ERROR_CLASS_BY_STATUS.get(int(status), GspnpError)
    return error_class(status, message)


def _as_status(status: int) -> int:
    try:
        return Status(status)
    except ValueError:
        return int(status)
