"""A running PnP server: :class:`Server`."""

from __future__ import annotations

import ctypes
import threading
import time
import weakref
from typing import Any, Iterator, List, Optional

from . import _lib
from ._callbacks import (
    CallbackSet,
    OnConfig,
    OnDevice,
    OnEventsDropped,
    OnLog,
    OnNotifyResult,
    OnTransmit,
    log_to_logging,
)
from ._lib import Address
from .config import ModeLike, ServerConfig, mode_value
from .errors import AlreadyRunning, CalledFromCallback, GspnpError, Status, Stopped, Timeout
from .events import Event, read_event
from .profile import Profile
from .stats import Stats, read_stats

_POLL_SECONDS = 0.25
"""The longest single wait in the library, so that Ctrl-C is seen between waits."""

_never_released: List[CallbackSet] = []
"""Trampolines of servers freed from inside their own callback: the library frees
such a server later, so they must stay alive for the rest of the process."""


class Server:
    """A ua-profile PnP server.

    Configure it with a :class:`ServerConfig` or its fields as keywords (``port=0,
    multicast=False, ...``); bad settings raise here. Events go either to callbacks
    (any ``on_*`` given; they run on the library's callback thread, and library log
    lines go to the ``gspnp.library`` logger unless ``on_log`` is given) or, with no
    callbacks, to :meth:`events` / :meth:`next_event`.

    ``with Server(...) as server:`` starts it and stops it at the end. A stopped
    server cannot be started again; every request to it raises :class:`Stopped`. A
    server still running at interpreter exit (or when garbage-collected) is stopped
    then, so no callback thread outlives the interpreter.
    """

    def __init__(
        self,
        config: Optional[ServerConfig] = None,
        *,
        on_device: Optional[OnDevice] = None,
        on_config: Optional[OnConfig] = None,
        on_notify_result: Optional[OnNotifyResult] = None,
        on_log: Optional[OnLog] = None,
        on_transmit: Optional[OnTransmit] = None,
        on_events_dropped: Optional[OnEventsDropped] = None,
        **settings: Any,
    ) -> None:
        if config is not None and settings:
            raise TypeError("give either a ServerConfig or its fields as keywords, not both")
        self.config = config if config is not None else ServerConfig(**settings)
        self._lib = _lib.library()
        self._c_config = self.config.to_c()
        callables = {
            "on_device": on_device,
            "on_config": on_config,
            "on_notify_result": on_notify_result,
            "on_log": on_log,
            "on_transmit": on_transmit,
            "on_events_dropped": on_events_dropped,
        }
        self._callbacks: Optional[CallbackSet] = None
        if any(callable_ is not None for callable_ in callables.values()):
            self._callbacks = CallbackSet({**callables, "on_log": on_log or log_to_logging})
        self._pointer: Any = None
        self._stopped = False
        self._lifecycle = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> Server:
        """Opens the socket (unless in feed mode) and starts the library's threads.

        Raises AddressInUse, NoSuchInterface, IoError; AlreadyRunning when started
        twice; Stopped after :meth:`stop`. Returns the server.
        """
        with self._lifecycle:
            if self._stopped:
                raise Stopped(Status.STOPPED, "a stopped server cannot be started again; create a new Server")
            if self._pointer is not None:
                raise AlreadyRunning(Status.ALREADY_RUNNING, "the server was already started")
            # The library writes the handle into `out` before any callback runs, so a
            # callback may use this server from its very first call.
            out = ctypes.POINTER(_lib.gspnp_server)()
            self._pointer = out
            callbacks = ctypes.byref(self._callbacks.struct) if self._callbacks is not None else None
            try:
                self._lib.gspnp_server_start(self._c_config.pointer, callbacks, ctypes.byref(out))
            except BaseException:
                self._pointer = None
                raise
            weakref.finalize(self, _free_server, self._lib, out, self._callbacks)
            self._c_config.close()
        return self

    def stop(self) -> None:
        """Stops the server: when it returns no callback runs any more and the
        library's threads are joined. A second call, or a call before :meth:`start`,
        does nothing more.

        Raises CalledFromCallback from inside one of this server's callbacks (the
        server keeps running then).
        """
        with self._lifecycle:
            pointer = self._pointer
            if pointer is None:
                self._stopped = True
                self._c_config.close()
                return
        try:
            self._lib.gspnp_server_stop(pointer)
        except CalledFromCallback:
            raise
        except GspnpError:
            self._stopped = True  # THREAD_PANICKED: the library stopped it all the same
            raise
        finally:
            if self._callbacks is not None:
                self._callbacks.release()
        self._stopped = True

    def __enter__(self) -> Server:
        if self._pointer is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- requests ----------------------------------------------------------------

    def _server(self) -> Any:
        pointer = self._pointer
        if not pointer:
            raise Stopped(Status.NOT_RUNNING, "the server has not been started")
        return pointer

    @property
    def port(self) -> int:
        """The unicast port answers come from (see ``unicast_port``); InvalidValue in feed mode."""
        port = ctypes.c_uint16()
        self._lib.gspnp_server_port(self._server(), ctypes.byref(port))
        return port.value

    def assign_url(self, mac: str, url: str) -> None:
        """Tells phone ``mac`` to fetch its file from ``url`` (a folder URL ending in
        ``/`` where the host serves ``cfg<mac>.xml``): now if it is waiting, else at
        its next SUBSCRIBE. Replaces an earlier assignment. Callable from callbacks."""
        self._lib.gspnp_server_assign_url(self._server(), *_lib.text(mac), *_lib.text(url))

    def assign_profile(self, mac: str, profile: Profile, format: int = 2, token: Optional[str] = None) -> None:
        """Gives phone ``mac`` ``profile`` (copied): at its SUBSCRIBE the file is
        rendered for its model in ``format`` (1 or 2) and offered to ``on_config`` (or
        as a ConfigFile event), and the phone is told the URL from the template.
        ``token`` pins the URL token (at least 22 of A-Z a-z 0-9 - _)."""
        with profile.to_c() as c_profile:
            self._lib.gspnp_server_assign_profile(
                self._server(),
                *_lib.text(mac),
                c_profile.pointer,
                _lib.unsigned(format, 32, "format"),
                *_lib.text(token or ""),
            )

    def set_default_url(self, vendor: str, url: str, model: str = "") -> None:
        """Tells every phone of ``vendor`` (and ``model``, when given) without an
        assignment of its own to fetch from ``url``; an empty ``url`` removes it."""
        self._lib.gspnp_server_set_default_url(self._server(), *_lib.text(vendor), *_lib.text(model), *_lib.text(url))

    def set_default_profile(self, vendor: str, profile: Optional[Profile], model: str = "", format: int = 2) -> None:
        """Gives every phone of ``vendor`` (and ``model``, when given) without an
        assignment of its own ``profile``; None removes that default."""
        args = (self._server(), *_lib.text(vendor), *_lib.text(model))
        format_number = _lib.unsigned(format, 32, "format")
        if profile is None:
            self._lib.gspnp_server_set_default_profile(*args, None, format_number)
            return
        with profile.to_c() as c_profile:
            self._lib.gspnp_server_set_default_profile(*args, c_profile.pointer, format_number)

    def unassign(self, mac: str) -> None:
        """Forgets what ``mac`` was assigned; a NOTIFY under way finishes."""
        self._lib.gspnp_server_unassign(self._server(), *_lib.text(mac))

    def decide(self, ticket: int, accept: bool) -> None:
        """Accepts (sends the NOTIFY) or refuses a ConfigFile taken from
        :meth:`events`. A ticket no longer waiting is ignored."""
        self._lib.gspnp_server_decide(self._server(), _lib.unsigned(ticket, 64, "ticket"), bool(accept))

    def set_mode(self, mode: ModeLike) -> None:
        """Changes the mode (off / discover / provision) of the running server."""
        self._lib.gspnp_server_set_mode(self._server(), mode_value(mode))

    def feed(self, datagram: bytes, source: Address, local: Address) -> None:
        """Feed mode: hands the server a datagram the host received from ``source``
        on its address ``local``. Replies come as ``on_transmit`` / Transmit events."""
        self._lib.gspnp_server_feed(
            self._server(), *_lib.data(datagram), _lib.address(source), _lib.address(local)
        )

    def stats(self) -> Stats:
        """A snapshot of the server's counters."""
        return read_stats(self._lib, self._server())

    # --- pull API ----------------------------------------------------------------

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event of a server without callbacks, waiting up to ``timeout``
        seconds (None: until one comes); None when none came in time.

        Raises Stopped once the server is stopped (also while waiting), InvalidValue
        for a server with callbacks.
        """
        server = self._server()
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        out = ctypes.POINTER(_lib.gspnp_event)()
        while True:
            wait = _POLL_SECONDS if deadline is None else min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.0))
            try:
                self._lib.gspnp_server_next_event(server, _lib.milliseconds(wait, "timeout"), ctypes.byref(out))
            except Timeout:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            try:
                event = read_event(self._lib, out)
            finally:
                self._lib.gspnp_event_free(out)
            if event is not None:
                return event

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Yields the events of a server without callbacks until it is stopped or
        (with a ``timeout``) none came for ``timeout`` seconds."""
        while True:
            try:
                event = self.next_event(timeout)
            except Stopped:
                return
            if event is None:
                return
            yield event


def _free_server(lib: Any, pointer: Any, callbacks: Optional[CallbackSet]) -> None:
    """Stops and frees a server that is garbage-collected or still running at exit."""
    lib.gspnp_server_free(pointer)
    if callbacks is not None and not callbacks.release():
        _never_released.append(callbacks)
