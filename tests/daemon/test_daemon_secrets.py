"""No secret in anything the daemon or ``config check`` prints: not with a SIGHUP reload, not
when a connector fails with its token in the error. Every line about a cycle names its
connector and its run."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import yaml
from daemon_helpers import OMISYNC, DaemonProcess, install_plugin, vault_connector, write_tasks

from omisync.emulator import RunningEmulator

LEAKY_TOKEN = "leaky-" + "5ecret" * 4

#: A connector whose token is a secret of its own schema, and whose error quotes it (as a
#: careless service answer would).
LEAKY_PLUGIN = """\
from pydantic import BaseModel, ConfigDict, SecretStr


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: SecretStr


class Side:
    options_model = Options

    @classmethod
    def from_settings(cls, name, options, *, zone, dry_run):
        raise RuntimeError(f"the service refused the token {options['token']}")
"""

#: Events about a cycle that rightly have no run: no run was started.
NO_RUN = {"cycle.skipped", "cycle.coalesced"}


def test_no_secret_is_shown_and_every_cycle_line_has_its_run_id(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    vault = tmp_path / "vault"
    write_tasks(vault, ["A task to sync"])
    key_file = tmp_path / "omi.key"
    key_file.write_text(omi_emulator.api_key + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    config = tmp_path / "config.yaml"
    settings = {
        "omi": {"base_url": omi_emulator.base_url, "api_key_file": "omi.key", "timezone": "UTC"},
        "state": {"path": "state.db"},
        "connectors": {
            "vault": vault_connector(vault),
            "leaky": {"type": "leaky", "interval": "1s", "token": "${LEAKY_TOKEN}"},
        },
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    config.chmod(0o600)
    env = {
        "PYTHONPATH": str(install_plugin(tmp_path / "plugins", "leaky", LEAKY_PLUGIN)),
        "LEAKY_TOKEN": LEAKY_TOKEN,
    }

    daemon = start_daemon(config, env=env)
    daemon.wait_for("cycle.failed", connector="leaky")
    daemon.send(signal.SIGHUP)
    daemon.wait_for("config.reloaded")
    daemon.wait_for("cycle.failed", count=2, connector="leaky")
    daemon.wait_for("cycle.synced", count=2, connector="vault")
    assert daemon.stop() == 0

    checked = subprocess.run(
        [str(OMISYNC), "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    log = daemon.log.read_text(encoding="utf-8")
    for output in (log, checked.stdout, checked.stderr):
        assert omi_emulator.api_key not in output
        assert LEAKY_TOKEN not in output
    [failed] = daemon.events("cycle.failed", connector="leaky")[:1]
    assert failed["error"] == "RuntimeError: the service refused the token [redacted]"

    cycle_lines = [e for e in daemon.events() if "connector" in e and e["event"] not in NO_RUN]
    assert {e["event"] for e in cycle_lines} >= {"cycle.synced", "cycle.failed", "cycle.crashed"}
    assert [e for e in cycle_lines if not isinstance(e.get("run_id"), int)] == []
