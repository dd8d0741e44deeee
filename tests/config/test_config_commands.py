"""``omisync config check`` and ``omisync init`` as a user runs them."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from omisync.config import load_config
from omisync.plugins import connector_types, options_model

ROOT = Path(__file__).resolve().parents[2]


def omisync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omisync", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **(env or {})},
    )


def test_the_example_config_is_valid_and_documents_every_connector_option() -> None:
    config = load_config(
        ROOT / "config.example.yaml",
        env={"OMI_API_KEY": "omi_dev_" + "0" * 32},
        options_schema=options_model,
        known_types=connector_types,
    )
    vault = config.connectors["vault"]
    model = options_model("markdown")
    assert model is not None
    example_text = (ROOT / "config.example.yaml").read_text()
    undocumented = [
        field.alias or name
        for name, field in model.model_fields.items()
        if f"{field.alias or name}:" not in example_text
    ]
    assert undocumented == []
    assert vault.options["tasks_file"] == "Omi/Tasks.md"


def test_init_writes_a_private_starter_that_check_accepts(tmp_path: Path) -> None:
    target = tmp_path / "omisync" / "config.yaml"
    written = omisync("init", "--config", str(target))
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == (ROOT / "config.example.yaml").read_text()
    again = omisync("init", "--config", str(target))
    assert again.returncode == 2 and "already exists" in again.stdout
    checked = omisync(
        "config", "check", "--config", str(target), env={"OMI_API_KEY": "omi_dev_" + "1" * 32}
    )
    assert checked.returncode == 0, checked.stdout
    assert "ok — connectors: vault (markdown)" in checked.stdout
    assert "omi_dev_1111" not in checked.stdout + checked.stderr


def test_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("omi:\n  api_key: ${NOPE}\nconnectors:\n  v:\n    type: markdwn\n")
    result = omisync("config", "check", "--config", str(target), env={"OMISYNC_CONFIG": "x"})
    assert result.returncode == 2
    assert "2 problems" in result.stdout
    assert f"{target}:2: omi.api_key: environment variable NOPE is not set" in result.stdout
    assert "unknown connector type 'markdwn'; did you mean 'markdown'?" in result.stdout
