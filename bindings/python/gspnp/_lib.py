"""The C ABI of libgspnp as ctypes declarations, and the loading of the library.

Everything that touches a raw pointer lives here: the struct layouts of
``include/gspnp.h``, the prototype (``argtypes``/``restype``/``errcheck``) of every
symbol the wrapper uses, argument converters that refuse values ctypes would wrap
silently, and readers that copy borrowed views into Python objects.

The library is loaded on first use (:func:`library`), so ``import gspnp`` works
without it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os
import sys
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar

from .errors import InternalError, InvalidValue, LibraryNotFound, Status, UnsupportedLibrary, error_for_status

SUPPORTED_ABI_VERSIONS = frozenset({0})
"""The ABI generations (``gspnp_abi_version()``) this wrapper was written for."""

LIBRARY_ENVIRONMENT_VARIABLE = "GSPNP_LIBRARY"

SIZE_BITS = ctypes.sizeof(ctypes.c_size_t) * 8
"""The width of size_t, for range checks of size_t arguments."""

T = TypeVar("T")

Address = Tuple[str, int]
"""An IPv4 address and UDP port, as the ``socket`` module writes them."""


# --- Types of include/gspnp.h -------------------------------------------------------

status_t = ctypes.c_int


class _Opaque(ctypes.Structure):
    """Base of the library's opaque object types; only pointers to them exist."""


class gspnp_server(_Opaque):
    pass


class gspnp_server_config(_Opaque):
    pass


class gspnp_profile(_Opaque):
    pass


class gspnp_rendered(_Opaque):
    pass


class gspnp_decoded(_Opaque):
    pass


class gspnp_event(_Opaque):
    pass


class gspnp_str(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class gspnp_addr(ctypes.Structure):
    _fields_ = [("octets", ctypes.c_uint8 * 4), ("port", ctypes.c_uint16)]


class gspnp_device(ctypes.Structure):
    _fields_ = [
        ("mac", gspnp_str),
        ("vendor", gspnp_str),
        ("model", gspnp_str),
        ("firmware", gspnp_str),
        ("profile_type", gspnp_str),
        ("user_agent", gspnp_str),
        ("contact", gspnp_str),
        ("source", gspnp_addr),
    ]


class gspnp_config_file(ctypes.Structure):
    _fields_ = [
        ("ticket", ctypes.c_uint64),
        ("mac", gspnp_str),
        ("model", gspnp_str),
        ("file_name", gspnp_str),
        ("contents", ctypes.c_void_p),
        ("contents_len", ctypes.c_size_t),
        ("url", gspnp_str),
        ("token", gspnp_str),
    ]


class gspnp_notify_result(ctypes.Structure):
    _fields_ = [
        ("mac", gspnp_str),
        ("destination", gspnp_addr),
        ("url", gspnp_str),
        ("outcome", ctypes.c_int),
        ("status_code", ctypes.c_uint16),
        ("in_dialog", ctypes.c_bool),
    ]


userdata_free_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
on_device_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(gspnp_device), ctypes.c_bool)
on_config_fn = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.POINTER(gspnp_config_file))
on_notify_result_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(gspnp_notify_result))
on_log_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, gspnp_str)
on_transmit_fn = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, gspnp_addr, gspnp_addr
)
on_events_dropped_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64)
on_resync_result_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class gspnp_callbacks(ctypes.Structure):
    _fields_ = [
        ("userdata", ctypes.c_void_p),
        ("userdata_free", userdata_free_fn),
        ("on_device", on_device_fn),
        ("on_config", on_config_fn),
        ("on_notify_result", on_notify_result_fn),
        ("on_log", on_log_fn),
        ("on_transmit", on_transmit_fn),
        ("on_events_dropped", on_events_dropped_fn),
        ("on_resync_result", on_resync_result_fn),
    ]


# --- Prototypes ----------------------------------------------------------------------

_P = ctypes.POINTER
_span = (ctypes.c_char_p, ctypes.c_size_t)  # a {pointer, length} string or byte argument
_server = _P(gspnp_server)
_config = _P(gspnp_server_config)
_profile = _P(gspnp_profile)
_STATUS = "status"  # restype marker: gspnp_status, checked by errcheck

_PROTOTYPES: Dict[str, Tuple[Any, Sequence[Any]]] = {
    # version and errors
    "gspnp_version": (ctypes.c_char_p, ()),
    "gspnp_abi_version": (ctypes.c_uint32, ()),
    "gspnp_status_str": (ctypes.c_char_p, (ctypes.c_int,)),
    "gspnp_last_error_message": (None, (ctypes.c_char_p, ctypes.c_size_t, _P(ctypes.c_size_t))),
    # decode
    "gspnp_decode": (_STATUS, (*_span, gspnp_addr, _P(_P(gspnp_decoded)))),
    "gspnp_decoded_device": (_STATUS, (_P(gspnp_decoded), _P(gspnp_device))),
    "gspnp_decoded_free": (None, (_P(gspnp_decoded),)),
    # profiles and rendering
    "gspnp_profile_new": (_profile, ()),
    "gspnp_profile_free": (None, (_profile,)),
    "gspnp_profile_set_account": (_STATUS, (_profile, ctypes.c_uint32, ctypes.c_uint32, *_span)),
    "gspnp_profile_set_global": (_STATUS, (_profile, ctypes.c_uint32, *_span)),
    "gspnp_profile_set_key": (
        _STATUS,
        (_profile, ctypes.c_uint32, ctypes.c_uint32, *_span, ctypes.c_uint32, *_span, *_span),
    ),
    "gspnp_profile_set_raw": (_STATUS, (_profile, *_span, *_span)),
    "gspnp_render": (_STATUS, (_profile, *_span, *_span, ctypes.c_uint32, *_span, _P(_P(gspnp_rendered)))),
    "gspnp_rendered_file_name": (gspnp_str, (_P(gspnp_rendered),)),
    "gspnp_rendered_contents": (_STATUS, (_P(gspnp_rendered), _P(ctypes.c_void_p), _P(ctypes.c_size_t))),
    "gspnp_rendered_warning_count": (ctypes.c_size_t, (_P(gspnp_rendered),)),
    "gspnp_rendered_warning": (gspnp_str, (_P(gspnp_rendered), ctypes.c_size_t)),
    "gspnp_rendered_free": (None, (_P(gspnp_rendered),)),
    # server configuration
    "gspnp_server_config_new": (_config, ()),
    "gspnp_server_config_free": (None, (_config,)),
    "gspnp_server_config_set_port": (_STATUS, (_config, ctypes.c_uint32)),
    "gspnp_server_config_set_unicast_port": (_STATUS, (_config, ctypes.c_uint32)),
    "gspnp_server_config_add_interface": (_STATUS, (_config, *_span)),
    "gspnp_server_config_set_multicast": (_STATUS, (_config, ctypes.c_bool)),
    "gspnp_server_config_set_feed_mode": (_STATUS, (_config, ctypes.c_bool)),
    "gspnp_server_config_set_mode": (_STATUS, (_config, ctypes.c_uint32)),
    "gspnp_server_config_set_answer_code": (_STATUS, (_config, ctypes.c_uint32)),
    "gspnp_server_config_set_url_template": (_STATUS, (_config, *_span)),
    "gspnp_server_config_set_timers": (_STATUS, (_config, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)),
    "gspnp_server_config_set_cooldown": (_STATUS, (_config, ctypes.c_uint32)),
    "gspnp_server_config_set_max_devices": (_STATUS, (_config, ctypes.c_size_t)),
    "gspnp_server_config_set_rate_limit": (_STATUS, (_config, ctypes.c_uint32, ctypes.c_double)),
    "gspnp_server_config_set_event_queue": (_STATUS, (_config, ctypes.c_size_t)),
    "gspnp_server_config_set_receive_buffer": (_STATUS, (_config, ctypes.c_size_t)),
    "gspnp_server_config_add_rule": (_STATUS, (_config, ctypes.c_bool, ctypes.c_uint32, *_span)),
    # servers
    "gspnp_server_start": (_STATUS, (_config, _P(gspnp_callbacks), _P(_server))),
    "gspnp_server_stop": (_STATUS, (_server,)),
    "gspnp_server_free": (None, (_server,)),
    "gspnp_server_port": (_STATUS, (_server, _P(ctypes.c_uint16))),
    "gspnp_server_assign_url": (_STATUS, (_server, *_span, *_span)),
    "gspnp_server_assign_profile": (_STATUS, (_server, *_span, _profile, ctypes.c_uint32, *_span)),
    "gspnp_server_set_default_url": (_STATUS, (_server, *_span, *_span, *_span)),
    "gspnp_server_set_default_profile": (_STATUS, (_server, *_span, *_span, _profile, ctypes.c_uint32)),
    "gspnp_server_unassign": (_STATUS, (_server, *_span)),
    "gspnp_server_decide": (_STATUS, (_server, ctypes.c_uint64, ctypes.c_bool)),
    "gspnp_server_set_mode": (_STATUS, (_server, ctypes.c_uint32)),
    "gspnp_server_feed": (_STATUS, (_server, *_span, gspnp_addr, gspnp_addr)),
    "gspnp_server_stats": (_STATUS, (_server, ctypes.c_void_p)),
    "gspnp_server_next_event": (_STATUS, (_server, ctypes.c_uint32, _P(_P(gspnp_event)))),
    # events (pull API)
    "gspnp_event_free": (None, (_P(gspnp_event),)),
    "gspnp_event_get_kind": (ctypes.c_uint32, (_P(gspnp_event),)),
    "gspnp_event_device": (_STATUS, (_P(gspnp_event), _P(gspnp_device))),
    "gspnp_event_config_file": (_STATUS, (_P(gspnp_event), _P(gspnp_config_file))),
    "gspnp_event_notify_result": (_STATUS, (_P(gspnp_event), _P(gspnp_notify_result))),
    "gspnp_event_log": (_STATUS, (_P(gspnp_event), _P(ctypes.c_int), _P(gspnp_str))),
    "gspnp_event_transmit": (
        _STATUS,
        (_P(gspnp_event), _P(ctypes.c_void_p), _P(ctypes.c_size_t), _P(gspnp_addr), _P(gspnp_addr)),
    ),
    "gspnp_event_dropped_count": (ctypes.c_uint64, (_P(gspnp_event),)),
}


def last_error_message(lib: ctypes.CDLL) -> str:
    """The calling thread's message for its last failed gspnp call, whole."""
    length = ctypes.c_size_t(0)
    lib.gspnp_last_error_message(None, 0, ctypes.byref(length))
    buffer = ctypes.create_string_buffer(length.value + 1)
    lib.gspnp_last_error_message(buffer, len(buffer), None)
    return buffer.raw[: length.value].decode("utf-8", "replace")


def _raise_on_error(lib: ctypes.CDLL) -> Callable[..., None]:
    def errcheck(status: int, function: Any, arguments: Any) -> None:
        if status != Status.OK:
            raise error_for_status(status, last_error_message(lib))

    return errcheck


def _declare(lib: ctypes.CDLL) -> None:
    """Declares every prototype; UnsupportedLibrary naming what is missing when the
    library lacks some (an older libgspnp)."""
    missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
    if missing:
        raise UnsupportedLibrary(
            f"{lib._name} (libgspnp {_loaded_version(lib)}) is too old for this wrapper: it lacks "
            + ", ".join(missing)
        )
    errcheck = _raise_on_error(lib)
    for name, (restype, argtypes) in _PROTOTYPES.items():
        function = getattr(lib, name)
        function.argtypes = list(argtypes)
        if restype is _STATUS:
            function.restype = status_t
            function.errcheck = errcheck
        else:
            function.restype = restype


# --- Loading -------------------------------------------------------------------------

_FALLBACK_NAMES = {"darwin": "libgspnp.0.dylib", "win32": "gspnp.dll"}
_SONAME = _FALLBACK_NAMES.get(sys.platform, "libgspnp.so.0")

_loaded: Optional[ctypes.CDLL] = None
_loading = threading.Lock()


def library() -> ctypes.CDLL:
    """The loaded, checked and declared libgspnp; loads it on the first call.

    Raises :class:`LibraryNotFound` when it cannot be found and
    :class:`UnsupportedLibrary` when its ABI generation is not supported.
    """
    global _loaded
    with _loading:
        if _loaded is None:
            lib = _open()
            _check_abi(lib)
            _declare(lib)
            _loaded = lib
        return _loaded


def _open() -> ctypes.CDLL:
    path = os.environ.get(LIBRARY_ENVIRONMENT_VARIABLE)
    if path:
        try:
            return ctypes.CDLL(path)
        except OSError as error:
            message = f"cannot load libgspnp from {LIBRARY_ENVIRONMENT_VARIABLE}={path!r}: {error}"
            raise LibraryNotFound(message) from None
    candidates: List[str] = [name for name in (ctypes.util.find_library("gspnp"), _SONAME) if name]
    for name in candidates:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise LibraryNotFound(
        f"cannot find libgspnp: {LIBRARY_ENVIRONMENT_VARIABLE} is not set, the system loader "
        f"knows no library 'gspnp' (ctypes.util.find_library) and cannot open {_SONAME!r}. "
        f"Install libgspnp or set {LIBRARY_ENVIRONMENT_VARIABLE} to the path of libgspnp.so."
    )


def _loaded_version(lib: ctypes.CDLL) -> str:
    """What gspnp_version() of ``lib`` says, or "of unknown version"."""
    try:
        function = lib.gspnp_version
    except AttributeError:
        return "of unknown version"
    function.argtypes, function.restype = [], ctypes.c_char_p
    return bytes(function() or b"?").decode("ascii", "replace")


def _check_abi(lib: ctypes.CDLL) -> None:
    """UnsupportedLibrary unless ``lib`` is a libgspnp of a supported ABI generation."""
    try:
        abi = lib.gspnp_abi_version
    except AttributeError:
        raise UnsupportedLibrary(
            f"{lib._name} is not libgspnp: it has no gspnp_abi_version function"
        ) from None
    abi.argtypes, abi.restype = [], ctypes.c_uint32
    found = abi()
    if found not in SUPPORTED_ABI_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_ABI_VERSIONS))
        raise UnsupportedLibrary(
            f"{lib._name} has ABI generation {found}; this gspnp wrapper supports {supported}"
        )


# --- Arguments -----------------------------------------------------------------------


def text(value: str, what: str = "the argument") -> Tuple[bytes, int]:
    """A Python string as the library's {pointer, length} pair (UTF-8); TypeError
    naming ``what`` for anything else.

    Lone surrogates pass through so that the library names the error (INVALID_UTF8).
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    encoded = value.encode("utf-8", "surrogatepass")
    return encoded, len(encoded)


def data(value: bytes, what: str = "the argument") -> Tuple[bytes, int]:
    """Bytes (or bytearray, memoryview) as the library's {pointer, length} pair;
    TypeError naming ``what`` for anything else (``bytes(12)`` would be 12 zeros)."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    encoded = bytes(value)
    return encoded, len(encoded)


def unsigned(value: int, bits: int, what: str) -> int:
    """``value`` when it fits an unsigned integer of ``bits`` bits; else InvalidValue
    (ctypes would silently keep only the low bits)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise InvalidValue(Status.INVALID_ARGUMENT, f"{what} must be 0 to {(1 << bits) - 1}, not {value}")
    return value


def milliseconds(seconds: float, what: str) -> int:
    """Seconds as the library's uint32_t milliseconds (rounded; InvalidValue if out of range)."""
    return unsigned(round(seconds * 1000), 32, f"{what} in milliseconds")


def address(value: Address) -> gspnp_addr:
    """``("192.0.2.1", 5060)`` as a gspnp_addr."""
    host, port = value
    if not isinstance(host, str):
        raise TypeError(f"an address is (host, port) with a str host, not {type(host).__name__}")
    try:
        octets = bytes(int(part) for part in host.split("."))
    except ValueError:
        octets = b""
    if len(octets) != 4:
        raise InvalidValue(Status.INVALID_ARGUMENT, f"{host!r} is not an IPv4 address")
    result = gspnp_addr(port=unsigned(port, 16, "port"))
    result.octets[:] = list(octets)
    return result


# --- Reading borrowed views ----------------------------------------------------------


def read_bytes(pointer: Optional[int], length: int) -> bytes:
    """A copy of ``length`` bytes at ``pointer`` (NULL with length 0 is empty)."""
    if not length:
        return b""
    if pointer is None:
        raise InternalError(Status.NULL_PARAMETER, f"the library gave NULL for {length} bytes")
    return ctypes.string_at(pointer, length)


def read_str(view: gspnp_str) -> str:
    """A copy of a borrowed gspnp_str."""
    return read_bytes(view.data, view.len).decode("utf-8", "replace")


def read_address(value: gspnp_addr) -> Address:
    """A gspnp_addr as ``("192.0.2.1", 5060)``."""
    return ".".join(str(octet) for octet in value.octets), value.port


def copy_struct(dataclass_type: Type[T], view: ctypes.Structure, **values: Any) -> T:
    """A ``dataclass_type`` whose fields are copies of the like-named members of
    ``view`` (strings and addresses read, numbers as they are), except ``values``."""
    for declared in dataclasses.fields(dataclass_type):  # type: ignore[arg-type]
        if declared.name not in values:
            member = getattr(view, declared.name)
            if isinstance(member, gspnp_str):
                member = read_str(member)
            elif isinstance(member, gspnp_addr):
                member = read_address(member)
            values[declared.name] = member
    return dataclass_type(**values)


# --- Owning library objects ----------------------------------------------------------


class Owned:
    """A pointer from a library ``_new`` function and its ``_free``: freed by
    :meth:`close`, on leaving a ``with`` block, or at the latest when garbage-collected
    or at interpreter exit."""

    def __init__(self, pointer: Any, free: Callable[[Any], None], made_by: str) -> None:
        if not pointer:
            raise InternalError(Status.NULL_PARAMETER, f"{made_by} returned NULL")
        self._pointer = pointer
        self._finalizer = weakref.finalize(self, free, pointer)

    @property
    def pointer(self) -> Any:
        """The pointer; valid until :meth:`close`."""
        if not self._finalizer.alive:
            raise ValueError("the library object was already freed")
        return self._pointer

    def close(self) -> None:
        """Frees the library object; a second call does nothing."""
        self._finalizer()

    def __enter__(self) -> "Owned":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
