"""A PEP 517 build backend for the pure-Python gspnp package, with no dependencies.

It exists so that ``pip install ./bindings/python`` works offline, in a fresh venv,
with ``--no-index``: a backend from PyPI (setuptools, hatchling, flit-core) would
have to be downloaded into pip's isolated build environment first. It reads the
static ``[project]`` table of pyproject.toml (with tomllib from Python 3.11 on, else
with the small reader below: no tomli either) and packs the ``gspnp`` folder as is,
with the licence files.
"""

from __future__ import annotations

import base64
import ast
import hashlib
import io
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "gspnp"
LICENSE_FILES = ("LICENSE-MIT", "LICENSE-APACHE")
SDIST_FILES = ("pyproject.toml", "README.md", *LICENSE_FILES, "build_backend", PACKAGE, "tests")


def _project() -> Dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        return read_project_table(text)
    project: Dict[str, Any] = tomllib.loads(text)["project"]
    return project


def read_project_table(text: str) -> Dict[str, Any]:
    """The ``[project]`` table of ``text``, for the TOML this pyproject.toml uses there:
    ``key = value`` lines whose value is a basic string, a one-level inline table of
    strings, or an array of strings (on one or more lines). ValueError for anything
    else, so a new construct is noticed rather than misread."""
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if table is None:
        raise ValueError("pyproject.toml has no [project] table")
    project: Dict[str, Any] = {}
    for key, value in re.findall(r"^([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*(?=^[A-Za-z0-9_-]+\s*=|\Z)", table.group(1), re.M | re.S):
        value = re.sub(r"^\s*#.*$", "", value, flags=re.M).strip()
        if value.startswith("{"):
            pairs = re.findall(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*")', value)
            project[key] = {name: _toml_string(string) for name, string in pairs}
        elif value.startswith("["):
            project[key] = [_toml_string(string) for string in re.findall(r'"(?:[^"\\]|\\.)*"', value)]
        elif value.startswith('"'):
            project[key] = _toml_string(value)
        else:
            raise ValueError(f"pyproject.toml [project] {key}: this backend reads only strings, arrays and tables of them")
    return project


def _toml_string(literal: str) -> str:
    """A TOML basic string (the escapes it shares with Python)."""
    value = ast.literal_eval(literal)
    if not isinstance(value, str):
        raise ValueError(f"not a string: {literal}")
    return value


def _metadata(project: Dict[str, Any]) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '')}",
    ]
    license_text = project.get("license", {}).get("text")
    if license_text:
        lines.append(f"License: {license_text}")
    lines += [f"License-File: {name}" for name in LICENSE_FILES]
    lines += [f"Classifier: {classifier}" for classifier in project.get("classifiers", ())]
    readme = project.get("readme")
    body = ""
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        body = "\n" + (ROOT / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n" + body


def _base_name(project: Dict[str, Any]) -> str:
    return f"{project['name'].replace('-', '_')}-{project['version']}"


def _package_files() -> List[Path]:
    return sorted(
        path
        for path in (ROOT / PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory: str, members: List[Tuple[str, bytes]]) -> str:
    """Writes a py3-none-any wheel of ``members`` plus its dist-info; returns its name."""
    project = _project()
    base = _base_name(project)
    dist_info = f"{base}.dist-info"
    members = members + [(f"{dist_info}/licenses/{name}", (ROOT / name).read_bytes()) for name in LICENSE_FILES]
    members += [
        (f"{dist_info}/METADATA", _metadata(project).encode("utf-8")),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: gspnp_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = [_record_line(name, data) for name, data in members] + [f"{dist_info}/RECORD,,"]
    members.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode("utf-8")))
    wheel_name = f"{base}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in members:
            # A ZipInfo keeps its own compression (stored by default), not the file's.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return wheel_name


# --- PEP 517 / PEP 660 hooks ---------------------------------------------------------


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """Packs the gspnp folder into a pure-Python wheel."""
    members = [(path.relative_to(ROOT).as_posix(), path.read_bytes()) for path in _package_files()]
    return _write_wheel(wheel_directory, members)


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """A wheel whose .pth file puts this source folder on sys.path."""
    return _write_wheel(wheel_directory, [(f"_{PACKAGE}_editable.pth", f"{ROOT}\n".encode("utf-8"))])


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    """Packs the sources (package, tests, backend, pyproject.toml, README) and PKG-INFO."""
    project = _project()
    base = _base_name(project)
    sdist_name = f"{base}.tar.gz"

    def clean(info: tarfile.TarInfo) -> Optional[tarfile.TarInfo]:
        if "__pycache__" in info.name or info.name.endswith(".pyc"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    with tarfile.open(os.path.join(sdist_directory, sdist_name), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for name in SDIST_FILES:
            # The licence files are links to the repository's; the sdist holds copies.
            sdist.add((ROOT / name).resolve(), arcname=f"{base}/{name}", filter=clean)
        pkg_info = _metadata(project).encode("utf-8")
        info = clean(tarfile.TarInfo(f"{base}/PKG-INFO"))
        assert info is not None
        info.size = len(pkg_info)
        sdist.addfile(info, io.BytesIO(pkg_info))
    return sdist_name
