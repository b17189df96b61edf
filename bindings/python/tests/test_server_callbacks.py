"""A full provisioning over loopback with callbacks: a simulated GRP2614 boots, the
host assigns it from inside on_device (or gives it a profile and gets the file in
on_config), the phone acknowledges the NOTIFY."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, List

import pytest
from simulated_phone import MAC_LOWER, SimulatedPhone, notify_body

import gspnp

URL = "http://127.0.0.1:8080/gspnp/phone/"
WAIT = 5.0


def test_a_phone_is_assigned_from_inside_on_device_and_acknowledges(phone: SimulatedPhone) -> None:
    devices: List[Any] = []
    results: "queue.Queue[gspnp.NotifyResult]" = queue.Queue()
    stop_inside: List[gspnp.GspnpError] = []

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        devices.append((device, is_new))
        server.assign_url(device.mac, URL)
        try:
            server.stop()
        except gspnp.CalledFromCallback as error:
            stop_inside.append(error)

    server = gspnp.Server(port=0, multicast=False, on_device=on_device, on_notify_result=results.put)
    with server:
        trampolines = server._handle._trampolines if server._handle else None
        phone.subscribe(server.port)
        notify = phone.expect_notify()
        result = results.get(timeout=WAIT)

        assert notify_body(notify) == URL
        assert "\r\nEvent: ua-profile\r\n" in notify
        [(device, is_new)] = devices
        assert is_new and device.mac == MAC_LOWER and device.model == "GRP2614"
        assert device.source == ("127.0.0.1", phone.port)
        assert result.outcome is gspnp.NotifyOutcome.ACKNOWLEDGED
        assert (result.status_code, result.in_dialog, result.url, result.mac) == (200, True, URL, MAC_LOWER)
        assert [error.status for error in stop_inside] == [gspnp.Status.CALLED_FROM_CALLBACK]
        stats = server.stats()
        assert (stats.answers_sent, stats.notifies_acknowledged, stats.datagrams) == (1, 1, 2)

    assert trampolines is not None and trampolines.released.is_set() and not trampolines._keep_alive


def test_a_profile_assignment_offers_its_file_in_on_config(phone: SimulatedPhone) -> None:
    files: "queue.Queue[gspnp.ConfigFile]" = queue.Queue()

    def on_config(file: gspnp.ConfigFile) -> bool:
        files.put(file)
        return True

    profile = gspnp.Profile(accounts=[gspnp.Account(user_id="1001", sip_server="pbx.example.com", password="s3cret")])
    with gspnp.Server(port=0, multicast=False, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, profile, format=2)
        phone.subscribe(server.port)
        notify = phone.expect_notify()
        file = files.get(timeout=WAIT)

    assert file.mac == MAC_LOWER and file.model == "GRP2614"
    assert file.file_name == "cfg000b82f55284.xml"
    assert b"pbx.example.com" in file.contents and b"s3cret" in file.contents
    assert file.url.startswith("http://127.0.0.1/gspnp/") and file.url.endswith("/")
    assert file.token and file.token in file.url
    assert notify_body(notify) == file.url
    assert "s3cret" not in repr(file) and file.token not in repr(file)


def test_a_pinned_token_is_used_in_the_url(phone: SimulatedPhone) -> None:
    files: "queue.Queue[gspnp.ConfigFile]" = queue.Queue()
    token = "abcdefghijklmnopqrstuvwxyz_-0123"

    def on_config(file: gspnp.ConfigFile) -> bool:
        files.put(file)
        return True

    with gspnp.Server(port=0, multicast=False, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile(), token=token)
        phone.subscribe(server.port)
        phone.expect_notify()

    assert files.get(timeout=WAIT).token == token


def test_an_exception_in_on_config_is_logged_and_refuses_the_file(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture
) -> None:
    offered = threading.Event()

    def on_config(file: gspnp.ConfigFile) -> bool:
        offered.set()
        raise RuntimeError("the file store is down")

    with gspnp.Server(port=0, multicast=False, on_config=on_config) as server:
        server.assign_profile(MAC_LOWER, gspnp.Profile())
        phone.subscribe(server.port)
        assert offered.wait(WAIT)
        phone.socket.settimeout(0.5)
        received = _drain(phone)
        refused = server.stats().files_refused

    assert not any(text.startswith("NOTIFY") for text in received)
    assert refused == 1
    assert any("on_config" in record.getMessage() and record.exc_info for record in caplog.records)


def test_an_exception_in_on_device_is_logged_and_the_server_keeps_working(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture
) -> None:
    calls = threading.Semaphore(0)

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        calls.release()
        raise ValueError("host bug")

    with gspnp.Server(port=0, multicast=False, on_device=on_device) as server:
        phone.subscribe(server.port, branch="z9hG4bKfirst")
        assert calls.acquire(timeout=WAIT)
        server.assign_url(MAC_LOWER, URL)
        phone.subscribe(server.port, branch="z9hG4bKsecond")
        assert calls.acquire(timeout=WAIT)
        notify = phone.expect_notify()

    assert notify_body(notify) == URL
    assert sum("on_device" in record.getMessage() for record in caplog.records) == 2


def test_library_log_lines_go_to_logging_without_on_log(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture
) -> None:
    seen = threading.Event()
    caplog.set_level(logging.DEBUG, logger="gspnp.library")
    with gspnp.Server(port=0, multicast=False, on_device=lambda device, is_new: seen.set()) as server:
        phone.subscribe(server.port)
        assert seen.wait(WAIT)
    assert any(record.name == "gspnp.library" for record in caplog.records)


def test_on_log_gets_levels_and_lines(phone: SimulatedPhone) -> None:
    lines: "queue.Queue[tuple]" = queue.Queue()
    with gspnp.Server(port=0, multicast=False, on_log=lambda level, line: lines.put((level, line))) as server:
        phone.subscribe(server.port)
        level, line = lines.get(timeout=WAIT)

    assert isinstance(level, gspnp.LogLevel) and isinstance(line, str) and line


def test_feed_mode_sends_through_on_transmit() -> None:
    transmitted: "queue.Queue[tuple]" = queue.Queue()
    subscribe = _subscribe_from_phone_at("192.0.2.20", 5062)

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        server.assign_url(device.mac, URL)

    server = gspnp.Server(
        feed_mode=True,
        on_device=on_device,
        on_transmit=lambda data, destination, source: transmitted.put((data, destination, source)),
    )
    with server:
        server.feed(subscribe, source=("192.0.2.20", 5062), local=("192.0.2.1", 5060))
        answer, destination, source = transmitted.get(timeout=WAIT)
        notify, _, _ = transmitted.get(timeout=WAIT)

    assert answer.startswith(b"SIP/2.0 200 OK\r\n")
    assert destination == ("192.0.2.20", 5062) and source == ("192.0.2.1", 5060)
    assert notify.startswith(b"NOTIFY ") and notify.endswith(URL.encode())


def _subscribe_from_phone_at(host: str, port: int) -> bytes:
    from simulated_phone import subscribe_from

    return subscribe_from(host, port)


def _drain(phone: SimulatedPhone) -> List[str]:
    """Everything the phone receives until a receive times out."""
    received = []
    while True:
        try:
            received.append(phone.receive())
        except OSError:
            return received
