"""Resolve ``${ENV}`` references, ``${credential:NAME}`` and ``<secret>_file`` keys in raw config.

Secrets never appear in problems: a problem names the variable, credential or file, not a value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omisync.config.errors import ConfigProblem
from omisync.config.yaml_source import KeyPath, SourceMap

#: Keys whose values are secrets; each may instead be given as ``<key>_file: PATH``.
SECRET_KEYS = frozenset({"api_key", "token", "api_token", "admin_token"})

_REFERENCE = re.compile(r"\$\$|\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Resolver:
    """Walks raw config data, replacing references; collects problems instead of raising.

    ``env`` is the environment to read (``os.environ`` by default); ``base_dir`` anchors
    relative ``*_file`` paths (the directory of the config file). With ``secrets=False`` the
    secret keys are left out unread (for commands that need no credentials, like ``status``).
    """

    def __init__(
        self, source: SourceMap, env: Mapping[str, str], base_dir: Path, *, secrets: bool = True
    ) -> None:
        self.source = source
        self.env = env
        self.base_dir = base_dir
        self.read_secrets = secrets
        self.problems: list[ConfigProblem] = []
        self.secret_values: set[str] = set()

    def resolve(self, data: Any, path: KeyPath = ()) -> Any:
        """Return ``data`` with every reference resolved (problems are recorded in ``problems``)."""
        if isinstance(data, dict):
            return self._resolve_mapping(data, path)
        if isinstance(data, list):
            return [self.resolve(item, (*path, index)) for index, item in enumerate(data)]
        if isinstance(data, str):
            value = self._interpolate(data, path)
            if path and path[-1] in SECRET_KEYS and value:
                self.secret_values.add(value)
            return value
        return data

    def _resolve_mapping(self, data: dict[Any, Any], path: KeyPath) -> dict[Any, Any]:
        resolved: dict[Any, Any] = {}
        for key, value in data.items():
            child = (*path, str(key))
            secret_key = str(key).removesuffix("_file")
            if not self.read_secrets and secret_key in SECRET_KEYS:
                continue
            if str(key).endswith("_file") and secret_key in SECRET_KEYS:
                if secret_key in data:
                    self._problem(child, f"give either {secret_key} or {key}, not both")
                    continue
                file_name = self.resolve(value, child)
                secret = self._read_secret_file(file_name, child)
                if secret is not None:
                    resolved[secret_key] = secret
                    self.secret_values.add(secret)
                continue
            resolved[key] = self.resolve(value, child)
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
            return self.env[reference]

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
        return value

    def _problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(ConfigProblem(message, path, self.source.find(path)))
