"""``omisync emulator`` as a user runs it: a subprocess that prints its URL and key, serves,
keeps data in ``--db``, and stops cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from omisync.cli import main

pytestmark = pytest.mark.timeout(120)

FIXED_KEY = "omi_dev_" + "ab12" * 8


@contextmanager
def emulator_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Run ``omisync emulator ARGS`` (with ``env`` added to the environment); yield
    (process, base url, api key) once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "omisync", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        url_line = process.stdout.readline()
        key_line = process.stdout.readline()
        url = re.fullmatch(r"OMI_BASE_URL=(http://127\.0\.0\.1:\d+/v1/dev)\n", url_line)
        key = re.fullmatch(r"OMI_API_KEY=(omi_dev_[0-9a-f]{32})\n", key_line)
        assert url and key, (url_line, key_line, process.stderr and process.stderr.read())
        yield process, url.group(1), key.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_prints_its_address_serves_and_stops_on_signal(stop_signal: signal.Signals) -> None:
    with emulator_process("--sample-data", "--profile", "backend") as (process, url, key):
        response = httpx.get(f"{url}/user/memories", headers={"Authorization": f"Bearer {key}"})
        process.send_signal(stop_signal)
        code = process.wait(timeout=20)

    assert response.status_code == 200
    assert len(response.json()) > 5
    assert code == 0


def test_rate_limit_and_fault_flags_take_effect() -> None:
    flags = ["--profile", "backend", "--rate-limit", "dev:memories_read=1/3600"]
    with emulator_process(*flags, "--storm-429", "1", "--retry-after", "2") as (process, url, key):
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
            storm, allowed, limited = (client.get(f"{url}/user/memories") for _ in range(3))
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

    assert (storm.status_code, storm.headers["retry-after"]) == (429, "2")
    assert allowed.status_code == 200
    assert (limited.status_code, limited.headers["x-ratelimit-limit"]) == (429, "1")


def test_db_option_keeps_data_and_a_fixed_key_across_runs(tmp_path: Path) -> None:
    db = tmp_path / "omi.db"
    headers = {"Authorization": f"Bearer {FIXED_KEY}"}

    with emulator_process("--db", str(db), "--api-key", FIXED_KEY) as (process, url, key):
        created = httpx.post(f"{url}/user/memories", json={"content": "Kept"}, headers=headers)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    with emulator_process("--db", str(db), "--api-key", FIXED_KEY) as (process, url, key):
        listed = httpx.get(f"{url}/user/memories", headers=headers).json()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

    assert key == FIXED_KEY
    assert created.status_code == 200
    assert [m["id"] for m in listed] == [created.json()["id"]]


def test_the_key_can_come_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"OMI_EMULATOR_API_KEY": FIXED_KEY}
    with emulator_process("--db", str(tmp_path / "omi.db"), env=env) as (process, url, key):
        response = httpx.get(f"{url}/user/memories", headers={"Authorization": f"Bearer {key}"})
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    with pytest.raises(SystemExit):
        main(["emulator", "--help"])

    assert (key, response.status_code) == (FIXED_KEY, 200)
    assert "$OMI_EMULATOR_API_KEY" in capsys.readouterr().out


def test_bad_options_exit_2_with_a_message(tmp_path: Path) -> None:
    bad_key = subprocess.run(
        [sys.executable, "-m", "omisync", "emulator", "--api-key", "secret"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    bad_db = subprocess.run(
        [sys.executable, "-m", "omisync", "emulator", "--db", str(tmp_path / "no" / "x.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert bad_key.returncode == bad_db.returncode == 2
    assert "api_key" in bad_key.stderr
    assert "cannot open the emulator database" in bad_db.stderr
    assert bad_key.stdout == bad_db.stdout == ""


def test_missing_fastapi_says_how_to_install_it() -> None:
    script = (
        "import sys; sys.modules['fastapi'] = None\n"
        "from omisync.cli import main\n"
        "raise SystemExit(main(['emulator']))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert "pip install 'omisync[emulator]'" in result.stderr
