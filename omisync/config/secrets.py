"""Resolve ``${ENV}`` references, ``${credential:NAME}`` and ``<secret>_file`` keys in raw config.

Secrets never appear in problems: a problem names the variable, credential or file, not a value.
Every value that came from a file or a credential, or filled a secret key, is collected for log
redaction; so is an environment variable whose name says it holds a secret, whatever key it
was used in (``base_url: https://x/${OMI_TOKEN}/``). Other variables (``path: ${HOME}/Vault``)
stay readable in logs.
"""

from __future__ import annotations

import os
import re
import stat
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

from omisync.config.errors import ConfigProblem
from omisync.config.yaml_source import KeyPath, SourceMap

#: Keys whose values are secrets everywhere; each may instead be given as ``<key>_file: PATH``.
#: A connector's options schema adds its own: every field typed ``SecretStr``.
SECRET_KEYS = frozenset({"api_key", "token", "api_token", "admin_token"})


def secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """The config keys ``model`` declares secret: its ``SecretStr`` (or ``SecretBytes``)
    fields, optional or not, by alias when they have one."""

    def is_secret(annotation: Any) -> bool:
        if annotation in (SecretStr, SecretBytes):
            return True
        return any(is_secret(arg) for arg in typing.get_args(annotation))

    return frozenset(
        field.alias or name
        for name, field in model.model_fields.items()
        if is_secret(field.annotation)
    )


def readable_by_others(file: Path) -> str | None:
    """A warning when ``file`` (which may hold secrets) is readable by other users."""
    try:
        mode = file.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return f"{file} is readable by other users and may hold secrets; run: chmod 600 {file}"
    return None


_REFERENCE = re.compile(r"\$\$|\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASS|CRED|AUTH|BEARER|COOKIE|SESSION", re.I)


def secret_env_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret (``OMI_API_KEY``,
    ``TODOIST_TOKEN``, ``NOTION_SECRET``...), so its value is redacted wherever it is used."""
    return _SECRET_ENV_NAME.search(name) is not None


class Resolver:
    """Walks raw config data, replacing references; collects problems instead of raising.

    ``env`` is the environment to read (``os.environ`` by default); ``base_dir`` anchors
    relative ``*_file`` paths (the directory of the config file). With ``secrets=False`` the
    secret keys are left out unread (for commands that need no credentials, like ``status``).
    ``secret_keys`` says which keys of the mapping at a key path are secrets (default:
    :data:`SECRET_KEYS` everywhere). ``warnings`` collects secret files others may read.
    """

    def __init__(
        self,
        source: SourceMap,
        env: Mapping[str, str],
        base_dir: Path,
        *,
        secrets: bool = True,
        secret_keys: Callable[[KeyPath], frozenset[str]] = lambda path: SECRET_KEYS,
    ) -> None:
        self.source = source
        self.env = env
        self.base_dir = base_dir
        self.read_secrets = secrets
        self.secret_keys = secret_keys
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []
        self.secret_values: set[str] = set()

    def resolve(self, data: Any, path: KeyPath = (), *, secret: bool = False) -> Any:
        """Return ``data`` with every reference resolved (problems are recorded in ``problems``).
        ``secret``: ``data`` is the value of a secret key."""
        if isinstance(data, dict):
            return self._resolve_mapping(data, path)
        if isinstance(data, list):
            return [self.resolve(item, (*path, index)) for index, item in enumerate(data)]
        if isinstance(data, str):
            value = self._interpolate(data, path)
            if secret and value:
                self.secret_values.add(value)
            return value
        return data

    def _resolve_mapping(self, data: dict[Any, Any], path: KeyPath) -> dict[Any, Any]:
        resolved: dict[Any, Any] = {}
        secret_keys = self.secret_keys(path)
        for key, value in data.items():
            child = (*path, str(key))
            secret_key = str(key).removesuffix("_file")
            if not self.read_secrets and secret_key in secret_keys:
                continue
            if str(key).endswith("_file") and secret_key in secret_keys:
                if secret_key in data:
                    self._problem(child, f"give either {secret_key} or {key}, not both")
                    continue
                file_name = self.resolve(value, child)
                secret = self._read_secret_file(file_name, child)
                if secret is not None:
                    resolved[secret_key] = secret
                    self.secret_values.add(secret)
                continue
            resolved[key] = self.resolve(value, child, secret=str(key) in secret_keys)
        return resolved

    def _interpolate(self, text: str, path: KeyPath) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            reference = match.group(1)
            if reference.startswith("credential:"):
                return self._read_credential(reference.removeprefix("credential:"), path) or ""
            if not _ENV_NAME.fullmatch(reference):
                self._problem(
                    path,
                    f"'${{{reference}}}' is not a valid reference; write "
                    "${VAR_NAME} or ${credential:NAME} (write $$ for a literal $)",
                )
                return ""
            if reference not in self.env:
                self._problem(
                    path,
                    f"environment variable {reference} is not set; "
                    f"export it or write the value here",
                )
                return ""
            value = self.env[reference]
            if value and secret_env_name(reference):
                self.secret_values.add(value)
            return value

        return _REFERENCE.sub(replace, text)

    def _read_credential(self, name: str, path: KeyPath) -> str | None:
        directory = self.env.get("CREDENTIALS_DIRECTORY")
        if not directory:
            self._problem(
                path,
                f"credential {name!r} asked for, but $CREDENTIALS_DIRECTORY is "
                "not set; run under systemd with LoadCredential= or use ${ENV}",
            )
            return None
        value = self._read_secret_file(str(Path(directory) / name), path)
        if value is not None:
            self.secret_values.add(value)
        return value

    def _read_secret_file(self, file_name: object, path: KeyPath) -> str | None:
        if not isinstance(file_name, str) or not file_name:
            self._problem(path, "expected the path of a file holding the secret")
            return None
        file = Path(os.path.expanduser(file_name))
        if not file.is_absolute():
            file = self.base_dir / file
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            self._problem(path, f"cannot read secret file {file}: {exc.strerror or exc}")
            return None
        if not value:
            self._problem(path, f"secret file {file} is empty")
            return None
        warning = readable_by_others(file)
        if warning is not None and warning not in self.warnings:
            self.warnings.append(warning)
        return value

    def _problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(ConfigProblem(message, path, self.source.find(path)))
