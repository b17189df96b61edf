"""The library's ``gspnp_server *``, shared by the calls in progress and freed once.

gspnp_server_free() may run while calls are inside the library, but no call may begin
after it (include/gspnp.h). :class:`ServerHandle` keeps that promise for every thread
of the process: a call enters the handle first, closing refuses new calls, stops the
server (blocked waits return), waits for the calls inside to leave, and only then
frees. Nothing here refers to the :class:`gspnp.Server` or to the user's callables,
so a handle can outlive them (in a finalizer, at exit) without keeping them alive.
"""

from __future__ import annotations

import atexit
import ctypes
import threading
from typing import Any, Callable, Iterator, List, Optional, Set

from contextlib import contextmanager

from ._callbacks import Trampolines
from .errors import CalledFromCallback, GspnpError, Status, Stopped

CLOSE_WAIT_SECONDS = 10.0
"""How long closing waits for the calls inside; if they have not all left by then the
last one to leave frees the server (never while one is inside)."""

_never_released: List[Trampolines] = []
"""Trampolines of servers freed from inside their own callback: the library ends such
a server later, so they stay alive for the rest of the process."""

_open_handles: Set["ServerHandle"] = set()
_open_handles_lock = threading.Lock()


class ServerHandle:
    """A started server's pointer, its trampolines, and the calls inside it."""

    def __init__(self, lib: ctypes.CDLL, pointer: Any, trampolines: Optional[Trampolines]) -> None:
        self._lib = lib
        self._pointer = pointer
        self._trampolines = trampolines
        self._state = threading.Condition(threading.Lock())
        self._inside = 0
        self._closing = False
        self._free_on_leave = False
        with _open_handles_lock:
            _open_handles.add(self)

    @property
    def closing(self) -> bool:
        """Whether :meth:`close` has begun: calls are refused from then on."""
        return self._closing

    @contextmanager
    def enter(self) -> Iterator[Any]:
        """The pointer, for one library call; Stopped once the handle is closing."""
        with self._state:
            if self._closing:
                raise Stopped(Status.STOPPED, "the server was closed")
            self._inside += 1
        try:
            yield self._pointer
        finally:
            with self._state:
                self._inside -= 1
                free_now = self._free_on_leave and self._inside == 0
                if free_now:
                    self._free_on_leave = False
                self._state.notify_all()
            if free_now:
                self._free()

    def call(self, function: str, *arguments: Any) -> Any:
        """``lib.<function>(pointer, *arguments)`` inside the handle."""
        with self.enter() as pointer:
            return getattr(self._lib, function)(pointer, *arguments)

    def close(self, wait: float = CLOSE_WAIT_SECONDS) -> None:
        """Refuses new calls, stops the server, waits (up to ``wait`` seconds) for the
        calls inside, and frees it. From the server's own callback thread it does not
        wait; the server is then freed when the last call leaves. A second call does
        nothing."""
        with self._state:
            if self._closing:
                return
            self._closing = True
        with _open_handles_lock:
            _open_handles.discard(self)
        try:
            self._lib.gspnp_server_stop(self._pointer)
        except CalledFromCallback:
            wait = 0.0
        except GspnpError:
            pass  # THREAD_PANICKED: the library stopped it all the same
        with self._state:
            drained = self._state.wait_for(lambda: self._inside == 0, timeout=wait)
            if not drained:
                self._free_on_leave = True
                return
        self._free()

    def _free(self) -> None:
        self._lib.gspnp_server_free(self._pointer)
        trampolines, self._trampolines = self._trampolines, None
        if trampolines is not None and not trampolines.release():
            _never_released.append(trampolines)


def close_all() -> None:
    """Closes every open handle: at interpreter exit, before threads are joined."""
    with _open_handles_lock:
        handles = list(_open_handles)
    for handle in handles:
        handle.close()


def register_exit_hook(hook: Callable[[], None]) -> None:
    """Runs ``hook`` at exit before non-daemon threads are joined (Python 3.9+), so
    that threads iterating a server's events end; atexit on 3.8."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        atexit.register(hook)
    else:
        register(hook)


register_exit_hook(close_all)
