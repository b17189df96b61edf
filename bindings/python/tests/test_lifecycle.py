"""No callback thread outlives its server or the interpreter; trampolines live until
the library released them; an unreachable server is collected and stopped even when
its callbacks refer to it; exit never crashes while threads wait for events."""

from __future__ import annotations

import gc
import socket
import textwrap
import threading
import warnings
from typing import Any, List

import pytest
from python_process import run_python
from simulated_phone import SimulatedPhone

import gspnp
from gspnp import _handle


def trampolines_of(server: gspnp.Server) -> Any:
    assert server._handle is not None
    return server._handle._trampolines


def test_a_server_garbage_collected_while_running_is_stopped_and_releases_its_callbacks() -> None:
    server = gspnp.Server(port=0, multicast=False, on_log=lambda level, line: None).start()
    trampolines = trampolines_of(server)
    assert trampolines is not None and not trampolines.released.is_set()

    with pytest.warns(ResourceWarning, match="unclosed <gspnp.Server port=[0-9]+ running>"):
        del server
        gc.collect()

    assert trampolines.released.is_set()


def test_a_server_whose_callback_refers_to_it_is_collected_and_its_port_closed() -> None:
    """The "reload by replacing the server" case: the old one must stop answering."""
    seen: List[gspnp.Device] = []

    def make() -> gspnp.Server:
        server: gspnp.Server

        def on_device(device: gspnp.Device, is_new: bool) -> None:
            seen.append(device)
            server.assign_url(device.mac, "http://127.0.0.1/p/")  # the callback refers to the server

        server = gspnp.Server(port=0, multicast=False, on_device=on_device).start()
        return server

    server = make()
    port = server.port
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        server = None  # type: ignore[assignment]
        gc.collect()

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", port))  # the port is free again: the server was stopped
    probe.close()


def test_a_server_dropped_inside_its_own_callback_is_freed_later_without_a_crash(phone: SimulatedPhone) -> None:
    holder = {}
    dropped = threading.Event()

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            holder.clear()  # the last reference: the server is finalized on this thread
        dropped.set()

    holder["server"] = gspnp.Server(port=0, multicast=False, on_device=on_device).start()
    trampolines = trampolines_of(holder["server"])
    phone.subscribe(holder["server"].port)

    assert dropped.wait(5)
    assert trampolines is not None and trampolines.released.wait(5)


def test_stop_releases_the_callbacks_and_the_user_callables() -> None:
    server = gspnp.Server(port=0, multicast=False, on_log=lambda level, line: None).start()
    trampolines = trampolines_of(server)
    server.stop()

    assert trampolines is not None and trampolines.released.is_set() and not trampolines._keep_alive
    assert not _handle._open_handles


def test_repr_shows_the_port_and_the_state() -> None:
    server = gspnp.Server(port=0, multicast=False)
    assert repr(server) == "<gspnp.Server port=0 not started>"
    with server:
        assert repr(server) == f"<gspnp.Server port={server.port} running>"
        port = server.port
    assert repr(server) == f"<gspnp.Server port={port} stopped>"
    assert repr(gspnp.Server(feed_mode=True)) == "<gspnp.Server feed mode not started>"


def test_callbacks_run_on_a_thread_named_gspnp_callbacks(phone: SimulatedPhone) -> None:
    names: List[str] = []
    seen = threading.Event()

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        names.append(threading.current_thread().name)
        seen.set()

    with gspnp.Server(port=0, multicast=False, on_device=on_device) as server:
        phone.subscribe(server.port)
        assert seen.wait(5)

    assert names == ["gspnp-callbacks"]


def test_servers_still_running_at_exit_are_stopped_before_finalization() -> None:
    script = textwrap.dedent(
        """
        import atexit, threading, time
        import gspnp
        from simulated_phone import SimulatedPhone

        running = {}
        # Registered before any gspnp object exists, so it runs after gspnp's exit hook.
        atexit.register(lambda: print("released at exit:", running["trampolines"].released.is_set()))
        inside = threading.Event()

        def slow_log(level, line):
            inside.set()
            time.sleep(0.2)

        server = gspnp.Server(port=0, multicast=False, on_log=slow_log, on_device=lambda d, n: time.sleep(0.2))
        server.start()
        running["trampolines"] = server._handle._trampolines
        events = gspnp.Server(port=0, multicast=False).start()
        phone = SimulatedPhone()
        for number in range(5):
            phone.subscribe(server.port, branch=f"z9hG4bKexit{number}")
        assert inside.wait(5)
        print("exiting with a callback running")
        """
    )

    process = run_python(script, {})

    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines() == ["exiting with a callback running", "released at exit: True"]
    assert process.stderr == ""


EXIT_WHILE_ITERATING = textwrap.dedent(
    """
    import threading
    import gspnp
    from simulated_phone import SimulatedPhone

    servers = [gspnp.Server(port=0, multicast=False, mode="discover").start() for _ in range(3)]
    started = threading.Barrier(3 * 4 + 2)

    def drain(server):
        started.wait()
        for event in server.events():
            pass

    for server in servers:
        for _ in range(4):
            threading.Thread(target=drain, args=(server,), daemon=True).start()
    threading.Thread(target=drain, args=(servers[0],), daemon=False).start()  # must not block exit
    started.wait()
    phone = SimulatedPhone()
    for number, server in enumerate(servers):
        phone.subscribe(server.port, branch=f"z9hG4bKexit{number}")
    print("exiting")
    """
)


def test_exit_while_threads_iterate_events_neither_crashes_nor_hangs() -> None:
    """Issue 16: a segfault or a Rust panic in 8 of 20 exits (the finalizer freed the
    server under threads waiting in next_event); a non-daemon iterator blocked exit."""
    for _ in range(10):
        process = run_python(EXIT_WHILE_ITERATING, {})

        assert (process.returncode, process.stdout, process.stderr) == (0, "exiting\n", "")
