"""What a server knows about its phones (devices/device/forget), deciding on a file
later from another thread, the decision limit, the two callback lanes, and the
library's log level."""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional, Tuple

import pytest
from simulated_phone import MAC_LOWER, SimulatedPhone, notify_body, subscribe_from

import gspnp

WAIT = 5.0
URL = "http://127.0.0.1:8080/gspnp/phone/"


def wait_for(condition: Callable[[], Optional[gspnp.KnownDevice]]) -> gspnp.KnownDevice:
    """Polls ``condition`` until it gives a phone (at most WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError("the condition was not met in time")


def test_a_discovered_phone_is_read_back_then_forgotten(phone: SimulatedPhone) -> None:
    before = datetime.now(timezone.utc)
    with gspnp.Server(port=0, multicast=False, mode="discover") as server:
        assert server.devices() == []
        phone.subscribe(server.port)
        known = wait_for(lambda: server.device("00:0B:82:F5:52:84"))
        everything = server.devices()
        forgotten, forgotten_again = server.forget(MAC_LOWER), server.forget(MAC_LOWER)
        after_forget = server.device(MAC_LOWER), server.devices()

    assert everything == [known]
    assert (known.mac, known.vendor, known.model, known.firmware) == (MAC_LOWER, "Grandstream", "GRP2614", "1.0.0.31")
    assert known.address == ("127.0.0.1", phone.port)
    assert before - timedelta(seconds=1) <= known.first_seen <= known.last_seen <= datetime.now(timezone.utc)
    assert known.first_seen.tzinfo is not None and known.subscribes == 1
    assert (known.state, known.failure, known.assigned) == (gspnp.DeviceState.SEEN, gspnp.Failure.NONE, False)
    assert (known.last_notify_outcome, known.last_notify_status) == (None, None)
    assert (forgotten, forgotten_again) == (True, False)
    assert after_forget == (None, [])


def test_an_acknowledged_phone_shows_its_last_notify(phone: SimulatedPhone) -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        server.assign_url(MAC_LOWER, URL)
        phone.subscribe(server.port)
        phone.expect_notify()
        known = wait_for(lambda: _in_state(server, gspnp.DeviceState.ACKNOWLEDGED))

    assert known.assigned and known.last_notify_outcome is gspnp.NotifyOutcome.ACKNOWLEDGED
    assert known.last_notify_status == 200


def test_a_malformed_mac_is_an_invalid_value_not_none() -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        with pytest.raises(gspnp.InvalidValue):
            server.device("not-a-mac")
        with pytest.raises(gspnp.InvalidValue):
            server.forget("not-a-mac")


def test_read_back_after_stop_raises_stopped() -> None:
    server = gspnp.Server(port=0, multicast=False).start()
    server.stop()

    for request in (server.devices, lambda: server.device(MAC_LOWER), lambda: server.forget(MAC_LOWER)):
        with pytest.raises(gspnp.Stopped):
            request()


def test_a_file_decided_later_from_another_thread_is_sent(phone: SimulatedPhone) -> None:
    tickets: "queue.Queue[int]" = queue.Queue()

    def on_config(file: gspnp.ConfigFile) -> gspnp.Decision:
        tickets.put(file.ticket)
        return gspnp.Decision.LATER

    with gspnp.Server(port=0, multicast=False, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile())
        phone.subscribe(server.port)
        ticket = tickets.get(timeout=WAIT)
        waiting = wait_for(lambda: _in_state(server, gspnp.DeviceState.AWAITING_HOST))
        decider = threading.Thread(target=server.decide, args=(ticket, True))
        decider.start()
        decider.join(WAIT)
        notify = phone.expect_notify()

    assert waiting.mac == MAC_LOWER
    assert notify_body(notify).startswith("http://127.0.0.1/gspnp/")


def test_a_file_not_decided_within_the_decision_timeout_fails_the_phone(phone: SimulatedPhone) -> None:
    with gspnp.Server(port=0, multicast=False, decision_timeout=0.2, on_config=lambda file: gspnp.Decision.LATER) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile())
        phone.subscribe(server.port)
        failed = wait_for(lambda: _in_state(server, gspnp.DeviceState.FAILED))
        refused = server.stats().files_refused

    assert failed.failure is gspnp.Failure.NO_DECISION and refused == 1


@pytest.mark.parametrize("returned", [False, gspnp.Decision.REFUSE, None, "yes", 1])
def test_on_config_refuses_the_file_unless_it_returns_true_accept_or_later(
    phone: SimulatedPhone, returned: object
) -> None:
    offered = threading.Event()

    def on_config(file: gspnp.ConfigFile) -> object:
        offered.set()
        return returned

    with gspnp.Server(port=0, multicast=False, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile())
        phone.subscribe(server.port)
        assert offered.wait(WAIT)
        failed = wait_for(lambda: _in_state(server, gspnp.DeviceState.FAILED))

    assert failed.failure is gspnp.Failure.VETOED


def test_a_slow_on_device_does_not_hold_back_the_file_offer(phone: SimulatedPhone) -> None:
    """The two lanes run at once: on_device waits for on_config of the same phone."""
    offered = threading.Event()
    waited: List[bool] = []

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        waited.append(offered.wait(WAIT))

    def on_config(file: gspnp.ConfigFile) -> bool:
        offered.set()
        return True

    with gspnp.Server(port=0, multicast=False, on_device=on_device, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile())
        phone.subscribe(server.port)
        phone.expect_notify()
        assert offered.wait(WAIT)

    assert waited == [True]


def test_the_log_level_keeps_less_severe_lines_from_being_made(phone: SimulatedPhone) -> None:
    lines: "queue.Queue[Tuple[gspnp.LogLevel, str]]" = queue.Queue()
    seen = threading.Event()
    with gspnp.Server(port=0, multicast=False, mode="discover", log_level="warn",
                      on_device=lambda device, is_new: seen.set(),
                      on_log=lambda level, line: lines.put((level, line))) as server:
        phone.subscribe(server.port)
        assert seen.wait(WAIT)
    made = [level for level, _ in list(lines.queue)]

    assert all(level <= gspnp.LogLevel.WARN for level in made)


def test_by_default_the_library_makes_only_the_lines_the_logger_lets_through(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: List[gspnp.LogLevel] = []
    monkeypatch.setattr(gspnp.server, "log_to_logging", lambda level, line: made.append(level))

    def lines_made_for_a_phone(logger_level: int, branch: str) -> List[gspnp.LogLevel]:
        made.clear()
        caplog.set_level(logger_level, logger="gspnp.library")
        with gspnp.Server(port=0, multicast=False, mode="discover") as server:
            phone.subscribe(server.port, branch=branch)
            list(server.events(timeout=0.5))
        return list(made)

    assert gspnp.LogLevel.INFO in lines_made_for_a_phone(logging.INFO, "z9hG4bKloud")
    assert lines_made_for_a_phone(logging.WARNING, "z9hG4bKquiet") == []


def _in_state(server: gspnp.Server, state: gspnp.DeviceState) -> Optional[gspnp.KnownDevice]:
    known = server.device(MAC_LOWER)
    return known if known is not None and known.state == state else None


def test_log_lines_a_slow_on_log_cannot_take_are_reported_dropped(phone: SimulatedPhone) -> None:
    release = threading.Event()
    dropped: "queue.Queue[Tuple[object, int]]" = queue.Queue()

    def on_log(level: gspnp.LogLevel, line: str) -> None:
        release.wait(WAIT)

    server = gspnp.Server(port=0, multicast=False, mode="discover", event_queue=1, on_log=on_log,
                          on_events_dropped=lambda kind, count: dropped.put((kind, count)))
    with server:
        for index in range(5):
            phone.socket.sendto(subscribe_from("127.0.0.1", phone.port, mac=f"000B82F5528{index}",
                                               branch=f"z9hG4bKdrop{index}"), ("127.0.0.1", server.port))
        wait_for(lambda: server.device("000b82f55284"))
        release.set()
        kind, count = dropped.get(timeout=WAIT)
        counted = server.stats().log_lines_dropped

    assert kind is gspnp.EventKind.LOG and count >= 1 and counted >= count
