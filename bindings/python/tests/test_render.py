"""gspnp.render and the Profile/Account/Key dataclasses."""

from __future__ import annotations

import pytest

import gspnp
from gspnp import Account, Key, Profile

URL = "https://192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef/"
MAC = "000B82F55284"


def office_profile(accounts: int = 4) -> Profile:
    """The profile of the C test: accounts with hostile values, 16 virtual keys."""
    return Profile(
        accounts=[
            Account(
                user_id=f"10{number:02}",
                sip_server="pbx.example.com:5060",
                password="p<&\"'>ss",
                display_name="Alice & Bob <Sales>",
                codecs=["G.722", "PCMA", "PCMU", "opus"],
                expiry_seconds=3600,
                transport="udp",
                dtmf=["rfc2833"],
            )
            for number in range(1, accounts + 1)
        ],
        vpks=[
            Key(
                mode="line" if index <= 4 else ("blf" if index % 2 else "speed_dial"),
                account=index if index <= 4 else 1,
                label=f"20{index:02}",
                value=f"20{index:02}",
            )
            for index in range(1, 17)
        ],
        ntp_server="pool.ntp.org",
        raw={"P1362": "en"},
    )


def test_a_grp2614_renders_in_format_1_with_p_values() -> None:
    rendered = gspnp.render(office_profile(), "GRP2614", MAC, format=1, url=URL)

    assert rendered.file_name == "cfg000b82f55284.xml"
    assert b'<config version="1">' in rendered.contents
    assert b"<P47>pbx.example.com:5060</P47>" in rendered.contents
    assert b"192.0.2.10:8443/gspnp/0123456789abcdef0123456789abcdef" in rendered.contents


def test_a_grp2614_renders_in_format_2_with_aliases_by_default() -> None:
    rendered = gspnp.render(office_profile(), "GRP2614", MAC, url=URL)

    assert b'<config version="2">' in rendered.contents
    assert b"account.4.sip.userid" in rendered.contents
    assert rendered.warnings == ()


def test_xml_special_characters_are_escaped() -> None:
    contents = gspnp.render(office_profile(), "GRP2614", MAC).contents

    assert b"<&\"'>" not in contents
    assert b"p&lt;&amp;&quot;&apos;&gt;ss" in contents or b"p&lt;&amp;\"'&gt;ss" in contents
    assert b"Alice &amp; Bob &lt;Sales&gt;" in contents


def test_rendering_is_deterministic() -> None:
    first = gspnp.render(office_profile(), "GRP2614", MAC, url=URL)
    second = gspnp.render(office_profile(), "GRP2614", MAC, url=URL)

    assert first == second


def test_a_grp2612_with_three_accounts_exceeds_its_limit_and_the_message_names_it() -> None:
    with pytest.raises(gspnp.LimitExceeded) as caught:
        gspnp.render(office_profile(accounts=3), "GRP2612", MAC)

    assert caught.value.status is gspnp.Status.LIMIT_EXCEEDED
    assert "GRP2612" in caught.value.message


def test_a_bad_mac_is_an_invalid_value() -> None:
    with pytest.raises(gspnp.InvalidValue) as caught:
        gspnp.render(office_profile(), "GRP2614", "not-a-mac")

    assert caught.value.status is gspnp.Status.INVALID_MAC


def test_an_unknown_format_is_an_invalid_value() -> None:
    with pytest.raises(gspnp.InvalidValue):
        gspnp.render(office_profile(), "GRP2614", MAC, format=3)


def test_an_unknown_model_renders_with_a_warning() -> None:
    rendered = gspnp.render(Profile(accounts=[Account(user_id="1001")]), "GRP9999", MAC)

    assert rendered.warnings
    assert all(isinstance(warning, str) and warning for warning in rendered.warnings)


@pytest.mark.parametrize(
    "profile, status, named",
    [
        (Profile(accounts=[Account(name="evil\r\nP2: x")]), gspnp.Status.CONTROL_CHARACTER, "account 1"),
        (Profile(accounts=[Account(), Account(codecs="PCMU, G.999")]), gspnp.Status.UNKNOWN_CODEC, "account 2"),
        (Profile(vpks=[Key(mode="teleport")]), gspnp.Status.UNKNOWN_KEY_MODE, ""),
        (Profile(vpks=[Key(mode="blf", label="a" * 64, value="1")]), gspnp.Status.VALUE_TOO_LONG, ""),
        (Profile(raw={"P100000": "1"}), gspnp.Status.UNKNOWN_SETTING, "P100000"),
        (Profile(accounts=[Account(name="\udcff")]), gspnp.Status.INVALID_UTF8, ""),
    ],
)
def test_a_bad_value_is_refused_by_the_library_with_its_status(profile: Profile, status: int, named: str) -> None:
    with pytest.raises(gspnp.InvalidValue) as caught:
        gspnp.render(profile, "GRP2614", MAC)

    assert caught.value.status is status
    assert named in caught.value.message


def test_numbers_that_do_not_fit_the_c_types_are_refused_before_the_call() -> None:
    with pytest.raises(gspnp.InvalidValue):
        gspnp.render(Profile(vpks=[Key(mode="line", account=256)]), "GRP2614", MAC)


def test_flags_and_numbers_are_written_as_the_library_expects() -> None:
    profile = Profile(accounts=[Account(user_id="1001", active=False, expiry_seconds=120)], dhcp_override=True)

    assert gspnp.render(profile, "GRP2614", MAC).contents


def test_secrets_stay_out_of_reprs() -> None:
    profile = Profile(accounts=[Account(user_id="1001", password="hunter2")], admin_password="admin-secret")
    rendered = gspnp.render(profile, "GRP2614", MAC)

    assert "hunter2" not in repr(profile)
    assert "admin-secret" not in repr(profile)
    assert "hunter2" not in repr(rendered)
    assert b"hunter2" in rendered.contents


def test_a_profile_handle_is_freed_deterministically() -> None:
    with Profile(accounts=[Account(user_id="1001")]).to_c() as handle:
        assert handle.pointer
    with pytest.raises(ValueError):
        _ = handle.pointer
    handle.close()  # a second close does nothing
