"""What a server knows about its phones: :class:`KnownDevice`, read back with
:meth:`gspnp.Server.devices` and :meth:`gspnp.Server.device`."""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, List, Optional, Union

from . import _lib
from ._lib import Address, Owned
from .events import NotifyOutcome, _enum_or_int


class DeviceState(enum.IntEnum):
    """Where a phone is in provisioning (``gspnp_device_state``)."""

    SEEN = 0
    """Recorded; nothing sent (discover mode, or nothing assigned yet)."""
    AWAITING_HOST = 1
    """A file waits for the host's decision."""
    ANSWERED = 2
    """The SUBSCRIBE was answered."""
    NOTIFIED = 3
    """A NOTIFY is on its way."""
    ACKNOWLEDGED = 4
    """The phone acknowledged the NOTIFY."""
    FAILED = 5
    """Provisioning failed; ``failure`` says why."""


class Failure(enum.IntEnum):
    """Why provisioning of a phone failed (``gspnp_failure``)."""

    NONE = 0
    """It did not fail."""
    REJECTED = 1
    """The phone rejected the NOTIFY (``last_notify_status`` has its status)."""
    TIMEOUT = 2
    """The phone never answered the NOTIFY."""
    VETOED = 3
    """The host refused the file."""
    NO_DECISION = 4
    """The host did not decide on the file within the decision limit."""
    RENDER_FAILED = 5
    """The profile could not be rendered for this phone."""


@dataclass(frozen=True)
class KnownDevice:
    """A phone as the server knows it: what its last SUBSCRIBE said and how far its
    provisioning went. A copy: it does not change when the phone does."""

    mac: str
    """12 lower-case hex digits."""
    vendor: str
    model: str
    firmware: str
    address: Address
    """Where its last SUBSCRIBE came from."""
    contact: str
    """The Contact header's URI of its last SUBSCRIBE."""
    first_seen: datetime
    """Its first SUBSCRIBE (UTC)."""
    last_seen: datetime
    """Its last SUBSCRIBE (UTC)."""
    subscribes: int
    """SUBSCRIBEs received, retransmissions included."""
    state: Union[DeviceState, int]
    failure: Union[Failure, int]
    """Why it failed when ``state`` is FAILED; else ``Failure.NONE``."""
    assigned: bool
    """Whether an assignment (its own or a default) covers it now."""
    last_notify_outcome: Optional[Union[NotifyOutcome, int]]
    """How its last NOTIFY ended; None when none has ended."""
    last_notify_status: Optional[int]
    """The phone's status code for its last NOTIFY (0: timed out); None when none ended."""

    @classmethod
    def _from_c(cls, view: _lib.gspnp_known_device) -> KnownDevice:
        device = view.device
        ended = bool(view.has_last_notify)
        return cls(
            mac=_lib.read_str(device.mac),
            vendor=_lib.read_str(device.vendor),
            model=_lib.read_str(device.model),
            firmware=_lib.read_str(device.firmware),
            address=_lib.read_address(device.source),
            contact=_lib.read_str(device.contact),
            first_seen=_utc(view.first_seen_ms),
            last_seen=_utc(view.last_seen_ms),
            subscribes=view.subscribes,
            state=_enum_or_int(DeviceState, view.state),
            failure=_enum_or_int(Failure, view.failure),
            assigned=bool(view.assigned),
            last_notify_outcome=_enum_or_int(NotifyOutcome, view.last_notify_outcome) if ended else None,
            last_notify_status=view.last_notify_status if ended else None,
        )


def _utc(milliseconds: int) -> datetime:
    """Milliseconds since 1970-01-01 UTC as an aware datetime."""
    return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)


def read_device_list(lib: ctypes.CDLL, make: Any) -> List[KnownDevice]:
    """The phones of the list ``make(out)`` writes to ``out`` (a
    ``gspnp_device_list **``), copied; the list is freed before this returns."""
    out = ctypes.POINTER(_lib.gspnp_device_list)()
    make(ctypes.byref(out))
    if not out:  # no list at all: nothing to free
        return []
    with Owned(out, lib.gspnp_device_list_free, "gspnp_server_devices") as owned:
        view = _lib.gspnp_known_device()
        devices = []
        for index in range(lib.gspnp_device_list_len(owned.pointer)):
            lib.gspnp_device_list_get(owned.pointer, index, ctypes.byref(view))
            devices.append(KnownDevice._from_c(view))
        return devices
