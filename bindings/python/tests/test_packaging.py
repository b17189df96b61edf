"""The in-tree build backend: a wheel with the whole package, installable offline."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import List

import pytest

from python_process import PACKAGE_ROOT


def load_backend() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gspnp_build", PACKAGE_ROOT / "build_backend" / "gspnp_build.py")
    assert spec is not None and spec.loader is not None
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    return backend


def test_the_wheel_holds_every_module_the_type_marker_and_its_metadata(tmp_path: Path) -> None:
    name = load_backend().build_wheel(str(tmp_path))

    with zipfile.ZipFile(tmp_path / name) as wheel:
        members = set(wheel.namelist())
        metadata = wheel.read("gspnp-0.1.0.dist-info/METADATA").decode()
        record = wheel.read("gspnp-0.1.0.dist-info/RECORD").decode()

    assert name == "gspnp-0.1.0-py3-none-any.whl"
    modules = {f"gspnp/{path.name}" for path in (PACKAGE_ROOT / "gspnp").glob("*.py")}
    assert modules | {"gspnp/py.typed"} <= members
    assert not any("__pycache__" in member for member in members)
    assert "Name: gspnp\nVersion: 0.1.0\n" in metadata
    assert {line.split(",")[0] for line in record.splitlines()} == members


def test_the_wheel_is_compressed_and_carries_the_licence_files(tmp_path: Path) -> None:
    name = load_backend().build_wheel(str(tmp_path))

    with zipfile.ZipFile(tmp_path / name) as wheel:
        assert {info.compress_type for info in wheel.infolist()} == {zipfile.ZIP_DEFLATED}
        metadata = wheel.read("gspnp-0.1.0.dist-info/METADATA").decode()
        licences = {licence: wheel.read(f"gspnp-0.1.0.dist-info/licenses/{licence}") for licence in LICENCES}

    assert all(f"License-File: {licence}\n" in metadata for licence in LICENCES)
    assert licences == {licence: (PACKAGE_ROOT.parents[1] / licence).read_bytes() for licence in LICENCES}
    assert b"Permission is hereby granted" in licences["LICENSE-MIT"]


def test_pyproject_is_read_without_tomllib_as_tomllib_reads_it() -> None:
    """Python 3.8 to 3.10 have no tomllib, and the backend asks for nothing (no tomli)."""
    tomllib = pytest.importorskip("tomllib")
    text = (PACKAGE_ROOT / "pyproject.toml").read_text()
    backend = load_backend()

    assert backend.read_project_table(text) == tomllib.loads(text)["project"]
    assert backend.get_requires_for_build_wheel() == backend.get_requires_for_build_sdist() == []
    with pytest.raises(ValueError, match="reads only strings"):
        backend.read_project_table('[project]\nname = "x"\ndynamic = 3\n')


def claimed_interpreters() -> List[str]:
    """This Python and every other 3.x the metadata claims (>=3.8) that is on PATH as
    python3.N or listed in GSPNP_TEST_PYTHONS (paths, separated by spaces)."""
    found = [sys.executable] + [shutil.which(f"python3.{minor}") or "" for minor in range(8, 14)]
    found += os.environ.get("GSPNP_TEST_PYTHONS", "").split()
    unique: List[str] = []
    for path in found:
        if path and os.path.realpath(path) not in {os.path.realpath(seen) for seen in unique} and runs(path):
            unique.append(path)
    return unique


def runs(interpreter: str) -> bool:
    """Whether ``interpreter`` starts (a pyenv shim of a version not selected does not)."""
    started = subprocess.run([interpreter, "-c", "pass"], capture_output=True, timeout=30, check=False)
    return started.returncode == 0


LICENCES = ("LICENSE-MIT", "LICENSE-APACHE")


@pytest.mark.skipif(importlib.util.find_spec("ensurepip") is None, reason="venv cannot install pip here")
@pytest.mark.parametrize("interpreter", claimed_interpreters())
def test_pip_installs_it_offline_into_a_fresh_venv(tmp_path: Path, interpreter: str) -> None:
    venv = tmp_path / "venv"
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--disable-pip-version-check", str(PACKAGE_ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    imported = subprocess.run(
        [str(python), "-c", "import gspnp, pathlib; print(pathlib.Path(gspnp.__file__).parent.parent.name)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert imported.stdout.strip() == "site-packages"
