"""``omisync config check`` and ``omisync init`` as a user runs them, and the example config
as the reference of every option."""

from __future__ import annotations

import stat
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from omisync.config import Config, load_config
from omisync.plugins import connector_types, options_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.yaml"
#: Config fields that are filled in by the loader, never written by a user.
INTERNAL = {"source", "secret_values", "warnings"}


def omisync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omisync", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **(env or {})},
    )


def home_with_vault(tmp_path: Path) -> Path:
    """A home folder holding the example's vault (~/Documents/Vault)."""
    (tmp_path / "Documents" / "Vault").mkdir(parents=True)
    return tmp_path


def models_in(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """``model`` and every model nested in its fields (through lists, dicts and unions)."""
    yield model
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from models_in(annotation)
            stack.extend(typing.get_args(annotation))


def test_the_example_config_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(home_with_vault(tmp_path)))
    config = load_config(
        EXAMPLE,
        env={"OMI_API_KEY": "omi_dev_" + "0" * 32},
        options_schema=options_model,
        known_types=connector_types,
    )
    vault = config.connectors["vault"]
    assert vault.options["tasks_file"] == "Omi/Tasks.md"
    assert vault.options["path"] == str(tmp_path / "Documents" / "Vault")


@pytest.mark.parametrize("schema", ["core", *connector_types()])
def test_the_example_config_documents_every_option(schema: str) -> None:
    root = Config if schema == "core" else options_model(schema)
    assert root is not None
    text = EXAMPLE.read_text(encoding="utf-8")
    undocumented = [
        f"{model.__name__}.{field.alias or name}"
        for model in models_in(root)
        for name, field in model.model_fields.items()
        if name not in INTERNAL and f"{field.alias or name}:" not in text
    ]
    assert undocumented == []


def test_init_writes_a_private_starter_that_check_accepts_once_the_vault_exists(
    tmp_path: Path,
) -> None:
    target = tmp_path / "omisync" / "config.yaml"
    written = omisync("init", "--config", str(target))
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == EXAMPLE.read_text()
    again = omisync("init", "--config", str(target))
    assert again.returncode == 2 and "already exists" in again.stdout

    key = {"OMI_API_KEY": "omi_dev_" + "1" * 32}
    home = tmp_path / "home"
    home.mkdir()
    unset = omisync("config", "check", "--config", str(target), env={**key, "HOME": str(home)})
    assert unset.returncode == 2
    line = EXAMPLE.read_text().splitlines().index("    path: ~/Documents/Vault") + 1
    assert (
        f"{target}:{line}: connectors.vault.path: no folder at {home}/Documents/Vault; "
        "create it or correct the path"
    ) in unset.stdout
    home_with_vault(home)
    checked = omisync("config", "check", "--config", str(target), env={**key, "HOME": str(home)})
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
