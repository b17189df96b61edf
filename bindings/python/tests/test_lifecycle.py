"""No callback thread outlives its server or the interpreter; trampolines live until
the library released them."""

from __future__ import annotations

import gc
import textwrap
import threading

from python_process import run_python
from simulated_phone import SimulatedPhone

import gspnp
from gspnp import server as server_module


def test_a_server_garbage_collected_while_running_is_stopped_and_releases_its_callbacks() -> None:
    server = gspnp.Server(port=0, multicast=False, on_log=lambda level, line: None).start()
    callbacks = server._callbacks
    assert callbacks is not None and not callbacks.released.is_set()

    del server
    gc.collect()

    assert callbacks.released.is_set()


def test_a_server_dropped_inside_its_own_callback_is_freed_later_without_a_crash(phone: SimulatedPhone) -> None:
    holder = {}
    dropped = threading.Event()

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        holder.clear()  # the last reference: the server is finalized on this thread
        dropped.set()

    holder["server"] = gspnp.Server(port=0, multicast=False, on_device=on_device).start()
    callbacks = holder["server"]._callbacks
    phone.subscribe(holder["server"].port)

    assert dropped.wait(5)
    assert callbacks is not None and callbacks.released.wait(5)
    assert any(kept is callbacks for kept in server_module._never_released)


def test_stop_releases_the_callbacks_and_the_user_callables() -> None:
    server = gspnp.Server(port=0, multicast=False, on_log=lambda level, line: None).start()
    callbacks = server._callbacks
    server.stop()

    assert callbacks is not None and callbacks.released.is_set() and not callbacks._keep_alive


def test_servers_still_running_at_exit_are_stopped_before_finalization() -> None:
    script = textwrap.dedent(
        """
        import atexit, threading, time
        import gspnp
        from simulated_phone import SimulatedPhone

        running = {}
        # Registered before any gspnp object exists, so it runs after gspnp's exit hook.
        atexit.register(lambda: print("released at exit:", running["callbacks"].released.is_set()))
        inside = threading.Event()

        def slow_log(level, line):
            inside.set()
            time.sleep(0.2)

        server = gspnp.Server(port=0, multicast=False, on_log=slow_log, on_device=lambda d, n: time.sleep(0.2))
        server.start()
        running["callbacks"] = server._callbacks
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
