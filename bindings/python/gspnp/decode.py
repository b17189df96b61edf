"""Decoding one datagram into the phone that sent it, without a server."""

from __future__ import annotations

import ctypes

from . import _lib
from ._lib import Address
from .events import Device


def decode(datagram: bytes, source: Address = ("0.0.0.0", 0)) -> Device:
    """The phone described by ``datagram``, a ua-profile SUBSCRIBE that came from
    ``source``.

    Raises ParseError (not SIP), NotUaProfile (another request or event) or NoMac,
    all :class:`~gspnp.errors.DecodeError`. Pure: no socket, no thread.
    """
    lib = _lib.library()
    decoded = ctypes.POINTER(_lib.gspnp_decoded)()
    lib.gspnp_decode(*_lib.data(datagram, "datagram"), _lib.address(source), ctypes.byref(decoded))
    try:
        view = _lib.gspnp_device()
        lib.gspnp_decoded_device(decoded, ctypes.byref(view))
        return Device._from_c(view)
    finally:
        lib.gspnp_decoded_free(decoded)
