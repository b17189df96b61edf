"""Python callables as the library's ``gspnp_callbacks``.

The library calls them on its callback thread; ctypes takes the GIL for each call.
Every trampoline here copies the borrowed views into Python objects before the user
callable sees them, catches and logs whatever the callable raises (an exception in
``on_config`` refuses the file), and is kept alive until the library confirms, by
calling ``userdata_free``, that no callback can run any more.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from . import _lib
from ._lib import Address
from .events import ConfigFile, Device, LogLevel, NotifyResult

logger = logging.getLogger("gspnp")
library_logger = logging.getLogger("gspnp.library")
"""Where library log lines go when a server with callbacks has no ``on_log``."""

OnDevice = Callable[[Device, bool], Any]
OnConfig = Callable[[ConfigFile], bool]
OnNotifyResult = Callable[[NotifyResult], Any]
OnLog = Callable[[LogLevel, str], Any]
OnTransmit = Callable[[bytes, Address, Address], Any]
OnEventsDropped = Callable[[int], Any]

_LOGGING_LEVELS = {
    LogLevel.ERROR: logging.ERROR,
    LogLevel.WARN: logging.WARNING,
    LogLevel.INFO: logging.INFO,
    LogLevel.DEBUG: logging.DEBUG,
}


def log_to_logging(level: LogLevel, line: str) -> None:
    """An ``on_log`` that writes library lines to the ``gspnp.library`` logger."""
    library_logger.log(_LOGGING_LEVELS.get(level, logging.INFO), "%s", line)


def _log_level(value: int) -> LogLevel:
    try:
        return LogLevel(value)
    except ValueError:
        return LogLevel.INFO


_CALLS: Dict[str, Tuple[Any, Callable[..., Any], Any]] = {
    # name: (CFUNCTYPE, how to call the user callable with the C arguments, fallback)
    "on_device": (
        _lib.on_device_fn,
        lambda user, device, is_new: user(Device._from_c(device.contents), bool(is_new)),
        None,
    ),
    "on_config": (_lib.on_config_fn, lambda user, file: bool(user(ConfigFile._from_c(file.contents))), False),
    "on_notify_result": (
        _lib.on_notify_result_fn,
        lambda user, result: user(NotifyResult._from_c(result.contents)),
        None,
    ),
    "on_log": (_lib.on_log_fn, lambda user, level, line: user(_log_level(level), _lib.read_str(line)), None),
    "on_transmit": (
        _lib.on_transmit_fn,
        lambda user, data, length, destination, source: user(
            _lib.read_bytes(data, length), _lib.read_address(destination), _lib.read_address(source)
        ),
        None,
    ),
    "on_events_dropped": (_lib.on_events_dropped_fn, lambda user, count: user(count), None),
}
"""Every callback of gspnp_callbacks but userdata_free. The fallback is what the
library gets when the user callable raises (False: refuse the file)."""

CALLBACK_THREAD_NAME = "gspnp-callbacks"
"""The name :mod:`threading` shows for the library's callback thread."""


def _name_callback_thread() -> None:
    """Names the calling (library-created) thread for threading and logging."""
    thread = threading.current_thread()
    if thread.name.startswith("Dummy-"):
        thread.name = CALLBACK_THREAD_NAME


class CallbackSet:
    """The user's callables by name (``on_device``, ...; None for absent ones). The
    :class:`gspnp.Server` holds it; the library reaches it only through
    :class:`Trampolines`, which hold it weakly."""

    def __init__(self, callables: Mapping[str, Optional[Callable[..., Any]]]) -> None:
        unknown = set(callables) - set(_CALLS)
        if unknown:
            raise TypeError(f"unknown callbacks: {', '.join(sorted(unknown))}")
        for name, user in callables.items():
            if user is not None and not callable(user):
                raise TypeError(f"{name} must be callable, not {type(user).__name__}")
        self.callables = dict(callables)


class Trampolines:
    """The ``gspnp_callbacks`` struct for a :class:`CallbackSet` (``struct`` is what
    gspnp_server_start() takes; an absent callable is NULL).

    Each trampoline copies the borrowed views, reaches the user callable through a
    weak reference (so that a server whose callbacks refer to it can still be
    collected: then the trampoline does nothing, and refuses files), and catches
    whatever it raises. ``released`` is set when the library called
    ``userdata_free``; only then may :meth:`release` drop the trampolines.
    """

    def __init__(self, callbacks: CallbackSet) -> None:
        self.released = threading.Event()
        self._inside = threading.local()
        self._keep_alive: List[Any] = []
        self.struct = _lib.gspnp_callbacks()
        self._set("userdata_free", _lib.userdata_free_fn(lambda _userdata: self.released.set()))
        target = weakref.ref(callbacks)
        for name, user in callbacks.callables.items():
            if user is not None:
                self._install(name, target)

    def _install(self, name: str, target: "weakref.ref[CallbackSet]") -> None:
        """Sets ``struct.<name>`` to a trampoline that calls the ``name`` callable."""
        function_type, call, fallback = _CALLS[name]

        def trampoline(_userdata: Optional[int], *arguments: Any) -> Any:
            _name_callback_thread()
            callbacks = target()
            if callbacks is None:  # the server is being collected
                return fallback
            user = callbacks.callables[name]
            self._inside.depth = getattr(self._inside, "depth", 0) + 1
            try:
                return call(user, *arguments)
            except BaseException:  # nothing may propagate into the library's thread
                logger.exception("the %s callback raised; ignored", name)
                return fallback
            finally:
                self._inside.depth -= 1

        self._set(name, function_type(trampoline))

    def _set(self, name: str, trampoline: Any) -> None:
        self._keep_alive.append(trampoline)
        setattr(self.struct, name, trampoline)

    def in_callback(self) -> bool:
        """Whether the calling thread is inside one of these callbacks."""
        return getattr(self._inside, "depth", 0) > 0

    def release(self) -> bool:
        """Drops the trampolines if the library released them (it called
        ``userdata_free``); returns whether it did. A trampoline must outlive its own
        call, so this does nothing from inside one."""
        if not self.released.is_set() or self.in_callback():
            return False
        self.struct = _lib.gspnp_callbacks()
        self._keep_alive.clear()
        return True
