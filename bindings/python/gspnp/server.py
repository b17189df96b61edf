"""A running PnP server: :class:`Server`."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import time
import warnings
import weakref
from typing import Any, AsyncIterator, Iterator, Optional, Sequence, Tuple

from . import _handle, _lib
from ._aio import AsyncEvents
from ._callbacks import (
    CallbackSet,
    OnConfig,
    OnDevice,
    OnEventsDropped,
    OnLog,
    OnNotifyResult,
    OnTransmit,
    Trampolines,
    log_to_logging,
)
from ._handle import ServerHandle
from ._lib import Address
from .config import AnswerCode, ModeLike, Rule, ServerConfig, mode_value
from .errors import AlreadyRunning, Status, Stopped, Timeout
from .events import Event, LogLine, read_event
from .profile import Profile
from .stats import Stats, read_stats

_POLL_SECONDS = 0.25
"""The longest single wait in the library, so that Ctrl-C is seen between waits."""

_exiting = False
"""Set at interpreter exit: servers closed then are not reported as leaked."""


def _note_exit() -> None:
    global _exiting
    _exiting = True


_handle.register_exit_hook(_note_exit)


def _close_unreachable(handle: ServerHandle, description: str) -> None:
    """The finalizer of a Server: closes its handle, with a ResourceWarning (as for
    files and sockets) when it was still running and the interpreter is not exiting."""
    if not handle.closing and not _exiting:
        warnings.warn(f"unclosed {description}: stopped when it was garbage-collected", ResourceWarning, stacklevel=2)
    handle.close()


class Server:
    """A ua-profile PnP server.

    Configure it with a :class:`ServerConfig` or the same settings as keywords
    (``port=0, multicast=False, ...``); a wrong type or value raises TypeError or
    ValueError (:class:`InvalidValue`) naming the setting, here. Events go either to
    callbacks (any ``on_*`` given; they run on the library's callback thread, named
    ``gspnp-callbacks``, and library log lines go to the ``gspnp.library`` logger
    unless ``on_log`` is given) or, with no callbacks, to :meth:`events` /
    :meth:`next_event` / :meth:`aevents`, which send log lines to the ``gspnp.library``
    logger instead of yielding them.

    ``with Server(...) as server:`` (or ``async with``) starts it and stops it at the
    end. A stopped server cannot be started again; every request to it raises
    :class:`Stopped`. A server that becomes unreachable while running (even when its
    callbacks refer to it) is stopped and freed by the garbage collector, with a
    ResourceWarning; one still running at interpreter exit is stopped before threads
    are joined, so iterators of its events end and no callback thread outlives the
    interpreter.
    """

    def __init__(
        self,
        config: Optional[ServerConfig] = None,
        *,
        port: Optional[int] = None,
        interfaces: Sequence[str] = (),
        multicast: Optional[bool] = None,
        mode: Optional[ModeLike] = None,
        answer_code: Optional[AnswerCode] = None,
        url_template: Optional[str] = None,
        timers: Optional[Tuple[float, float, float]] = None,
        cooldown: Optional[float] = None,
        max_devices: Optional[int] = None,
        rate_limit: Optional[Tuple[int, float]] = None,
        feed_mode: Optional[bool] = None,
        event_queue: Optional[int] = None,
        receive_buffer: Optional[int] = None,
        rules: Sequence[Rule] = (),
        on_device: Optional[OnDevice] = None,
        on_config: Optional[OnConfig] = None,
        on_notify_result: Optional[OnNotifyResult] = None,
        on_log: Optional[OnLog] = None,
        on_transmit: Optional[OnTransmit] = None,
        on_events_dropped: Optional[OnEventsDropped] = None,
    ) -> None:
        settings = ServerConfig(
            port=port,
            interfaces=interfaces,
            multicast=multicast,
            mode=mode,
            answer_code=answer_code,
            url_template=url_template,
            timers=timers,
            cooldown=cooldown,
            max_devices=max_devices,
            rate_limit=rate_limit,
            feed_mode=feed_mode,
            event_queue=event_queue,
            receive_buffer=receive_buffer,
            rules=rules,
        )
        if config is not None and settings != ServerConfig():
            raise TypeError("give either a ServerConfig or its settings as keywords, not both")
        if config is not None and not isinstance(config, ServerConfig):
            raise TypeError(f"config must be a ServerConfig, not {type(config).__name__}")
        self.config = config if config is not None else settings
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
        self._handle: Optional[ServerHandle] = None
        self._stopped = False
        self._port: Optional[int] = None

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> Server:
        """Opens the socket (unless in feed mode) and starts the library's threads.

        Raises AddressInUse, NoSuchInterface, IoError; AlreadyRunning when started
        twice; Stopped after :meth:`stop`. Returns the server.
        """
        if self._stopped:
            raise Stopped(Status.STOPPED, "a stopped server cannot be started again; create a new Server")
        if self._handle is not None:
            raise AlreadyRunning(Status.ALREADY_RUNNING, "the server was already started")
        trampolines = Trampolines(self._callbacks) if self._callbacks is not None else None
        out = ctypes.POINTER(_lib.gspnp_server)()
        # The library writes the handle into `out` before any callback runs; callbacks
        # reach the server through the Python object, which has its handle from here.
        callbacks = ctypes.byref(trampolines.struct) if trampolines is not None else None
        self._lib.gspnp_server_start(self._c_config.pointer, callbacks, ctypes.byref(out))
        self._handle = ServerHandle(self._lib, out, trampolines)
        self._c_config.close()
        if not self.config.feed_mode:
            port = ctypes.c_uint16()
            self._handle.call("gspnp_server_port", ctypes.byref(port))
            self._port = port.value
        weakref.finalize(self, _close_unreachable, self._handle, repr(self))
        return self

    def stop(self) -> None:
        """Stops the server: when it returns no callback runs any more, the library's
        threads are joined and the server is freed. A second call, or a call before
        :meth:`start`, does nothing more.

        Raises CalledFromCallback from inside one of this server's callbacks (the
        server keeps running then).
        """
        handle = self._handle
        self._stopped = True
        if handle is None:
            self._c_config.close()
            return
        if handle.closing:
            return
        handle.call("gspnp_server_stop")  # CalledFromCallback propagates from here
        handle.close()

    async def astop(self) -> None:
        """:meth:`stop` without blocking the event loop (it runs in the loop's default
        executor)."""
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def __enter__(self) -> Server:
        if self._handle is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Server:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.astop()

    def __repr__(self) -> str:
        if self._handle is None:
            state = "stopped" if self._stopped else "not started"
        else:
            state = "stopped" if self._stopped or self._handle.closing else "running"
        where = "feed mode" if self.config.feed_mode else f"port={self._port if self._port is not None else self.config.port}"
        return f"<gspnp.Server {where} {state}>"

    # --- requests ----------------------------------------------------------------

    def _call(self, function: str, *arguments: Any) -> Any:
        """``function(server, *arguments)`` through the handle; Stopped when the
        server was never started or is stopped."""
        if self._handle is None:
            raise Stopped(Status.NOT_RUNNING, "the server has not been started")
        return self._handle.call(function, *arguments)

    @property
    def port(self) -> int:
        """The unicast port answers come from (see ``unicast_port``); InvalidValue in feed mode."""
        port = ctypes.c_uint16()
        self._call("gspnp_server_port", ctypes.byref(port))
        return port.value

    def assign_url(self, mac: str, url: str) -> None:
        """Tells phone ``mac`` to fetch its file from ``url`` (a folder URL ending in
        ``/`` where the host serves ``cfg<mac>.xml``): now if it is waiting, else at
        its next SUBSCRIBE. Replaces an earlier assignment. Callable from callbacks."""
        self._call("gspnp_server_assign_url", *_lib.text(mac, "mac"), *_lib.text(url, "url"))

    def assign_profile(self, mac: str, profile: Profile, format: int = 2, token: Optional[str] = None) -> None:
        """Gives phone ``mac`` ``profile`` (copied): at its SUBSCRIBE the file is
        rendered for its model in ``format`` (1 or 2) and offered to ``on_config`` (or
        as a ConfigFile event), and the phone is told the URL from the template.
        ``token`` pins the URL token (at least 22 of A-Z a-z 0-9 - _)."""
        _require(profile, Profile, "profile")
        arguments = (_lib.unsigned(format, 32, "format"), *_lib.text(token or "", "token"))
        with profile.to_c() as c_profile:
            self._call("gspnp_server_assign_profile", *_lib.text(mac, "mac"), c_profile.pointer, *arguments)

    def set_default_url(self, vendor: str, url: str, model: str = "") -> None:
        """Tells every phone of ``vendor`` (and ``model``, when given) without an
        assignment of its own to fetch from ``url``; an empty ``url`` removes it."""
        selector = (*_lib.text(vendor, "vendor"), *_lib.text(model, "model"))
        self._call("gspnp_server_set_default_url", *selector, *_lib.text(url, "url"))

    def set_default_profile(self, vendor: str, profile: Optional[Profile], model: str = "", format: int = 2) -> None:
        """Gives every phone of ``vendor`` (and ``model``, when given) without an
        assignment of its own ``profile``; None removes that default."""
        selector = (*_lib.text(vendor, "vendor"), *_lib.text(model, "model"))
        format_number = _lib.unsigned(format, 32, "format")
        if profile is None:
            self._call("gspnp_server_set_default_profile", *selector, None, format_number)
            return
        _require(profile, Profile, "profile")
        with profile.to_c() as c_profile:
            self._call("gspnp_server_set_default_profile", *selector, c_profile.pointer, format_number)

    def unassign(self, mac: str) -> None:
        """Forgets what ``mac`` was assigned; a NOTIFY under way finishes."""
        self._call("gspnp_server_unassign", *_lib.text(mac, "mac"))

    def decide(self, ticket: int, accept: bool) -> None:
        """Accepts (sends the NOTIFY) or refuses a ConfigFile taken from
        :meth:`events`. A ticket no longer waiting is ignored."""
        _require(accept, bool, "accept")
        self._call("gspnp_server_decide", _lib.unsigned(ticket, 64, "ticket"), accept)

    def set_mode(self, mode: ModeLike) -> None:
        """Changes the mode (off / discover / provision) of the running server."""
        self._call("gspnp_server_set_mode", mode_value(mode))

    def feed(self, datagram: bytes, source: Address, local: Address) -> None:
        """Feed mode: hands the server a datagram the host received from ``source``
        on its address ``local``. Replies come as ``on_transmit`` / Transmit events."""
        self._call("gspnp_server_feed", *_lib.data(datagram, "datagram"), _lib.address(source), _lib.address(local))

    def stats(self) -> Stats:
        """A snapshot of the server's counters."""
        if self._handle is None:
            raise Stopped(Status.NOT_RUNNING, "the server has not been started")
        with self._handle.enter() as pointer:
            return read_stats(self._lib, pointer)

    # --- pull API ----------------------------------------------------------------

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event of a server without callbacks, waiting up to ``timeout``
        seconds (None: until one comes); None when none came in time. Library log
        lines are not events: they go to the ``gspnp.library`` logger at their level.

        Raises Stopped once the server is stopped (also while waiting), WrongMode for
        a server with callbacks.
        """
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        out = ctypes.POINTER(_lib.gspnp_event)()
        while True:
            wait = _POLL_SECONDS if deadline is None else min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.0))
            try:
                self._call("gspnp_server_next_event", _lib.milliseconds(wait, "timeout"), ctypes.byref(out))
            except Timeout:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            try:
                event = read_event(self._lib, out)
            finally:
                self._lib.gspnp_event_free(out)
            if isinstance(event, LogLine):
                log_to_logging(event.level, event.line)
            elif event is not None:
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

    def aevents(self, timeout: Optional[float] = None, buffer: int = 256) -> AsyncIterator[Event]:
        """:meth:`events` for asyncio: ``async for event in server.aevents():``. A
        daemon thread takes the events and hands them to the loop, at most ``buffer``
        ahead of the consumer; the loop is never blocked."""
        return AsyncEvents(lambda: self.events(timeout), _lib.unsigned(buffer, 32, "buffer") or 1)


def _require(value: Any, kind: type, what: str) -> None:
    """TypeError naming ``what`` unless ``value`` is a ``kind``."""
    if not isinstance(value, kind):
        raise TypeError(f"{what} must be a {kind.__name__}, not {type(value).__name__}")
