"""No log line and no error output of a full ``omisync run --once -vv`` holds the Omi key: with
the key from ``${OMI_API_KEY}`` or from ``api_key_file``, when Omi refuses the key, and through
a storm of 5xx answers. Every log line of the run carries its run id and connector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import VaultSetup

from omisync.emulator import FaultConfig, RunningEmulator

WRONG_KEY = "omi_dev_" + "0badc0de" * 4


def log_lines(stderr: str) -> list[dict[str, Any]]:
    """The JSON log lines (stderr is not a terminal, so every log line is JSON)."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def prepared(tmp_path: Path, emulator: RunningEmulator, *, key: str | None = None) -> VaultSetup:
    setup = VaultSetup(tmp_path, emulator, key=key)
    setup.write("Omi/Tasks.md", "- [ ] Renew the car insurance\n- [ ] Book the dentist\n")
    setup.write("Omi/Memories/Tea.md", "Prefers green tea in the afternoon.\n")
    return setup


def assert_no_secret(setup: VaultSetup, stdout: str, stderr: str) -> list[dict[str, Any]]:
    assert setup.key not in stdout
    assert setup.key not in stderr
    lines = log_lines(stderr)
    assert lines, "the run logged nothing at -vv; the check would prove nothing"
    for line in lines:
        assert line["connector"] == "vault", line
        assert isinstance(line["run_id"], int), line
    return lines


@pytest.mark.parametrize("key_file", [False, True], ids=["env", "key_file"])
def test_a_full_run_never_shows_the_key(
    tmp_path: Path, omi_emulator: RunningEmulator, key_file: bool
) -> None:
    setup = prepared(tmp_path, omi_emulator)
    setup.write_config(key_file=key_file)

    result = setup.omisync("run", "--once", "-vv")

    assert result.returncode == 0, result.stderr
    assert "vault · tasks: 2 created in Omi" in result.stdout
    lines = assert_no_secret(setup, result.stdout, result.stderr)
    events = {line["event"] for line in lines}
    assert "sync.planned" in events
    assert any(event.startswith("HTTP Request: GET") for event in events)


def test_a_refused_key_is_reported_without_showing_it(
    tmp_path: Path, omi_emulator: RunningEmulator
) -> None:
    setup = prepared(tmp_path, omi_emulator, key=WRONG_KEY)

    result = setup.omisync("run", "--once", "-vv")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "vault · tasks: error:" in result.stdout
    assert "401" in result.stdout or "key" in result.stdout.lower()
    assert_no_secret(setup, result.stdout, result.stderr)


def test_a_5xx_storm_is_retried_and_reported_without_showing_the_key(
    tmp_path: Path, omi_emulator: RunningEmulator
) -> None:
    setup = prepared(tmp_path, omi_emulator)
    omi_emulator.set_faults(FaultConfig(error_rate=1.0, error_status=503, path_contains="action"))

    result = setup.omisync("run", "--once", "-vv")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "vault · tasks: error:" in result.stdout
    lines = assert_no_secret(setup, result.stdout, result.stderr)
    retries = [line for line in lines if line["event"].startswith("retrying GET")]
    assert len(retries) == 4
