"""The package installs as users get it: every package listed, the command and entry points work."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import omisync

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.glob("omisync/**/__init__.py")
    } | {
        ".".join(("omisync", *init.parent.relative_to(ROOT).parts))
        for init in ROOT.glob("connectors/**/__init__.py")
    }
    assert found == listed, "pyproject.toml [tool.setuptools] packages is out of date"


def test_version_and_help_through_the_console_script_and_python_m() -> None:
    script = Path(sys.executable).parent / "omisync"
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"omisync {omisync.__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "omisync", "--help"], capture_output=True, text=True, check=True
    )
    assert "emulator" in helped.stdout


def test_no_command_prints_help_and_exits_with_usage_error() -> None:
    result = subprocess.run([sys.executable, "-m", "omisync"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage: omisync" in result.stderr


def test_connectors_folder_is_not_a_top_level_package() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import connectors"], capture_output=True, text=True, cwd="/"
    )
    assert result.returncode != 0
    import omisync.connectors

    assert Path(omisync.connectors.__file__).parent == ROOT / "connectors"
