"""The unit files in systemd/ pass ``systemd-analyze verify`` without a warning, the system
units are hardened, and the one-shot unit's sandbox matches the daemon's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"
SYSTEM_UNITS = sorted((UNITS / "system").iterdir())
#: Where the system units expect omisync (a virtualenv at /opt/omisync).
INSTALLED = "/opt/omisync/bin/omisync"
OMISYNC = Path(sys.executable).with_name("omisync")

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed on this machine (it ships with systemd)",
)


def _analyze(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def _installed_copies(folder: Path) -> list[Path]:
    """The system units with ExecStart pointing at this checkout's omisync instead of the
    documented install path (verify checks that the command exists); nothing else changes."""
    folder.mkdir()
    copies = []
    for unit in SYSTEM_UNITS:
        copy = folder / unit.name
        copy.write_text(unit.read_text().replace(INSTALLED, str(OMISYNC)))
        copies.append(copy)
    return copies


@needs_systemd_analyze
def test_system_units_verify_cleanly(tmp_path: Path) -> None:
    result = _analyze("verify", *map(str, _installed_copies(tmp_path / "units")))
    assert result.returncode == 0 and result.stderr == "", result.stderr


@needs_systemd_analyze
def test_user_unit_verifies_cleanly(tmp_path: Path) -> None:
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "omisync").symlink_to(OMISYNC)  # where pipx puts it
    runtime.mkdir(mode=0o700)
    result = _analyze(
        "--user",
        "verify",
        str(UNITS / "user" / "omisync.service"),
        env={"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


@needs_systemd_analyze
def test_system_units_are_hardened(tmp_path: Path) -> None:
    for unit in _installed_copies(tmp_path / "units"):
        if unit.suffix != ".service":
            continue
        # Exit status non-zero when the exposure score is above 2.0 ("OK" in systemd's words).
        result = _analyze("security", "--offline=yes", "--threshold=20", str(unit))
        assert result.returncode == 0, result.stdout[-3000:]


def _sandbox(unit: Path) -> list[str]:
    """The unit's [Service] lines that restrict the process (everything but how it runs)."""
    how_it_runs = (
        "Type=",
        "NotifyAccess=",
        "ExecStart=",
        "ExecReload=",
        "Restart=",
        "RestartSec=",
        "WatchdogSec=",
        "TimeoutStopSec=",
        "TimeoutStartSec=",
        "SuccessExitStatus=",
    )
    lines = unit.read_text().split("[Service]", 1)[1].split("[Install]", 1)[0].splitlines()
    return [
        line
        for line in lines
        if line and not line.startswith("#") and not line.startswith(how_it_runs)
    ]


def test_one_shot_unit_has_the_daemon_sandbox() -> None:
    daemon = _sandbox(UNITS / "system" / "omisync.service")
    assert "ProtectSystem=strict" in daemon and "LoadCredential=" in " ".join(daemon)
    assert _sandbox(UNITS / "system" / "omisync-once.service") == daemon
