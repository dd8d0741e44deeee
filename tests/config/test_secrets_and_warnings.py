"""Secrets the loader must know of for redaction, and files others may read."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from test_load import write

from omisync.config import load_config


class TokenOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = "https://example.org"
    token: SecretStr | None = None
    signing_secret: SecretStr | None = Field(None, alias="signing-secret")
    password: SecretStr


def load(file: Path, env: dict[str, str] | None = None, *, secrets: bool = True):  # type: ignore[no-untyped-def]
    return load_config(
        file,
        env=env or {},
        options_schema=lambda name: TokenOptions if name == "svc" else None,
        known_types=lambda: ["svc"],
        secrets=secrets,
    )


def test_a_secret_named_env_value_is_a_secret_whatever_key_it_is_used_in(
    tmp_path: Path,
) -> None:
    file = write(
        tmp_path,
        "omi:\n  base_url: https://omi.example/${PATH_TOKEN}/v1\n"
        "connectors:\n  s:\n    type: svc\n    url: https://${HOST}/${HOME}\n"
        "    password: ${PW}\n",
    )
    env = {
        "PATH_TOKEN": "t0k3n-in-the-url",
        "HOST": "internal.example",
        "HOME": "/home/alice",
        "PW": "hunter22",
    }
    config = load(file, env)
    assert config.omi.base_url == "https://omi.example/t0k3n-in-the-url/v1"
    # PATH_TOKEN by its name, PW because it fills a secret key; HOST and HOME stay readable.
    assert config.secret_values == {"t0k3n-in-the-url", "hunter22"}


def test_a_connector_declares_its_own_secret_fields(tmp_path: Path) -> None:
    (tmp_path / "sign.txt").write_text("sign-from-file\n")
    (tmp_path / "sign.txt").chmod(0o600)
    file = write(
        tmp_path,
        "connectors:\n  s:\n    type: svc\n    token: literal-token\n"
        "    signing-secret_file: sign.txt\n    password: pw-written-here\n",
    )
    config = load(file)
    assert config.secret_values == {"literal-token", "sign-from-file", "pw-written-here"}
    assert config.connectors["s"].options["signing-secret"] == "sign-from-file"
    # Commands that need no credentials leave the connector's secrets unread too.
    unread = load(file, secrets=False)
    assert unread.secret_values == frozenset()


def test_world_readable_connector_files_and_secret_files_get_warnings(tmp_path: Path) -> None:
    secret = tmp_path / "omi.key"
    secret.write_text("omi_dev_fromfile\n")
    secret.chmod(0o644)
    file = write(tmp_path, "omi:\n  api_key_file: omi.key\n")
    extra = write(tmp_path, "s:\n  type: svc\n  password: pw1234\n", "connectors.d/s.yaml")
    extra.chmod(0o640)
    warnings = load(file).warnings
    assert warnings == (
        f"{extra} is readable by other users and may hold secrets; run: chmod 600 {extra}",
        f"{secret} is readable by other users and may hold secrets; run: chmod 600 {secret}",
    )
    extra.chmod(0o600)
    secret.chmod(0o600)
    assert load(file).warnings == ()
