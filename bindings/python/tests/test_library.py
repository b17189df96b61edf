"""Loading the library, the ABI check, versions and the status-to-error table."""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os

import pytest
from python_process import run_python

import gspnp
from gspnp import _lib, errors


def test_versions_come_from_the_loaded_library() -> None:
    assert gspnp.version() == "0.1.0"
    assert gspnp.abi_version() == 0


def test_a_library_of_another_abi_generation_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lib, "SUPPORTED_ABI_VERSIONS", frozenset({99}))

    with pytest.raises(gspnp.UnsupportedLibrary, match="ABI generation 0; this gspnp wrapper supports 99"):
        _lib._check_abi(ctypes.CDLL(os.environ["GSPNP_LIBRARY"]))


def test_a_gspnp_library_path_that_does_not_load_is_named() -> None:
    missing = "/nonexistent/libgspnp.so"
    process = run_python("import gspnp; gspnp.version()", {"GSPNP_LIBRARY": missing})

    assert process.returncode != 0
    assert "LibraryNotFound" in process.stderr and f"GSPNP_LIBRARY='{missing}'" in process.stderr


@pytest.mark.skipif(ctypes.util.find_library("gspnp") is not None, reason="libgspnp is installed on this system")
def test_without_gspnp_library_the_error_names_both_ways_to_find_it() -> None:
    process = run_python("import gspnp; gspnp.version()", {"LD_LIBRARY_PATH": ""}, unset=["GSPNP_LIBRARY"])

    assert "LibraryNotFound" in process.stderr
    assert "GSPNP_LIBRARY" in process.stderr and "find_library" in process.stderr
    assert "libgspnp.so.0" in process.stderr


def test_importing_gspnp_does_not_need_the_library() -> None:
    process = run_python("import gspnp; print(gspnp.Profile())", {"GSPNP_LIBRARY": "/nonexistent/libgspnp.so"})

    assert process.returncode == 0, process.stderr


def test_every_error_status_has_an_exception_class() -> None:
    assert set(errors.ERROR_CLASS_BY_STATUS) == set(gspnp.Status) - {gspnp.Status.OK}
    assert all(issubclass(cls, gspnp.GspnpError) for cls in errors.ERROR_CLASS_BY_STATUS.values())


def test_an_error_carries_its_status_and_message() -> None:
    error = errors.error_for_status(1004, "'x' is not a MAC address")

    assert isinstance(error, gspnp.InvalidValue) and isinstance(error, ValueError)
    assert error.status is gspnp.Status.INVALID_MAC
    assert str(error) == "'x' is not a MAC address [INVALID_MAC]"


def test_a_status_this_wrapper_does_not_know_is_a_plain_gspnp_error() -> None:
    error = errors.error_for_status(1999, "from the future")

    assert type(error) is gspnp.GspnpError and error.status == 1999
    assert str(error) == "from the future [1999]"


def test_library_errors_are_gspnp_errors_that_say_what_was_found() -> None:
    foreign = ctypes.util.find_library("m") or "libm.so.6"
    process = run_python(
        "import gspnp\ntry:\n    gspnp.version()\nexcept gspnp.GspnpError as e:\n    print(type(e).__name__, e)",
        {"GSPNP_LIBRARY": foreign},
    )

    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("UnsupportedLibrary ") and "is not libgspnp" in process.stdout
    assert issubclass(gspnp.LibraryNotFound, gspnp.GspnpError) and issubclass(gspnp.LibraryNotFound, ImportError)


def test_an_older_library_missing_functions_is_named_with_what_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_lib._PROTOTYPES, "gspnp_from_the_future", (None, ()))

    with pytest.raises(gspnp.UnsupportedLibrary, match=r"\(libgspnp 0\.1\.0\) is too old .* lacks gspnp_from_the_future"):
        _lib._declare(ctypes.CDLL(os.environ["GSPNP_LIBRARY"]))
