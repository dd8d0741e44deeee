"""Files others can read are warned about: by ``config check`` on stdout, and by ``run``
through the logger (one JSON line when not on a terminal, as under systemd)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import VaultSetup

from omisync.emulator import RunningEmulator


def test_readable_config_connector_and_secret_files_are_warned_about(
    tmp_path: Path, omi_emulator: RunningEmulator
) -> None:
    setup = VaultSetup(tmp_path, omi_emulator)
    setup.write_config(key_file=True)
    key_file = tmp_path / "omi.key"
    extra = tmp_path / "connectors.d" / "second.yaml"
    extra.parent.mkdir()
    (tmp_path / "second").mkdir()
    extra.write_text(f"second:\n  type: markdown\n  path: {tmp_path / 'second'}\n")
    for file in (setup.config_path, extra, key_file):
        file.chmod(0o644)
    readable = [setup.config_path, extra, key_file]

    checked = setup.omisync("config", "check")
    assert checked.returncode == 0, checked.stdout
    for file in readable:
        assert f"warning: {file} is readable by other users" in checked.stdout

    ran = setup.omisync("run", "--once")
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stderr.splitlines() if line.startswith("{")]
    warned = [line["warning"] for line in lines if line["event"] == "config.warning"]
    assert warned == [
        f"{file} is readable by other users and may hold secrets; run: chmod 600 {file}"
        for file in readable
    ]
    assert setup.key not in checked.stdout + ran.stdout + ran.stderr
