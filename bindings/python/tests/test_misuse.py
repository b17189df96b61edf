"""Refused configurations and calls in the wrong state raise the documented errors."""

from __future__ import annotations

import socket
from typing import Any, Callable, Dict, Type

import pytest

import gspnp

URL = "http://127.0.0.1:8080/gspnp/phone/"
MAC = "000b82f55284"


@pytest.mark.parametrize(
    "settings, error, status",
    [
        ({"url_template": "http://{ip}/{nope}/"}, gspnp.BadUrlTemplate, gspnp.Status.BAD_URL_TEMPLATE),
        ({"url_template": "gopher://{ip}/{token}/"}, gspnp.BadUrlTemplate, gspnp.Status.BAD_URL_TEMPLATE),
        ({"mode": "teleport"}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"mode": 7}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"answer_code": 201}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"port": 70000}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"timers": (4.0, 0.5, 32.0)}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"rate_limit": (0, 10.0)}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"event_queue": 0}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
        ({"rules": [gspnp.Rule("oui", "not hex")]}, gspnp.InvalidValue, None),
        ({"rules": [gspnp.Rule("planet", "x")]}, gspnp.InvalidValue, gspnp.Status.INVALID_ARGUMENT),
    ],
)
def test_a_bad_setting_is_refused_when_the_server_is_created(
    settings: Dict[str, Any], error: Type[gspnp.GspnpError], status: Any
) -> None:
    with pytest.raises(error) as caught:
        gspnp.Server(**settings)

    assert status is None or caught.value.status is status
    assert caught.value.message


def test_good_settings_are_accepted() -> None:
    config = gspnp.ServerConfig(
        port=0,
        multicast=False,
        mode=gspnp.Mode.DISCOVER,
        answer_code=202,
        url_template="https://{ip}:8443/p/{token}/",
        timers=(0.1, 1.0, 5.0),
        cooldown=1.5,
        max_devices=100,
        rate_limit=(5, 2.5),
        event_queue=16,
        rules=[gspnp.Rule(gspnp.RuleKind.VENDOR, "Grandstream"), gspnp.Rule("mac", MAC, allow=False)],
    )
    with gspnp.Server(config) as server:
        server.set_mode("provision")
        assert server.port > 0


def test_an_unknown_setting_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        gspnp.Server(prot=0)


def test_an_interface_that_does_not_exist_is_reported_at_start() -> None:
    server = gspnp.Server(port=0, interfaces=["no-such-if0"])
    with pytest.raises(gspnp.NoSuchInterface):
        server.start()
    server.stop()


def test_a_taken_unicast_port_is_reported_at_start() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        with pytest.raises(gspnp.AddressInUse):
            gspnp.Server(unicast_port=taken.getsockname()[1], multicast=False).start()


def test_stopping_twice_or_before_starting_is_fine() -> None:
    never_started = gspnp.Server(port=0, multicast=False)
    never_started.stop()
    never_started.stop()

    server = gspnp.Server(port=0, multicast=False).start()
    server.stop()
    server.stop()


def test_start_twice_and_start_after_stop_are_refused() -> None:
    server = gspnp.Server(port=0, multicast=False).start()
    with pytest.raises(gspnp.AlreadyRunning):
        server.start()
    server.stop()
    with pytest.raises(gspnp.Stopped):
        server.start()


REQUESTS: Dict[str, Callable[[gspnp.Server], Any]] = {
    "assign_url": lambda server: server.assign_url(MAC, URL),
    "assign_profile": lambda server: server.assign_profile(MAC, gspnp.Profile()),
    "set_default_url": lambda server: server.set_default_url("Grandstream", URL),
    "set_default_profile": lambda server: server.set_default_profile("Grandstream", None),
    "unassign": lambda server: server.unassign(MAC),
    "decide": lambda server: server.decide(1, True),
    "set_mode": lambda server: server.set_mode("discover"),
    "next_event": lambda server: server.next_event(timeout=0),
}


@pytest.mark.parametrize("request_name", sorted(REQUESTS))
def test_requests_after_stop_raise_stopped(request_name: str) -> None:
    server = gspnp.Server(port=0, multicast=False).start()
    server.stop()

    with pytest.raises(gspnp.Stopped) as caught:
        REQUESTS[request_name](server)
    assert caught.value.status is gspnp.Status.STOPPED


@pytest.mark.parametrize("request_name", sorted(REQUESTS))
def test_requests_before_start_raise_stopped(request_name: str) -> None:
    with pytest.raises(gspnp.Stopped):
        REQUESTS[request_name](gspnp.Server(port=0, multicast=False))


def test_requests_on_a_running_server_are_accepted() -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        for name, request in REQUESTS.items():
            if name != "next_event":
                request(server)
        server.set_default_profile("Grandstream", gspnp.Profile(), model="GRP2614")
        server.set_default_url("Grandstream", "")


def test_bad_arguments_to_a_running_server_are_invalid_values() -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        with pytest.raises(gspnp.InvalidValue) as bad_mac:
            server.assign_url("not-a-mac", URL)
        with pytest.raises(gspnp.InvalidValue):
            server.assign_profile(MAC, gspnp.Profile(), token="short")
        with pytest.raises(gspnp.InvalidValue):
            server.set_default_url("", URL)
        with pytest.raises(gspnp.InvalidValue):
            server.set_mode("bogus")
        with pytest.raises(gspnp.WrongMode):
            server.feed(b"x", ("127.0.0.1", 1), ("127.0.0.1", 2))

    assert bad_mac.value.status is gspnp.Status.INVALID_MAC


def test_a_feed_mode_server_has_no_port() -> None:
    with gspnp.Server(feed_mode=True) as server:
        with pytest.raises(gspnp.WrongMode):
            _ = server.port


@pytest.mark.parametrize(
    "settings, named",
    [
        ({"multicast": "no"}, "multicast"),
        ({"interfaces": "eth0"}, "interfaces"),
        ({"interfaces": [b"eth0"]}, "interfaces"),
        ({"port": "5060"}, "port"),
        ({"port": 5060.0}, "port"),
        ({"cooldown": True}, "cooldown"),
        ({"timers": (0.5, 4.0)}, "timers"),
        ({"rate_limit": ("40", 10.0)}, "rate_limit"),
        ({"rules": gspnp.Rule("vendor", "Grandstream")}, "rules"),
        ({"receive_buffer": "4M"}, "receive_buffer"),
        ({"feed_mode": 1}, "feed_mode"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_type_error_naming_it(settings: Dict[str, Any], named: str) -> None:
    with pytest.raises(TypeError, match=f"^{named} must be"):
        gspnp.Server(**settings)


def test_a_bad_receive_buffer_is_a_value_error_at_construction() -> None:
    with pytest.raises(ValueError, match="receive buffer"):
        gspnp.Server(port=0, multicast=False, receive_buffer=1024)
    gspnp.Server(port=0, multicast=False, receive_buffer=1 << 20).start().stop()


def test_decode_of_a_non_bytes_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="datagram must be bytes, not int"):
        gspnp.decode(12)  # type: ignore[arg-type]


def test_a_rule_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="allow must be bool"):
        gspnp.Rule("vendor", "Grandstream", allow="yes")  # type: ignore[arg-type]
