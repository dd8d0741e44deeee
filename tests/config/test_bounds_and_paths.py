"""Values that used to crash the loader or the scheduler, and paths: each is a clear problem
naming its key, and relative paths are relative to the config file, not the working dir."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, SecretStr
from test_load import load, problems_of, write

from omisync.config import ConfigError, load_config, parse_duration
from omisync.config.paths import ConfigPath, ExistingDir


class PathOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: ExistingDir
    cache_file: ConfigPath | None = None
    token: SecretStr | None = None


def load_with_paths(file: Path) -> object:
    return load_config(
        file, env={}, options_schema=lambda name: PathOptions, known_types=lambda: ["vault"]
    )


def connector(body: str) -> str:
    return "connectors:\n  v:\n    type: markdown\n    path: /\n" + body


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "max_delete: {cout: 3}",
            "max_delete.cout: unknown key 'cout'; did you mean 'count'?",
        ),
        ("max_delete: 7", "max_delete: expected a mapping of keys"),
        (
            "max_delete: {percent: 120}",
            "max_delete.percent: must be less than or equal to 100",
        ),
        (
            "max_delete: {count: 1.5}",
            "max_delete.count: expected a whole number, not a fraction",
        ),
        (
            "interval: 9999999999d",
            "interval: '9999999999d' is too long; the longest is 365d",
        ),
        ("interval: 99999999d", "interval: '99999999d' is too long"),
        ("interval: 1.0e+300", "interval: 1e+300 is too long"),
        ("interval: .nan", "interval: nan is not a duration"),
        ("interval: 0.2", "interval: 0.2s is out of range: use 1s to 7d"),
        ("interval: 8d", "interval: 8d is out of range: use 1s to 7d"),
    ],
)
def test_values_that_crashed_are_problems_with_their_key(
    tmp_path: Path, line: str, expected: str
) -> None:
    file = write(tmp_path, connector(f"    {line}\n"))
    (problem,) = problems_of(file)
    assert problem.startswith(f"{file}:5: connectors.v.{expected}"), problem
    assert "<class" not in problem and "instance of" not in problem


def test_interval_bounds_are_inclusive_and_max_delete_reaches_the_engine(tmp_path: Path) -> None:
    file = write(tmp_path, connector("    interval: 7d\n    max_delete: {percent: 10}\n"))
    settings = load(file).connectors["v"]
    assert settings.interval == timedelta(days=7)
    engine = settings.sync_options(timezone="UTC").max_delete
    assert (engine.count, engine.percent) == (25, 10.0)
    file = write(tmp_path, connector("    interval: 1s\n"))
    assert load(file).connectors["v"].interval == timedelta(seconds=1)


@given(st.integers(min_value=0, max_value=10**30), st.sampled_from("dhms"))
def test_parse_duration_only_ever_raises_value_error(number: int, unit: str) -> None:
    try:
        result = parse_duration(f"{number}{unit}")
    except ValueError as error:
        assert "too long" in str(error) or "longer than zero" in str(error)
    else:
        assert timedelta(0) < result <= timedelta(days=365)


def test_relative_paths_start_at_the_config_folder_not_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    (folder / "vault").mkdir(parents=True)
    file = write(
        folder,
        "state:\n  path: data/state.db\nconnectors:\n  v:\n    type: vault\n"
        "    path: vault\n    cache_file: cache/scan.json\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_with_paths(Path(os.path.relpath(file, elsewhere)))
    assert config.state.path == folder / "data" / "state.db"  # type: ignore[attr-defined]
    options = config.connectors["v"].options  # type: ignore[attr-defined]
    assert options == {"path": str(folder / "vault"), "cache_file": str(folder / "cache/scan.json")}


def test_a_missing_vault_and_a_state_path_that_is_a_folder_are_problems(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    file = write(
        tmp_path,
        "state:\n  path: .\nconnectors:\n  v:\n    type: vault\n    path: nowhere\n"
        "  w:\n    type: vault\n    path: a-file\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_with_paths(file)
    problems = sorted(str(problem) for problem in caught.value.problems)
    assert problems == [
        f"{file}:2: state.path: {tmp_path} is a folder; give a file's path, "
        f"e.g. {tmp_path / 'state.db'}",
        f"{file}:6: connectors.v.path: no folder at {tmp_path / 'nowhere'}; "
        "create it or correct the path",
        f"{file}:9: connectors.w.path: {tmp_path / 'a-file'} is a file, not a folder; "
        "give the folder's path",
    ]


def test_a_path_type_outside_a_config_load_only_expands_the_home() -> None:
    options = PathOptions.model_validate({"path": "~/nowhere"})
    assert options.path == Path.home() / "nowhere"
