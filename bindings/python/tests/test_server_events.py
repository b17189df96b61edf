"""The pull API: a server without callbacks, its events taken with events() and
next_event(), ConfigFile decisions with decide(), and stopping a waiting reader."""

from __future__ import annotations

import logging
import threading
import time
from typing import Iterator, Type, TypeVar

import pytest
from simulated_phone import MAC_LOWER, SimulatedPhone, notify_body, subscribe_from

import gspnp

URL = "http://127.0.0.1:8080/gspnp/phone/"
WAIT = 5.0
E = TypeVar("E")


def first(events: Iterator[gspnp.Event], kind: Type[E]) -> E:
    """The first event of ``kind``, skipping the others (log lines, ...)."""
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} before the events ended")


@pytest.fixture
def server() -> Iterator[gspnp.Server]:
    with gspnp.Server(port=0, multicast=False) as started:
        yield started


def test_a_phone_is_provisioned_through_the_event_iterator(server: gspnp.Server, phone: SimulatedPhone) -> None:
    events = server.events(timeout=WAIT)
    phone.subscribe(server.port)

    discovered = first(events, gspnp.DeviceEvent)
    server.assign_url(discovered.device.mac, URL)
    notify = phone.expect_notify()
    result = first(events, gspnp.NotifyResult)

    assert discovered.is_new and discovered.device.mac == MAC_LOWER
    assert notify_body(notify) == URL
    assert result.outcome is gspnp.NotifyOutcome.ACKNOWLEDGED and result.url == URL


def test_a_profile_file_waits_for_decide(server: gspnp.Server, phone: SimulatedPhone) -> None:
    server.assign_profile(MAC_LOWER, gspnp.Profile(accounts=[gspnp.Account(user_id="1001")]), format=1)
    events = server.events(timeout=WAIT)
    phone.subscribe(server.port)

    file = first(events, gspnp.ConfigFile)
    server.decide(file.ticket, accept=True)
    notify = phone.expect_notify()

    assert b'<config version="1">' in file.contents
    assert notify_body(notify) == file.url
    assert first(events, gspnp.NotifyResult).outcome is gspnp.NotifyOutcome.ACKNOWLEDGED


def test_next_event_returns_none_when_nothing_comes_in_time(server: gspnp.Server) -> None:
    started = time.monotonic()

    assert server.next_event(timeout=0.3) is None
    assert 0.25 <= time.monotonic() - started < 3.0


def test_stop_from_another_thread_ends_a_wait_in_next_event(server: gspnp.Server) -> None:
    stopper = threading.Timer(0.3, server.stop)
    started = time.monotonic()
    stopper.start()
    try:
        with pytest.raises(gspnp.Stopped):
            server.next_event(timeout=30)
    finally:
        stopper.join(WAIT)

    assert time.monotonic() - started < WAIT


def test_the_iterator_ends_when_the_server_stops(server: gspnp.Server) -> None:
    stopper = threading.Timer(0.3, server.stop)
    stopper.start()
    try:
        remaining = [event for event in server.events() if not isinstance(event, gspnp.LogLine)]
    finally:
        stopper.join(WAIT)

    assert remaining == []


def test_feed_mode_gives_transmit_events() -> None:
    with gspnp.Server(feed_mode=True) as server:
        events = server.events(timeout=WAIT)
        server.feed(subscribe_from("192.0.2.20", 5062), source=("192.0.2.20", 5062), local=("192.0.2.1", 5060))
        discovered = first(events, gspnp.DeviceEvent)
        server.assign_url(discovered.device.mac, URL)
        answer = first(events, gspnp.Transmit)

    assert answer.data.startswith(b"SIP/2.0 200 OK\r\n")
    assert answer.destination == ("192.0.2.20", 5062) and answer.source == ("192.0.2.1", 5060)


def test_a_server_with_callbacks_has_no_events_to_take() -> None:
    with gspnp.Server(port=0, multicast=False, on_log=lambda level, line: None) as server:
        with pytest.raises(gspnp.WrongMode):
            server.next_event(timeout=0)


def test_log_lines_of_the_iterator_go_to_logging_at_their_level_not_among_events(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="gspnp.library")
    with gspnp.Server(port=0, multicast=False, mode="discover") as server:
        phone.subscribe(server.port)
        events = list(server.events(timeout=0.5))

    assert [type(event) for event in events] == [gspnp.DeviceEvent]
    records = [record for record in caplog.records if record.name == "gspnp.library"]
    assert records and all(record.levelno in (logging.DEBUG, logging.INFO, logging.WARNING) for record in records)
    assert any("000b82f55284" in record.getMessage() for record in records)
