"""Find, read and validate the configuration, reporting every problem at once."""

from __future__ import annotations

import difflib
import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from omisync.config.errors import ConfigError, ConfigProblem
from omisync.config.messages import MISSING, user_message
from omisync.config.paths import CONFIG_DIR, path_fields
from omisync.config.schema import Config, ConnectorSettings
from omisync.config.secrets import SECRET_KEYS, Resolver, readable_by_others, secret_fields
from omisync.config.yaml_source import KeyPath, SourceMap, YamlSyntaxError, load_yaml

#: Given a connector type name, the pydantic model of its own options (None if unknown).
OptionsSchema = Callable[[str], type[BaseModel] | None]


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CONFIG_HOME/omisync/config.yaml`` (``~/.config/omisync/config.yaml`` when unset)."""
    base = env.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "omisync" / "config.yaml"


def find_config_path(explicit: Path | None, env: Mapping[str, str] = os.environ) -> Path:
    """The config file to use: ``--config``, else ``$OMISYNC_CONFIG``, else the XDG path."""
    if explicit is not None:
        return explicit
    if env.get("OMISYNC_CONFIG"):
        return Path(env["OMISYNC_CONFIG"])
    return default_config_path(env)


def load_config(
    path: Path | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    options_schema: OptionsSchema | None = None,
    known_types: Callable[[], list[str]] | None = None,
    secrets: bool = True,
) -> Config:
    """Load and validate the config at ``path`` (found with :func:`find_config_path`), plus the
    connector files in the ``connectors.d/`` folder beside it.

    ``options_schema`` checks each connector's own options; ``known_types`` lists the connector
    types for "did you mean" hints. ``secrets=False`` leaves every secret unread (None), for
    commands that need no credentials. Relative paths are relative to the config file's folder
    (see :mod:`omisync.config.paths`). Returns the validated :class:`Config`. Raises
    :class:`ConfigError` listing every problem, each with its file, line and key.
    """
    file = find_config_path(path, env)
    if not file.is_file():
        raise ConfigError(
            [
                ConfigProblem(
                    f"no config file at {file}; write one with `omisync init` "
                    "or name one with --config / $OMISYNC_CONFIG"
                )
            ]
        )
    data, source, problems, files = _read_all(file)
    folder = Path(os.path.abspath(file)).parent
    schemas = _Schemas(options_schema, known_types)
    resolver = Resolver(
        source,
        env,
        folder,
        secrets=secrets,
        secret_keys=lambda at: _secret_keys(at, data, schemas),
    )
    data = resolver.resolve(data)
    problems.extend(resolver.problems)
    context = {CONFIG_DIR: folder}
    problems.extend(
        _check_connectors(data.get("connectors"), source, schemas, context, secrets=secrets)
    )
    warnings = [*filter(None, map(readable_by_others, files)), *resolver.warnings]
    config: Config | None = None
    try:
        config = Config.model_validate(
            {
                **data,
                "source": file,
                "secret_values": frozenset(resolver.secret_values),
                "warnings": tuple(warnings),
            },
            context=context,
        )
    except ValidationError as exc:
        problems.extend(_problems_from(exc, Config, (), source))
    if problems:
        raise ConfigError(problems)
    assert config is not None
    return config


@dataclass(frozen=True, slots=True)
class _Schemas:
    """The connector option schemas the loader may consult."""

    options_schema: OptionsSchema | None
    known_types: Callable[[], list[str]] | None

    def of(self, raw: object) -> type[BaseModel] | None:
        """The options schema of a raw connector mapping (None: unknown, or not checked)."""
        if self.options_schema is None or not isinstance(raw, dict):
            return None
        type_name = raw.get("type")
        return self.options_schema(type_name) if isinstance(type_name, str) else None


def _secret_keys(at: KeyPath, data: Mapping[str, Any], schemas: _Schemas) -> frozenset[str]:
    """The secret keys of the mapping at ``at``: the core ones, plus, in a connector, the
    fields its options schema declares secret."""
    if len(at) == 2 and at[0] == "connectors":
        connectors = data.get("connectors")
        raw = connectors.get(at[1]) if isinstance(connectors, dict) else None
        model = schemas.of(raw)
        if model is not None:
            return SECRET_KEYS | secret_fields(model)
    return SECRET_KEYS


def _read_all(file: Path) -> tuple[dict[str, Any], SourceMap, list[ConfigProblem], list[Path]]:
    """Read the main file and ``connectors.d/*.yaml`` into one mapping; also return the files
    read."""
    problems: list[ConfigProblem] = []
    source = SourceMap()
    data = _read_mapping(file, (), source, problems)
    files = [file]
    for section in ("omi", "state", "connectors"):
        if section in data and data[section] is None:
            data[section] = {}  # a section whose keys are all commented out
    connectors = data.setdefault("connectors", {})
    extra_dir = file.parent / "connectors.d"
    if extra_dir.is_dir() and isinstance(connectors, dict):
        for extra in sorted([*extra_dir.glob("*.yaml"), *extra_dir.glob("*.yml")]):
            files.append(extra)
            more = _read_mapping(extra, ("connectors",), source, problems)
            for name, value in more.items():
                if name in connectors:
                    where = source.find(("connectors", name))
                    problems.append(
                        ConfigProblem(
                            f"connector {name!r} is defined twice (also in {extra}); "
                            "rename one of them",
                            ("connectors", name),
                            where,
                        )
                    )
                    continue
                connectors[name] = value
    return data, source, problems, files


def _read_mapping(
    file: Path, prefix: KeyPath, source: SourceMap, problems: list[ConfigProblem]
) -> dict[str, Any]:
    try:
        data, file_source, duplicates = load_yaml(file, prefix=prefix)
    except YamlSyntaxError as exc:
        problems.append(ConfigProblem(str(exc)))
        return {}
    except OSError as exc:
        problems.append(ConfigProblem(f"cannot read {file}: {exc.strerror or exc}"))
        return {}
    for path, location in file_source.locations.items():
        source.locations.setdefault(path, location)
    for duplicate in duplicates:
        problems.append(
            ConfigProblem("key written twice; keep one", duplicate.path, duplicate.location)
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(
            ConfigProblem(
                f"{file} must hold a mapping of keys (like `omi:` and `connectors:`), "
                f"not a {type(data).__name__}",
                prefix,
                source.find(prefix),
            )
        )
        return {}
    return {str(key): value for key, value in data.items()}


def _check_connectors(
    connectors: object,
    source: SourceMap,
    schemas: _Schemas,
    context: dict[str, Any],
    *,
    secrets: bool,
) -> list[ConfigProblem]:
    """Check each connector's own options against its type's schema (raw data, so this runs
    even when other parts of the config are wrong), and write the absolute form of each of
    its paths back into ``connectors``. With ``secrets=False`` a missing secret is no problem
    (it was left unread on purpose)."""
    if schemas.options_schema is None or not isinstance(connectors, dict):
        return []
    problems: list[ConfigProblem] = []
    for name, raw in connectors.items():
        path: KeyPath = ("connectors", str(name))
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            continue  # the main schema reports it
        model = schemas.of(raw)
        if model is None:
            types = schemas.known_types() if schemas.known_types else []
            listed = f" (known: {', '.join(sorted(types))})" if types else ""
            problems.append(
                ConfigProblem(
                    f"unknown connector type{_did_you_mean(raw['type'], types)}{listed}",
                    (*path, "type"),
                    source.find((*path, "type")),
                )
            )
            continue
        options = {k: v for k, v in raw.items() if k not in ConnectorSettings.model_fields}
        try:
            validated = model.model_validate(options, context=context)
        except ValidationError as exc:
            unread = frozenset() if secrets else secret_fields(model)
            problems.extend(
                problem
                for problem in _problems_from(exc, model, path, source, ConnectorSettings)
                if not (problem.message == MISSING and problem.path[-1] in unread)
            )
            continue
        for field, key in path_fields(model):
            value = getattr(validated, field)
            if key in raw and value is not None:
                raw[key] = str(value)
    return problems


def _problems_from(
    exc: ValidationError,
    model: type[BaseModel],
    prefix: KeyPath,
    source: SourceMap,
    also_allowed: type[BaseModel] | None = None,
) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        loc: KeyPath = tuple(error["loc"])
        path = (*prefix, *loc)
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            if also_allowed is not None and not loc[:-1]:
                allowed |= set(also_allowed.model_fields)
            message = f"unknown key{_did_you_mean(str(loc[-1]), sorted(allowed))}"
        else:
            message = user_message(error)
        problems.append(ConfigProblem(message, path, source.find(path)))
    return problems


def _allowed_keys(model: type[BaseModel], loc: KeyPath) -> set[str]:
    """The keys allowed in the mapping at ``loc`` inside ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return set()
    if isinstance(current, type) and issubclass(current, BaseModel):
        return {name for name in current.model_fields if name not in _INTERNAL_FIELDS}
    return set()


_INTERNAL_FIELDS = frozenset({"source", "secret_values", "warnings"})


def _did_you_mean(word: str, candidates: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f" {word!r}; did you mean {close[0]!r}?" if close else f" {word!r}"
