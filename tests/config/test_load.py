"""Loading and validating configuration files: good ones load, bad ones say where and why."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from omisync.config import ConfigError, load_config, parse_duration


class VaultOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path
    tasks_file: str = "Omi/Tasks.md"


def options_schema(type_name: str) -> type[BaseModel] | None:
    return VaultOptions if type_name == "markdown" else None


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    file = tmp_path / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(text), encoding="utf-8")
    file.chmod(0o600)
    return file


def load(file: Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return load_config(
        file, env=env or {}, options_schema=options_schema, known_types=lambda: ["markdown"]
    )


def problems_of(file: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(file, env)
    return [str(problem) for problem in caught.value.problems]


def test_a_full_config_loads_with_defaults_and_secrets_from_env(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """\
        omi:
          api_key: ${OMI_API_KEY}
          timezone: Europe/Berlin
        state:
          path: ~/omisync-state.db
        connectors:
          vault:
            type: markdown
            path: /home/me/vault
            interval: 90s
        """,
    )
    config = load(file, {"OMI_API_KEY": "omi_dev_" + "a" * 32})
    assert config.omi.api_key is not None
    assert config.omi.api_key.get_secret_value() == "omi_dev_" + "a" * 32
    assert "omi_dev_" not in repr(config)
    assert config.omi.base_url == "https://api.omi.me/v1/dev"
    assert config.state.path.name == "omisync-state.db" and "~" not in str(config.state.path)
    vault = config.connectors["vault"]
    assert vault.interval == timedelta(seconds=90)
    assert vault.options == {"path": "/home/me/vault"}
    assert config.secret_values == {"omi_dev_" + "a" * 32}
    assert config.warnings == ()


def test_every_problem_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """\
        omi:
          api_kee: x
          timezone: Mars/Olympus
        connectors:
          vault:
            type: markdown
            interval: soon
            tasks_fle: Tasks.md
          other:
            type: todoits
        """,
    )
    problems = problems_of(file)
    assert f"{file}:2: omi.api_kee: unknown key 'api_kee'; did you mean 'api_key'?" in problems
    assert any(p.startswith(f"{file}:3: omi.timezone:") and "IANA" in p for p in problems)
    assert any(
        p.startswith(f"{file}:7: connectors.vault.interval:") and "90s" in p for p in problems
    )
    assert any(
        "connectors.vault.tasks_fle: unknown key 'tasks_fle'; did you mean 'tasks_file'?" in p
        for p in problems
    )
    assert any("connectors.vault.path: required key is missing" in p for p in problems)
    assert (
        f"{file}:10: connectors.other.type: unknown connector type 'todoits' (known: markdown)"
    ) in problems


def test_missing_environment_variable_names_the_variable_not_a_value(tmp_path: Path) -> None:
    file = write(tmp_path, "omi:\n  api_key: ${OMI_API_KEY}\n")
    (problem,) = problems_of(file)
    assert problem == (
        f"{file}:2: omi.api_key: environment variable OMI_API_KEY is not set; "
        "export it or write the value here"
    )


def test_a_key_that_is_not_a_developer_key_is_named_by_place_never_by_value(
    tmp_path: Path,
) -> None:
    (tmp_path / "key.txt").write_text("sk-project-0123456789\n")
    file = write(tmp_path, "omi:\n  timezone: UTC\n  api_key: ${OMI_API_KEY}\n")
    (inline,) = problems_of(file, {"OMI_API_KEY": "sk-project-0123456789"})
    assert inline.startswith(f"{file}:3: omi.api_key: this is not an Omi developer key: ")
    assert "starts with omi_dev_" in inline and "Settings > Developer" in inline
    (from_file,) = problems_of(write(tmp_path, "omi:\n  api_key_file: key.txt\n"))
    assert "omi.api_key: this is not an Omi developer key" in from_file
    (bare_prefix,) = problems_of(write(tmp_path, "omi:\n  api_key: omi_dev_\n"))
    assert "this is not an Omi developer key" in bare_prefix
    for problem in (inline, from_file):
        assert "sk-project" not in problem and "0123456789" not in problem


def test_secret_from_file_and_from_systemd_credential(tmp_path: Path) -> None:
    (tmp_path / "key.txt").write_text("omi_dev_fromfile\n")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "omi").write_text("omi_dev_fromcred")
    file = write(tmp_path, "omi:\n  api_key_file: key.txt\n")
    assert load(file).omi.api_key.get_secret_value() == "omi_dev_fromfile"  # type: ignore[union-attr]
    file = write(tmp_path, "omi:\n  api_key: ${credential:omi}\n")
    config = load(file, {"CREDENTIALS_DIRECTORY": str(creds)})
    assert config.omi.api_key.get_secret_value() == "omi_dev_fromcred"  # type: ignore[union-attr]
    file = write(tmp_path, "omi:\n  api_key_file: missing.txt\n")
    (problem,) = problems_of(file)
    assert "cannot read secret file" in problem and "missing.txt" in problem


def test_yaml_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, "omi:\n  base_url: [unclosed\nstate: {}\n")
    (problem,) = problems_of(file)
    assert problem.startswith(f"{file}:") and "invalid YAML" in problem


def test_duplicate_keys_and_non_mapping_files(tmp_path: Path) -> None:
    file = write(tmp_path, "omi:\n  timeout: 5\n  timeout: 6\n")
    assert problems_of(file) == [f"{file}:3: omi.timeout: key written twice; keep one"]
    file = write(tmp_path, "- just\n- a list\n")
    (problem,) = problems_of(file)
    assert "must hold a mapping" in problem


def test_connectors_d_adds_instances_and_refuses_duplicates(tmp_path: Path) -> None:
    file = write(tmp_path, "connectors:\n  a:\n    type: markdown\n    path: /v1\n")
    write(tmp_path, "b:\n  type: markdown\n  path: /v2\n", "connectors.d/b.yaml")
    config = load(file)
    assert sorted(config.connectors) == ["a", "b"]
    assert config.connectors["b"].options["path"] == "/v2"
    extra = write(tmp_path, "a:\n  type: markdown\n  path: /v3\n", "connectors.d/c.yaml")
    (problem,) = problems_of(file)
    assert "connector 'a' is defined twice" in problem and str(extra) in problem


def test_world_readable_config_gets_a_warning(tmp_path: Path) -> None:
    file = write(tmp_path, "omi: {}\n")
    file.chmod(0o644)
    (warning,) = load(file).warnings
    assert "chmod 600" in warning


def test_no_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert "omisync init" in problem


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("5m", 300), ("1h30m", 5400), ("2d", 172800), (45, 45)]
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5x", "m", "0s", -3, "1.5h"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_connector_sync_options_reach_the_engine(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """\
        connectors:
          vault:
            type: markdown
            path: /v
            tasks: from_omi
            conflict: newest
            max_delete: {count: 3, percent: 10}
          bad:
            type: markdown
            path: /v
            notes: sideways
            max_delete: {count: -1}
        """,
    )
    problems = problems_of(file)
    assert any(
        p.startswith(f"{file}:11: connectors.bad.notes:") and "'to_omi'" in p for p in problems
    )
    assert any("connectors.bad.max_delete" in p and "count" in p for p in problems)
    file = write(
        tmp_path,
        "connectors:\n  vault:\n    type: markdown\n    path: /v\n"
        "    tasks: from_omi\n    conflict: newest\n    max_delete: {count: 3}\n",
    )
    options = load(file).connectors["vault"].sync_options(timezone="Europe/Berlin")
    assert options.tasks.direction.value == "from_omi"
    assert options.notes.direction.value == "both"
    assert options.tasks.conflict.value == "newest"
    assert options.max_delete.count == 3 and options.max_delete.percent == 50.0
    assert options.timezone == "Europe/Berlin"


def test_secrets_can_be_left_unread_for_commands_that_need_none(tmp_path: Path) -> None:
    file = write(tmp_path, "omi:\n  api_key: ${OMI_API_KEY}\n  admin_token_file: /nope\n")
    assert len(problems_of(file)) == 2
    config = load_config(file, env={}, secrets=False)
    assert config.omi.api_key is None
    assert config.secret_values == frozenset()
