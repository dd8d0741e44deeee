"""The exit codes of ``omisync run --once`` (README "Exit codes"), each from a real subprocess:
0 ok, 1 partial, 2 config/usage error, 3 Omi (or the connector) unavailable, 4 lock held."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable

import pytest
from run_harness import BOX, SyncHarness, output

from omisync.cli.exit_codes import ExitCode
from omisync.state import RunLock


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_item_makes_the_run_partial_and_the_rest_still_syncs(
    harness: SyncHarness,
) -> None:
    harness.add_to_box(
        "task",
        {"text": "Short and fine", "done": False},
        {"text": "word " * 120, "done": False},
    )

    result = harness.run()

    assert result.returncode == ExitCode.PARTIAL, output(result)
    assert f"{BOX} · tasks: 1 created in Omi, 1 refused" in result.stdout
    assert "is 599 characters; Omi accepts at most 500 — shorten it there" in result.stdout
    assert [item["description"] for item in harness.omi_tasks()] == ["Short and fine"]


ConfigBreaker = Callable[[SyncHarness], object]

CONFIG_ERRORS: dict[str, tuple[ConfigBreaker, str]] = {
    "unknown connector type": (
        lambda h: h.configure(connectors={BOX: {"type": "jsonfiel", "path": "x.json"}}),
        "connectors.box.type: unknown connector type 'jsonfiel'; did you mean 'jsonfile'?",
    ),
    "connector option missing": (
        lambda h: h.configure(connectors={BOX: {"type": "jsonfile"}}),
        "connectors.box.path: required key is missing",
    ),
    "connector option misspelt": (
        lambda h: h.configure(bach_size=3),
        "connectors.box.bach_size",
    ),
    "api key from an unset variable": (
        lambda h: h.configure(omi={"api_key": "${OMISYNC_E2E_UNSET_KEY}"}),
        "OMISYNC_E2E_UNSET_KEY",
    ),
    "not YAML": (
        lambda h: h.config_path.write_text("omi: [unclosed\n", encoding="utf-8"),
        "config.yaml",
    ),
}


@pytest.mark.parametrize("case", list(CONFIG_ERRORS))
def test_a_config_error_exits_2_naming_the_problem_and_touches_nothing(
    harness: SyncHarness, case: str
) -> None:
    breaker, message = CONFIG_ERRORS[case]
    breaker(harness)
    harness.add_to_box("task", {"text": "Stay here", "done": False})
    harness.emulator.clear_stats()

    result = harness.run()

    assert result.returncode == ExitCode.USAGE, output(result)
    assert message in result.stderr
    assert harness.emulator.stats()["total"] == 0
    assert not harness.state_path.parent.exists()


def test_an_unreachable_omi_exits_3_and_says_what_to_check(harness: SyncHarness) -> None:
    # One kind only: every kind retries its listing with backoff before giving up.
    harness.configure(omi={"base_url": f"http://127.0.0.1:{free_port()}/v1/dev"}, notes="off")
    harness.add_to_box("task", {"text": "Wait for Omi", "done": False})
    before = harness.box_path.read_bytes()

    result = harness.run()

    assert result.returncode == ExitCode.UNAVAILABLE, output(result)
    assert f"{BOX} · tasks: not synced" in result.stdout
    assert "could not connect" in result.stdout
    assert "check the network and omi.base_url" in result.stdout
    assert harness.box_path.read_bytes() == before


def test_a_refused_api_key_exits_3_without_printing_the_key(harness: SyncHarness) -> None:
    wrong_key = "omi_dev_" + "5" * 32
    harness.configure(omi={"api_key": wrong_key})

    result = harness.run()

    assert result.returncode == ExitCode.UNAVAILABLE, output(result)
    assert "Omi did not accept the API key (HTTP 401)" in result.stdout
    assert wrong_key not in output(result)
    assert harness.emulator.api_key not in output(result)


def test_a_key_that_is_not_a_developer_key_exits_2_naming_its_place_not_its_value(
    harness: SyncHarness,
) -> None:
    wrong_key = "sk-live-" + "9" * 24
    harness.configure(omi={"api_key": wrong_key})
    harness.emulator.clear_stats()

    result = harness.run()

    assert result.returncode == ExitCode.USAGE, output(result)
    assert "config.yaml:3: omi.api_key: this is not an Omi developer key" in result.stderr
    assert "starts with omi_dev_" in result.stderr and "Traceback" not in output(result)
    assert wrong_key not in output(result)
    assert harness.emulator.stats()["total"] == 0
    assert not harness.state_path.parent.exists()


def run_with_key_env(
    harness: SyncHarness, key: str | None, *, daemon: bool = False
) -> subprocess.CompletedProcess[str]:
    """``run --once`` (``run``, the daemon, with ``daemon``) with no key in the config and
    ``$OMI_API_KEY`` set to ``key`` (or unset)."""
    harness.configure(omi={"api_key": None})
    env = {name: value for name, value in harness.env().items() if name != "OMI_API_KEY"}
    if key is not None:
        env["OMI_API_KEY"] = key
    command = [arg for arg in harness.command() if not (daemon and arg == "--once")]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_no_key_anywhere_or_a_bad_one_in_the_environment_exits_2_and_touches_nothing(
    harness: SyncHarness,
) -> None:
    harness.add_to_box("task", {"text": "Stay here", "done": False})
    harness.emulator.clear_stats()
    wrong_key = "omi_mcp_" + "4" * 24

    missing = run_with_key_env(harness, None)
    wrong = run_with_key_env(harness, wrong_key)

    assert missing.returncode == ExitCode.USAGE, output(missing)
    assert "no Omi API key: set omi.api_key in the config" in missing.stderr
    assert wrong.returncode == ExitCode.USAGE, output(wrong)
    assert "$OMI_API_KEY: the API key does not start with 'omi_dev_'" in wrong.stderr
    assert wrong_key not in output(wrong)
    assert "Traceback" not in output(missing) + output(wrong)
    assert harness.emulator.stats()["total"] == 0
    assert not harness.state_path.parent.exists()


def test_the_daemon_without_a_usable_key_exits_2_at_once_instead_of_failing_every_cycle(
    harness: SyncHarness,
) -> None:
    wrong_key = "omi_mcp_" + "5" * 24

    missing = run_with_key_env(harness, None, daemon=True)
    wrong = run_with_key_env(harness, wrong_key, daemon=True)

    assert missing.returncode == ExitCode.USAGE, output(missing)
    assert "no Omi API key: set omi.api_key in the config" in missing.stderr
    assert wrong.returncode == ExitCode.USAGE, output(wrong)
    assert wrong_key not in output(wrong)
    assert "Traceback" not in output(missing) + output(wrong)
    assert not harness.state_path.parent.exists()


def test_an_unreadable_box_file_stops_that_connector_and_names_the_file(
    harness: SyncHarness,
) -> None:
    harness.emulator.seed({"action_items": [{"description": "Stays in Omi"}]})
    harness.box_path.write_text('{"task": {', encoding="utf-8")
    harness.emulator.clear_stats()

    result = harness.run()

    assert result.returncode == ExitCode.UNAVAILABLE, output(result)
    assert f"{harness.box_path} line 1: not JSON" in result.stdout
    assert harness.omi_writes() == 0
    assert harness.box_path.read_text(encoding="utf-8") == '{"task": {'


def test_a_run_lock_held_by_another_process_exits_4(harness: SyncHarness) -> None:
    harness.add_to_box("task", {"text": "Not yet", "done": False})
    harness.state_path.parent.mkdir()

    with RunLock(harness.state_path):
        result = harness.run()

    assert result.returncode == ExitCode.LOCKED, output(result)
    assert f"Another run holds the state DB lock {harness.state_path}.lock" in result.stderr
    assert f"omisync PID {os.getpid()}" in result.stderr
    assert harness.omi_tasks() == []
    assert harness.run().returncode == ExitCode.OK  # released: the next run goes ahead
    assert [item["description"] for item in harness.omi_tasks()] == ["Not yet"]


def test_wait_lock_waits_for_a_run_that_ends_then_syncs(harness: SyncHarness) -> None:
    harness.add_to_box("task", {"text": "After the other run", "done": False})
    harness.state_path.parent.mkdir()
    lock = RunLock(harness.state_path)
    lock.acquire()
    waiting = subprocess.Popen(
        harness.command("--wait-lock", "30"),
        env=harness.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The run waits for the lock instead of exiting 4 ...
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=1.5)
        assert harness.omi_tasks() == []
    finally:
        lock.release()
    # ... and syncs once the holder lets go.
    stdout, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == ExitCode.OK, stdout + stderr
    assert [item["description"] for item in harness.omi_tasks()] == ["After the other run"]


def test_wait_lock_gives_up_with_exit_4_when_the_holder_stays(harness: SyncHarness) -> None:
    harness.add_to_box("task", {"text": "Never sent", "done": False})
    harness.state_path.parent.mkdir()

    with RunLock(harness.state_path):
        result = harness.run("--wait-lock", "0.5")

    assert result.returncode == ExitCode.LOCKED, output(result)
    assert harness.omi_tasks() == []
