"""Every list the Python package mirrors from the C ABI equals include/gspnp.h: the
enums, the stats counters, the struct fields, and the set of functions (every one is
wrapped). The header is generated from src/ffi, so this ties Python to the one source."""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import re
from typing import Dict, List, Type

import pytest
from simulated_phone import REPOSITORY

import gspnp
from gspnp import _lib, config, events, profile, stats

HEADER = (REPOSITORY / "include" / "gspnp.h").read_text()


def header_body(kind: str, name: str) -> str:
    """The text between ``typedef <kind> {`` and ``} <name>;``, comments removed."""
    end = HEADER.find("} " + name + ";")
    start = HEADER.rfind("typedef " + kind + " {", 0, end)
    assert end > 0 and start >= 0, f"no {kind} {name} in gspnp.h"
    lines = HEADER[start:end].splitlines()[1:]
    return "\n".join(line for line in lines if not line.strip().startswith("//"))


def header_enum(name: str) -> Dict[str, int]:
    """The members of C enum ``name`` as {NAME: value}."""
    return {member: int(value) for member, value in re.findall(r"(\w+) = (\d+),", header_body("enum", name))}


def header_struct_fields(name: str) -> List[str]:
    """The member names of C struct ``name``, in order (a function pointer by its name)."""
    members = [statement.strip() for statement in header_body("struct", name).split(";") if statement.strip()]
    return [member_name(member) for member in members]


def member_name(declaration: str) -> str:
    """The declared name in ``uint8_t octets[4]`` or ``void (*free)(void *data)``."""
    pointer = re.search(r"\(\*(\w+)\)", declaration)
    plain = re.search(r"(\w+)(?:\[\d+\])?$", declaration)
    assert pointer or plain, declaration
    return pointer.group(1) if pointer else plain.group(1)  # type: ignore[union-attr]


def as_members(enum_type: Type[enum.IntEnum], prefix: str) -> Dict[str, int]:
    return {prefix + member.name: int(member) for member in enum_type}


@pytest.mark.parametrize(
    "c_name, python_enum, prefix",
    [
        ("gspnp_status", gspnp.Status, "GSPNP_STATUS_"),
        ("gspnp_event_kind", events._EventKind, "GSPNP_EVENT_KIND_"),
        ("gspnp_log_level", gspnp.LogLevel, "GSPNP_LOG_LEVEL_"),
        ("gspnp_notify_outcome", gspnp.NotifyOutcome, "GSPNP_NOTIFY_OUTCOME_"),
        ("gspnp_mode", gspnp.Mode, "GSPNP_MODE_"),
        ("gspnp_rule_kind", gspnp.RuleKind, "GSPNP_RULE_KIND_"),
    ],
)
def test_each_python_enum_equals_the_headers(c_name: str, python_enum: Type[enum.IntEnum], prefix: str) -> None:
    assert as_members(python_enum, prefix) == header_enum(c_name)


def test_the_mode_and_rule_kind_names_are_the_enum_members() -> None:
    assert set(config.ModeName.__args__) == {member.name.lower() for member in gspnp.Mode}  # type: ignore[attr-defined]
    assert set(config.RuleKindName.__args__) == {m.name.lower() for m in gspnp.RuleKind}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "c_name, dataclass_type, prefix",
    [("gspnp_account_field", profile.Account, "GSPNP_ACCOUNT_"), ("gspnp_global_field", profile.Profile, "GSPNP_GLOBAL_")],
)
def test_profile_settings_are_the_headers_fields(c_name: str, dataclass_type: type, prefix: str) -> None:
    mapped = {
        prefix + field.name.upper(): field.metadata[profile._C_FIELD]
        for field in dataclasses.fields(dataclass_type)
        if profile._C_FIELD in field.metadata
    }
    assert mapped == header_enum(c_name)


def test_key_kinds_are_the_headers() -> None:
    assert header_enum("gspnp_key_kind") == {"GSPNP_KEY_KIND_VPK": profile._VPK, "GSPNP_KEY_KIND_MPK": profile._MPK}


def test_every_counter_of_gspnp_stats_reaches_python_in_order() -> None:
    assert header_struct_fields("gspnp_stats") == ["size"] + [field.name for field in dataclasses.fields(gspnp.Stats)]
    assert ctypes.sizeof(stats.gspnp_stats) == ctypes.sizeof(ctypes.c_size_t) + 8 * len(dataclasses.fields(gspnp.Stats))


@pytest.mark.parametrize(
    "struct", [_lib.gspnp_addr, _lib.gspnp_str, _lib.gspnp_device, _lib.gspnp_config_file, _lib.gspnp_notify_result,
               _lib.gspnp_callbacks]
)
def test_struct_members_are_the_headers(struct: type) -> None:
    assert [name for name, *_ in struct._fields_] == header_struct_fields(struct.__name__)  # type: ignore[attr-defined]


def test_every_function_of_the_header_is_declared_and_wrapped() -> None:
    functions = set(re.findall(r"^[\w *]+?\b(gspnp_\w+)\(", HEADER, re.M))

    assert functions == set(_lib._PROTOTYPES)

