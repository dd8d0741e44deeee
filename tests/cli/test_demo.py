"""``omisync demo`` as a user runs it: a real subprocess with its own emulator and vault."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from omisync.demo import MARKER, UNTOUCHED, write_sample_vault


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's folder and its output (run once for the module)."""
    folder = tmp_path_factory.mktemp("demo") / "omisync-demo"
    result = subprocess.run(
        [sys.executable, "-m", "omisync", "demo", "--dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder, result.stdout


def step(output: str, number: int) -> str:
    """The text of numbered step ``number`` (up to the next step or the closing lines)."""
    found = re.search(rf"^{number}\. (.*?)(?=^\d\. |^The vault is at)", output, re.S | re.M)
    assert found is not None, f"step {number} is missing:\n{output}"
    return found.group(1)


def test_every_step_is_shown(demo: tuple[Path, str]) -> None:
    _, output = demo
    assert "1. Omi emulator at http://127.0.0.1:" in output
    assert "2. Sample vault at" in output
    first = step(output, 3)
    assert "vault · tasks: 3 created in Omi" in first
    assert "task 'Buy milk'" in first and "task 'Plan the garden for spring'" in first
    assert "memory 'Takes coffee with oat milk in the morning.'" in first
    assert re.search(r"^     … \d+ more$", first, re.M)  # the tasks file is longer than shown
    assert "ticked 'Buy milk'" in step(output, 4)
    second = step(output, 5)
    assert "Omi now has 'Buy milk' completed." in second
    assert "Call the plumber about the boiler ^omi-" in second
    assert "omisync init" in output and "cp config.example.yaml" not in output
    assert "      type: markdown\n" in output and "      path: ~/Documents/Vault\n" in output


def test_the_third_sync_writes_nothing(demo: tuple[Path, str]) -> None:
    third = step(demo[1], 6)
    assert [line.strip() for line in third.splitlines() if " · " in line] == [
        "vault · tasks: in sync",
        "vault · notes: in sync",
        "vault · conversations: in sync",
    ]


def test_lines_omisync_must_not_touch_are_byte_identical(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    folder, output = demo
    vault = folder / "vault"
    [journal] = (vault / "Journal").glob("*.md")
    today = date.fromisoformat(journal.stem)
    write_sample_vault(tmp_path, today)  # the vault as the demo wrote it, before any sync
    for name, text in UNTOUCHED:
        rel = name.format(today=today.isoformat())
        [before] = [b for b in (tmp_path / rel).read_bytes().splitlines(True) if text.encode() in b]
        [after] = [b for b in (vault / rel).read_bytes().splitlines(True) if text.encode() in b]
        assert after == before
        assert f"unchanged: {before.decode().strip()}  ({rel})" in output
    assert (folder / MARKER).exists()
