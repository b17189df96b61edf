"""Shared fixtures. The library is found through GSPNP_LIBRARY; when it is not set,
the repository's debug build (`cargo build -p gspnp`) is used if it exists."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from simulated_phone import REPOSITORY, SimulatedPhone

DEBUG_LIBRARY = REPOSITORY / "target" / "debug" / "libgspnp.so"

if not os.environ.get("GSPNP_LIBRARY") and DEBUG_LIBRARY.exists():
    os.environ["GSPNP_LIBRARY"] = str(DEBUG_LIBRARY)


@pytest.fixture
def phone() -> Iterator[SimulatedPhone]:
    """A GRP2614 on 127.0.0.1 whose receives time out after 5 seconds."""
    with SimulatedPhone() as simulated:
        yield simulated
