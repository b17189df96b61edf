"""A Grandstream GRP2614 on 127.0.0.1 that speaks ua-profile PnP, for the tests.

It sends only to 127.0.0.1, and every receive has a timeout."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Optional

MAC = "000B82F55284"
MAC_LOWER = MAC.lower()

REPOSITORY = Path(__file__).resolve().parents[3]

GRP2614_SUBSCRIBE = (REPOSITORY / "src" / "device" / "testdata" / "guide-figure1-subscribe.sip").read_bytes()
"""The GRP2614 SUBSCRIBE of the guide's figure 1, from a phone at 192.168.5.175:5080."""


def subscribe_from(host: str, port: int, mac: str = MAC, branch: str = "z9hG4bKpy1") -> bytes:
    """The GRP2614 SUBSCRIBE as the phone at ``host:port`` sends it (CRLF line ends)."""
    return (
        f"SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{port};branch={branch};rport\r\n"
        f"From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n"
        f"To: <sip:MAC%3A{mac}@224.0.1.75>\r\n"
        f"Call-ID: {branch}@{host}\r\n"
        "CSeq: 20000 SUBSCRIBE\r\n"
        f"Contact: <sip:{host}:{port}>\r\n"
        "User-Agent: Grandstream GRP2614 1.0.0.31\r\n"
        "Expires: 0\r\n"
        'Event: ua-profile;profile-type="device";vendor="Grandstream";model="GRP2614";version="1.0.0.31"\r\n'
        "Accept: application/url\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode("ascii")


def acknowledgement(notify: str) -> bytes:
    """A 200 OK for ``notify``, copying its Via, From, To, Call-ID and CSeq."""
    copied = [line for line in notify.split("\r\n") if re.match(r"(Via|From|To|Call-ID|CSeq):", line)]
    return ("SIP/2.0 200 OK\r\n" + "".join(f"{line}\r\n" for line in copied) + "Content-Length: 0\r\n\r\n").encode()


class SimulatedPhone:
    """A UDP socket on 127.0.0.1 that sends a GRP2614's SUBSCRIBE and answers NOTIFYs."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(timeout)
        self.port = self.socket.getsockname()[1]
        self.server_port: Optional[int] = None

    def subscribe(self, server_port: int, branch: str = "z9hG4bKpy1") -> None:
        """Sends the SUBSCRIBE a booting phone sends, to 127.0.0.1:``server_port``."""
        self.server_port = server_port
        self.socket.sendto(subscribe_from("127.0.0.1", self.port, branch=branch), ("127.0.0.1", server_port))

    def receive(self) -> str:
        """The next datagram as text; socket.timeout when none comes in time."""
        data, _ = self.socket.recvfrom(65536)
        return data.decode("utf-8")

    def expect_notify(self) -> str:
        """Expects the 200 answering the SUBSCRIBE, then the NOTIFY; answers it 200
        and returns it."""
        answer = self.receive()
        assert answer.startswith("SIP/2.0 200 OK\r\n"), answer
        notify = self.receive()
        assert notify.startswith("NOTIFY sip:127.0.0.1:"), notify
        assert self.server_port is not None
        self.socket.sendto(acknowledgement(notify), ("127.0.0.1", self.server_port))
        return notify

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> SimulatedPhone:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def notify_body(notify: str) -> str:
    """The URL a NOTIFY carries (its body)."""
    return notify.split("\r\n\r\n", 1)[1]
