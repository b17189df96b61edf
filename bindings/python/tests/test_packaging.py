"""The in-tree build backend: a wheel with the whole package, installable offline."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

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


@pytest.mark.skipif(importlib.util.find_spec("ensurepip") is None, reason="venv cannot install pip here")
def test_pip_installs_it_offline_into_a_fresh_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
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
