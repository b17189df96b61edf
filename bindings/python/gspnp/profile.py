"""Profiles (what a phone gets) and rendering them into the phone's file.

A :class:`Profile` is a plain dataclass; nothing is checked until it is turned into
the library's ``gspnp_profile`` (:meth:`Profile.to_c`), which happens inside
:func:`render` and :meth:`gspnp.Server.assign_profile`. The library then refuses a
bad value with an :class:`~gspnp.errors.InvalidValue` that names the account and
field.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _lib
from ._lib import Owned

FieldValue = Union[str, bool, int, Sequence[str], None]
"""A setting's value: text, a flag, a number or a list (codecs, DTMF); None: not set."""

_C_FIELD = "c_field"


def _setting(c_field: int, secret: bool = False) -> Any:
    """A dataclass field that maps onto library field number ``c_field``; None (the
    default) leaves the library's default."""
    return field(default=None, repr=not secret, metadata={_C_FIELD: c_field})


@dataclass
class Account:
    """One SIP account (``gspnp_account_field``). Unset fields keep the phone's defaults."""

    user_id: Optional[str] = _setting(6)
    """The SIP user ID (the extension)."""
    sip_server: Optional[str] = _setting(3)
    """host[:port] of the SIP server."""
    password: Optional[str] = _setting(8, secret=True)
    auth_id: Optional[str] = _setting(7)
    """The authentication ID; the user ID when empty."""
    name: Optional[str] = _setting(2)
    """The account's name on the phone's screen."""
    display_name: Optional[str] = _setting(9)
    """The caller-ID name."""
    secondary_sip_server: Optional[str] = _setting(4)
    outbound_proxy: Optional[str] = _setting(5)
    voicemail: Optional[str] = _setting(10)
    """The voicemail access number, e.g. ``*97``."""
    transport: Optional[str] = _setting(11)
    """``udp``, ``tcp`` or ``tls``."""
    expiry_seconds: Optional[int] = _setting(12)
    """Registration expiry in seconds."""
    codecs: Union[Sequence[str], str, None] = _setting(13)
    """Codec order: PCMU, PCMA, G.722, G.729, G.726-32, G.723.1, iLBC, Opus."""
    dtmf: Union[Sequence[str], str, None] = _setting(14)
    """DTMF modes: in_audio, rfc2833, sip_info."""
    active: Optional[bool] = _setting(1)
    """Accounts are active by default."""


@dataclass
class Key:
    """A line key: its mode (``line``, ``shared_line``, ``blf``, ``speed_dial``,
    ``call_park``, ``intercom``, ``voicemail``, ``dnd``, ``none``, ...), the account
    it uses (1-based), its label and its value (extension, number, ...)."""

    mode: str
    account: int = 1
    label: str = ""
    value: str = ""


_VPK, _MPK = 1, 2  # gspnp_key_kind


@dataclass
class Profile:
    """Everything a phone gets: accounts, keys, settings for the whole phone and raw
    settings. ``accounts[0]`` is account 1, ``vpks[0]`` virtual key 1, ``mpks[0]``
    physical key 1; ``raw`` maps P-numbers (``P1362``) or v2 aliases to values and
    replaces what gspnp would write for them."""

    accounts: List[Account] = field(default_factory=list)
    vpks: List[Key] = field(default_factory=list)
    """Virtual multi-purpose keys on the screen (every GRP26xx)."""
    mpks: List[Key] = field(default_factory=list)
    """Physical multi-purpose keys (GRP2614, GRP2616)."""
    raw: Dict[str, str] = field(default_factory=dict)
    config_server_url: Optional[str] = _setting(1)
    """Where the phone fetches updates of its file; by default the NOTIFY's URL."""
    config_server_user: Optional[str] = _setting(2)
    config_server_password: Optional[str] = _setting(3, secret=True)
    firmware_server_url: Optional[str] = _setting(4)
    dhcp_override: Optional[bool] = _setting(5)
    """True lets DHCP options 66/43 override the config server."""
    ntp_server: Optional[str] = _setting(6)
    time_zone: Optional[str] = _setting(7)
    language: Optional[str] = _setting(8)
    admin_password: Optional[str] = _setting(9, secret=True)
    user_password: Optional[str] = _setting(10, secret=True)

    def to_c(self) -> Owned:
        """Builds the library's ``gspnp_profile`` from this profile.

        Use it as a context manager (or call ``close()``) to free it at once. Raises
        the library's refusal of the first bad value; nothing is leaked then.
        """
        lib = _lib.library()
        handle = Owned(lib.gspnp_profile_new(), lib.gspnp_profile_free, "gspnp_profile_new")
        try:
            pointer = handle.pointer
            for number, account in enumerate(self.accounts, 1):
                account_number = _lib.unsigned(number, 8, "account number")
                for c_field, value in _settings(account):
                    lib.gspnp_profile_set_account(pointer, account_number, c_field, *_lib.text(value))
            for kind, keys in ((_VPK, self.vpks), (_MPK, self.mpks)):
                for index, key in enumerate(keys, 1):
                    lib.gspnp_profile_set_key(
                        pointer,
                        kind,
                        _lib.unsigned(index, 8, "key index"),
                        *_lib.text(key.mode),
                        _lib.unsigned(key.account, 8, "key account"),
                        *_lib.text(key.label),
                        *_lib.text(key.value),
                    )
            for c_field, value in _settings(self):
                lib.gspnp_profile_set_global(pointer, c_field, *_lib.text(value))
            for name, value in self.raw.items():
                lib.gspnp_profile_set_raw(pointer, *_lib.text(name), *_lib.text(value))
        except BaseException:
            handle.close()
            raise
        return handle


def _settings(settings: object) -> Iterator[Tuple[int, str]]:
    """The (library field number, text) of every setting of ``settings`` that is set."""
    for declared in fields(settings):  # type: ignore[arg-type]
        c_field = declared.metadata.get(_C_FIELD)
        value = getattr(settings, declared.name)
        if c_field is not None and value is not None:
            yield c_field, _as_text(value)


def _as_text(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, str)):
        return str(value)
    return ", ".join(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Rendered:
    """A rendered configuration file. ``contents`` holds passwords (not in ``repr``)."""

    file_name: str
    """``cfg<mac>.xml``."""
    contents: bytes = field(repr=False)
    """UTF-8 XML."""
    warnings: Tuple[str, ...] = ()
    """Why the result may not be what was asked (an unknown model, a clamped value)."""


def render(profile: Profile, model: str, mac: str, format: int = 2, url: str = "") -> Rendered:
    """Renders ``profile`` into the file that phone ``mac`` of ``model`` fetches.

    ``format`` 1 writes P-values, 2 aliases. ``url`` is the provisioning URL the phone
    was told (empty: the profile's own config server). The same input always gives
    the same bytes. Raises LimitExceeded (more accounts or keys than the model has),
    InvalidValue (a bad MAC, format or value). Pure: no server needed, any thread.
    """
    lib = _lib.library()
    out = ctypes.POINTER(_lib.gspnp_rendered)()
    with profile.to_c() as handle:
        lib.gspnp_render(
            handle.pointer,
            *_lib.text(model),
            *_lib.text(mac),
            _lib.unsigned(format, 32, "format"),
            *_lib.text(url),
            ctypes.byref(out),
        )
    try:
        data, length = ctypes.c_void_p(), ctypes.c_size_t()
        lib.gspnp_rendered_contents(out, ctypes.byref(data), ctypes.byref(length))
        warnings = tuple(
            _lib.read_str(lib.gspnp_rendered_warning(out, index))
            for index in range(lib.gspnp_rendered_warning_count(out))
        )
        return Rendered(
            file_name=_lib.read_str(lib.gspnp_rendered_file_name(out)),
            contents=_lib.read_bytes(data.value, length.value),
            warnings=warnings,
        )
    finally:
        lib.gspnp_rendered_free(out)
