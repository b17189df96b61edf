"""gspnp.decode: a datagram in, a phone out, without a server."""

from __future__ import annotations

import pytest
from simulated_phone import GRP2614_SUBSCRIBE

import gspnp


def test_the_guides_grp2614_subscribe_decodes_into_its_phone() -> None:
    device = gspnp.decode(GRP2614_SUBSCRIBE, source=("192.168.5.175", 5080))

    assert device == gspnp.Device(
        mac="000b82f55284",
        vendor="Grandstream",
        model="GRP2614",
        firmware="1.0.0.31",
        profile_type="device",
        user_agent="Grandstream GRP2614 1.0.0.31",
        contact="sip:192.168.5.175:5080",
        source=("192.168.5.175", 5080),
    )


def test_the_source_defaults_to_the_unspecified_address() -> None:
    assert gspnp.decode(GRP2614_SUBSCRIBE).source == ("0.0.0.0", 0)


def test_a_datagram_that_is_not_sip_is_a_parse_error_with_the_librarys_message() -> None:
    with pytest.raises(gspnp.ParseError) as caught:
        gspnp.decode(b"\x01\x02 hello")

    assert caught.value.status is gspnp.Status.PARSE_ERROR
    assert caught.value.message
    assert isinstance(caught.value, gspnp.DecodeError)
    assert isinstance(caught.value, ValueError)


def test_another_sip_request_is_not_ua_profile() -> None:
    options = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\n\r\n"

    with pytest.raises(gspnp.NotUaProfile):
        gspnp.decode(options)


def test_a_source_that_is_not_an_ipv4_address_is_refused() -> None:
    with pytest.raises(gspnp.InvalidValue):
        gspnp.decode(GRP2614_SUBSCRIBE, source=("phone.example", 5060))
    with pytest.raises(gspnp.InvalidValue):
        gspnp.decode(GRP2614_SUBSCRIBE, source=("192.0.2.1", 70000))
