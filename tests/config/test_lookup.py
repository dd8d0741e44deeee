"""Which config file omisync reads: ``--config``, else ``$OMISYNC_CONFIG``, else
``$XDG_CONFIG_HOME/omisync/config.yaml``, else ``~/.config/omisync/config.yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from omisync.config import find_config_path


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("/etc/a.yaml", {"OMISYNC_CONFIG": "/b.yaml", "XDG_CONFIG_HOME": "/x"}, "/etc/a.yaml"),
        (None, {"OMISYNC_CONFIG": "/b.yaml", "XDG_CONFIG_HOME": "/x"}, "/b.yaml"),
        (None, {"OMISYNC_CONFIG": "", "XDG_CONFIG_HOME": "/x"}, "/x/omisync/config.yaml"),
        (None, {"XDG_CONFIG_HOME": "/x"}, "/x/omisync/config.yaml"),
        (None, {"XDG_CONFIG_HOME": ""}, "{home}/.config/omisync/config.yaml"),
        (None, {}, "{home}/.config/omisync/config.yaml"),
    ],
    ids=["--config", "$OMISYNC_CONFIG", "empty-env", "$XDG_CONFIG_HOME", "empty-xdg", "home"],
)
def test_lookup_order(
    explicit: str | None,
    env: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    found = find_config_path(Path(explicit) if explicit else None, env)
    assert found == Path(expected.format(home=tmp_path))
