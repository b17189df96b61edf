"""asyncio: ``async with``, ``async for event in server.aevents()`` and ``astop`` on a
real event loop, which keeps running while phones storm the server and while it stops.
Phones are unicast SUBSCRIBEs to 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import List, Set

from simulated_phone import subscribe_from

import gspnp

PHONES = 300


def storm(port: int) -> None:
    """PHONES booting GRP2614s (distinct MACs) from one socket on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.bind(("127.0.0.1", 0))
        source = sender.getsockname()[1]
        for number in range(PHONES):
            mac = f"000B82{number:06X}"
            sender.sendto(subscribe_from("127.0.0.1", source, mac, f"z9hG4bKaio{number}"), ("127.0.0.1", port))
            if number % 50 == 49:
                time.sleep(0.01)  # the socket's buffer, not the server, is the limit here


async def tick(ticks: List[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        ticks.append(time.monotonic())
        await asyncio.sleep(0.005)


def test_async_for_takes_a_storm_of_phones_while_the_loop_keeps_running() -> None:
    async def main() -> Set[str]:
        macs: Set[str] = set()
        ticks: List[float] = []
        done = asyncio.Event()
        ticker = asyncio.ensure_future(tick(ticks, done))
        settings = dict(port=0, multicast=False, mode="discover", rate_limit=(PHONES, 1000.0), event_queue=PHONES * 4)
        async with gspnp.Server(**settings) as server:  # type: ignore[arg-type]
            sender = threading.Thread(target=storm, args=(server.port,))
            sender.start()
            async for event in server.aevents(timeout=5):
                if isinstance(event, gspnp.DeviceEvent):
                    macs.add(event.device.mac)
                    if len(macs) == PHONES:
                        break
            ticks_during_storm = len(ticks)
            sender.join()
            assert server.stats().events_dropped == 0
        done.set()
        await ticker
        assert ticks_during_storm > 1  # the loop ran while events came in
        return macs

    macs = asyncio.run(main())

    assert macs == {f"000b82{number:06x}" for number in range(PHONES)}


def test_astop_does_not_block_the_loop_while_a_slow_callback_finishes() -> None:
    entered = threading.Event()

    def slow_on_device(device: gspnp.Device, is_new: bool) -> None:
        entered.set()
        time.sleep(0.3)

    async def main() -> int:
        ticks: List[float] = []
        done = asyncio.Event()
        server = gspnp.Server(port=0, multicast=False, mode="discover", on_device=slow_on_device)
        async with server:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
                phone.bind(("127.0.0.1", 0))
                phone.sendto(subscribe_from("127.0.0.1", phone.getsockname()[1]), ("127.0.0.1", server.port))
                await asyncio.get_running_loop().run_in_executor(None, entered.wait, 5)
            ticker = asyncio.ensure_future(tick(ticks, done))
            await asyncio.sleep(0)
        # __aexit__ awaited astop(): it waited for the callback without blocking the loop
        during_stop = len(ticks)
        done.set()
        await ticker
        assert repr(server).endswith("stopped>")
        return during_stop

    assert asyncio.run(main()) > 5


def test_aevents_ends_when_the_server_is_stopped() -> None:
    async def main() -> List[gspnp.Event]:
        server = gspnp.Server(port=0, multicast=False).start()
        events = server.aevents()
        asyncio.get_running_loop().call_later(0.1, lambda: asyncio.ensure_future(server.astop()))
        return [event async for event in events]

    assert asyncio.run(main()) == []
