"""The corpus of bad configs in ``bad/``: each file's first line says the one problem it must
get (``{config}`` is the file, ``{dir}`` its folder, which also holds a ``vault/``). Both
``omisync config check`` and ``omisync run --once`` must report exactly that and exit 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BAD = Path(__file__).parent / "bad"
CASES = sorted(BAD.glob("*.yaml"))
#: Words that betray an internal error instead of a message for a user.
INTERNALS = ("Traceback", "<class", "instance of", "Error:")


def expectation(case: Path, config: Path) -> str:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{case.name} must start with '# expect: '"
    return first.removeprefix("# expect: ").format(config=config, dir=config.parent)


def run_both(config: Path) -> list[subprocess.CompletedProcess[str]]:
    """``config check`` and ``run --once`` on ``config``, side by side."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(config.parent)}
    commands = [["config", "check"], ["run", "--once"]]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "omisync", *command, "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for command in commands
    ]
    results = []
    for process, command in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def test_the_corpus_covers_every_kind_of_mistake() -> None:
    kinds = {case.name.split("_")[0] for case in CASES}
    assert kinds >= {"wrong", "unknown", "secret", "path", "interval", "yaml", "duplicate"}


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_each_bad_config_gets_its_message_and_exit_2(case: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    shutil.copyfile(case, config)
    config.chmod(0o600)
    (tmp_path / "vault").mkdir()
    expected = expectation(case, config)

    for result in run_both(config):
        output = result.stdout + result.stderr
        assert result.returncode == 2, (result.args, output)
        assert "The configuration has 1 problem:" in output, (result.args, output)
        assert f"  - {expected}" in output, (result.args, output)
        assert not any(word in output for word in INTERNALS), (result.args, output)
