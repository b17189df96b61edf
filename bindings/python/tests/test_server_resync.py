"""Re-provisioning (issue #12) end to end on loopback: Server.resync sends a check-sync
(or reboot) NOTIFY, a scripted phone challenges it with a digest 401 like a GRP with
P4428=0, checks the authenticated retry with hashlib, and the outcome comes back as a
ResyncResult event or through on_resync_result."""

from __future__ import annotations

import hashlib
import logging
import queue
import re
from typing import Dict, Iterator, Optional, Tuple

import pytest
from simulated_phone import MAC, MAC_LOWER, SimulatedPhone

import gspnp

WAIT = 5.0
USER, PASSWORD = "1001", "s3cret-pw"
REALM, NONCE = "r", "n"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def header(message: str, name: str) -> Optional[str]:
    """The value of header ``name`` in a SIP message, or None."""
    match = re.search(rf"^{name}:\s*(.*?)\r$", message, re.M | re.I)
    return match.group(1) if match else None


def digest_parameters(authorization: str) -> Dict[str, str]:
    """The parameters of ``Digest k="v", k=v, ...``."""
    assert authorization.startswith("Digest "), authorization
    return {key: quoted or plain for key, quoted, plain in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', authorization)}


def response(notify: str, status: str, extra: str = "") -> bytes:
    """A response to ``notify`` copying Via, From, To (with a tag), Call-ID and CSeq."""
    copied = [line for line in notify.split("\r\n") if re.match(r"(Via|From|Call-ID|CSeq):", line)]
    to = header(notify, "To") or ""
    if ";tag=" not in to:
        to += ";tag=phone1"
    lines = copied + [f"To: {to}"] + ([extra] if extra else [])
    return (f"SIP/2.0 {status}\r\n" + "".join(f"{line}\r\n" for line in lines) + "Content-Length: 0\r\n\r\n").encode()


class DigestPhone:
    """A phone on 127.0.0.1 that challenges a NOTIFY with a digest 401 and accepts the
    retry only when its Authorization is right for ``password``."""

    def __init__(self, phone: SimulatedPhone, password: str = PASSWORD) -> None:
        self.phone = phone
        self.password = password
        self.authorization: Dict[str, str] = {}

    @property
    def address(self) -> Tuple[str, int]:
        return ("127.0.0.1", self.phone.port)

    def receive_notify(self) -> Tuple[str, Tuple[str, int]]:
        data, source = self.phone.socket.recvfrom(65536)
        text = data.decode()
        assert text.startswith("NOTIFY sip:"), text
        return text, source

    def challenge_then_check(self) -> Tuple[str, str]:
        """Challenges the first NOTIFY, checks the retry (200 when its response
        verifies, 401 again otherwise); returns both NOTIFYs."""
        first, source = self.receive_notify()
        challenge = f'WWW-Authenticate: Digest realm="{REALM}", nonce="{NONCE}", qop="auth"'
        self.phone.socket.sendto(response(first, "401 Unauthorized", challenge), source)
        retry, source = self.receive_notify()
        self.authorization = digest_parameters(header(retry, "Authorization") or "Digest ")
        verified = self.verifies(retry)
        answer = response(retry, "200 OK") if verified else response(retry, "401 Unauthorized", challenge)
        self.phone.socket.sendto(answer, source)
        return first, retry

    def verifies(self, retry: str) -> bool:
        """Whether the retry's digest response is the one ``self.password`` gives."""
        given = self.authorization
        request_uri = retry.split(" ", 2)[1]
        assert given["uri"] == request_uri and given["realm"] == REALM and given["nonce"] == NONCE
        assert given["qop"] == "auth" and given.get("algorithm", "MD5").upper() == "MD5"
        ha1 = md5(f"{given['username']}:{REALM}:{self.password}")
        ha2 = md5(f"NOTIFY:{request_uri}")
        expected = md5(f"{ha1}:{NONCE}:{given['nc']}:{given['cnonce']}:auth:{ha2}")
        return given["username"] == USER and given["response"] == expected


def resync_results(server: gspnp.Server) -> Iterator[gspnp.ResyncResult]:
    for event in server.events(timeout=WAIT):
        if isinstance(event, gspnp.ResyncResult):
            yield event


def test_a_check_sync_challenged_by_the_phone_is_answered_and_reported_accepted(
    phone: SimulatedPhone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="gspnp")
    scripted = DigestPhone(phone)
    with gspnp.Server(port=0, multicast=False) as server:
        server.resync(MAC, user=USER, password=PASSWORD, address=scripted.address)
        first, retry = scripted.challenge_then_check()
        result = next(resync_results(server))
        stats = server.stats()

    assert header(first, "Event") == "check-sync" and header(first, "Authorization") is None
    assert header(retry, "Event") == "check-sync" and scripted.verifies(retry)
    assert result == gspnp.ResyncResult(MAC_LOWER, scripted.address, gspnp.ResyncKind.CHECK_SYNC,
                                        gspnp.ResyncOutcome.ACCEPTED, 200)
    assert (stats.resyncs_sent, stats.resyncs_accepted, stats.resync_challenges_answered) == (1, 1, 1)
    assert not any(PASSWORD in record.getMessage() or scripted.authorization["response"] in record.getMessage()
                   for record in caplog.records)


def test_wrong_credentials_are_reported_as_auth_refused_through_on_resync_result(phone: SimulatedPhone) -> None:
    scripted = DigestPhone(phone, password="the-phones-real-password")
    results: "queue.Queue[gspnp.ResyncResult]" = queue.Queue()
    with gspnp.Server(port=0, multicast=False, on_resync_result=results.put) as server:
        server.resync(MAC, reboot=True, user=USER, password=PASSWORD, address=f"127.0.0.1:{phone.port}")
        first, _ = scripted.challenge_then_check()
        result = results.get(timeout=WAIT)
        failed = server.stats().resyncs_failed

    assert header(first, "Event") == "check-sync;reboot=true"
    assert (result.kind, result.outcome, result.status_code) == (gspnp.ResyncKind.REBOOT,
                                                                 gspnp.ResyncOutcome.AUTH_REFUSED, 401)
    assert failed == 1


def test_a_phone_seen_before_is_resynced_at_its_last_address_with_its_profiles_credentials(
    phone: SimulatedPhone,
) -> None:
    scripted = DigestPhone(phone)
    profile = gspnp.Profile(accounts=[gspnp.Account(user_id=USER, password=PASSWORD)])
    results: "queue.Queue[gspnp.ResyncResult]" = queue.Queue()
    seen: "queue.Queue[gspnp.Device]" = queue.Queue()
    server = gspnp.Server(port=0, multicast=False, mode="discover", on_device=lambda device, new: seen.put(device),
                          on_resync_result=results.put)
    with server:
        server.assign_profile(MAC_LOWER, profile)
        phone.subscribe(server.port)
        seen.get(timeout=WAIT)
        server.resync(MAC_LOWER)  # no address, no credentials: the last address, account 1 of the profile
        scripted.challenge_then_check()
        result = results.get(timeout=WAIT)

    assert result.outcome is gspnp.ResyncOutcome.ACCEPTED and result.destination == scripted.address


def test_a_challenge_without_credentials_is_reported_as_no_credentials(phone: SimulatedPhone) -> None:
    scripted = DigestPhone(phone)
    results: "queue.Queue[gspnp.ResyncResult]" = queue.Queue()
    with gspnp.Server(port=0, multicast=False, on_resync_result=results.put) as server:
        server.resync(MAC, kind=gspnp.ResyncKind.RESYNC, address=scripted.address)
        notify, source = scripted.receive_notify()
        challenge = f'WWW-Authenticate: Digest realm="{REALM}", nonce="{NONCE}"'
        phone.socket.sendto(response(notify, "401 Unauthorized", challenge), source)
        result = results.get(timeout=WAIT)

    assert header(notify, "Event") == "resync"
    assert (result.outcome, result.status_code) == (gspnp.ResyncOutcome.NO_CREDENTIALS, 401)


def test_a_phone_never_seen_without_an_address_is_not_found_and_nothing_is_sent() -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        with pytest.raises(gspnp.NotFound) as caught:
            server.resync(MAC, user=USER, password=PASSWORD)
        assert server.stats().resyncs_sent == 0

    assert caught.value.status is gspnp.Status.NOT_FOUND and caught.value.message
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"mac": "not-a-mac", "address": ("127.0.0.1", 5060)}, gspnp.InvalidValue),
        ({"mac": MAC, "user": USER, "address": ("127.0.0.1", 5060)}, gspnp.InvalidValue),
        ({"mac": MAC, "address": "no address"}, gspnp.InvalidValue),
        ({"mac": MAC, "account": 17, "address": ("127.0.0.1", 5060)}, gspnp.InvalidValue),
        ({"mac": MAC, "reboot": True, "kind": gspnp.ResyncKind.CHECK_SYNC}, TypeError),
        ({"mac": MAC, "address": ("127.0.0.1",)}, TypeError),
    ],
)
def test_bad_resync_arguments_are_refused_before_anything_is_sent(arguments: dict, error: type) -> None:
    with gspnp.Server(port=0, multicast=False) as server:
        with pytest.raises(error):
            server.resync(arguments.pop("mac"), **arguments)
        assert server.stats().resyncs_sent == 0


def test_resync_works_from_inside_a_callback(phone: SimulatedPhone) -> None:
    scripted = DigestPhone(phone)
    results: "queue.Queue[gspnp.ResyncResult]" = queue.Queue()

    def on_device(device: gspnp.Device, is_new: bool) -> None:
        server.resync(device.mac, user=USER, password=PASSWORD)

    server = gspnp.Server(port=0, multicast=False, mode="discover", on_device=on_device, on_resync_result=results.put)
    with server:
        phone.subscribe(server.port)
        scripted.challenge_then_check()
        assert results.get(timeout=WAIT).outcome is gspnp.ResyncOutcome.ACCEPTED
