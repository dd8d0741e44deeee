"""Paths written in the configuration.

A relative path is relative to the folder of the config file that holds it (never to the
working directory, which is ``/`` under systemd), and ``~`` is the user's home. Core settings
and connector option schemas declare their paths with these types::

    class MyOptions(BaseModel):
        folder: ExistingDir               # must be an existing folder
        cache_file: ConfigPath | None = None

When the configuration is loaded, :func:`omisync.config.load_config` validates with a
:data:`CONFIG_DIR` context: each path is made absolute, checked (a problem names the key and
the fix), and written back into the connector's options as the absolute path, so
``from_settings`` gets a path that no longer depends on where the process runs. Validated
without that context (a test, a connector parsing its options again), a path only gets its
``~`` expanded.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationInfo
from pydantic.fields import FieldInfo

__all__ = [
    "CONFIG_DIR",
    "ConfigPath",
    "ExistingDir",
    "FilePath",
    "PathRule",
    "path_fields",
]

#: The validation-context key naming the folder relative paths start from.
CONFIG_DIR = "config_dir"


@dataclass(frozen=True, slots=True)
class PathRule:
    """What a configured path must be, checked at load time.

    ``any``: anything; ``dir``: an existing folder; ``file``: a file that may not exist yet,
    but is not a folder and whose parent, if it exists, is a folder.
    """

    expect: Literal["any", "dir", "file"]

    def problem(self, path: Path) -> str | None:
        """Why ``path`` breaks this rule, in words with the fix; None when it is fine."""
        if self.expect == "dir":
            if not path.exists():
                return f"no folder at {path}; create it or correct the path"
            if not path.is_dir():
                return f"{path} is a file, not a folder; give the folder's path"
        if self.expect == "file":
            if path.is_dir():
                return f"{path} is a folder; give a file's path, e.g. {path / 'state.db'}"
            parent = next((p for p in path.parents if p.exists()), None)
            if parent is not None and not parent.is_dir():
                return f"{parent} is a file, so {path} cannot be created inside it"
        return None


def _base_dir(info: ValidationInfo) -> Path | None:
    context = info.context
    if isinstance(context, dict) and context.get(CONFIG_DIR) is not None:
        return Path(context[CONFIG_DIR])
    return None


def _expand(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        return value  # pydantic reports the wrong type (or the empty text) itself
    path = Path(os.path.expanduser(str(value).strip()))
    base = _base_dir(info)
    if base is not None and not path.is_absolute():
        path = base / path
    return path


def _checker(rule: PathRule) -> Callable[[Path, ValidationInfo], Path]:
    def check(path: Path, info: ValidationInfo) -> Path:
        if _base_dir(info) is not None:
            problem = rule.problem(path)
            if problem is not None:
                raise ValueError(problem)
        return path

    return check


_ANY, _DIR, _FILE = PathRule("any"), PathRule("dir"), PathRule("file")

#: Any path; relative to the config file's folder.
ConfigPath = Annotated[Path, BeforeValidator(_expand), AfterValidator(_checker(_ANY)), _ANY]
#: An existing folder (a vault, say); relative to the config file's folder.
ExistingDir = Annotated[Path, BeforeValidator(_expand), AfterValidator(_checker(_DIR)), _DIR]
#: A file that may not exist yet (a database, a cache), never a folder.
FilePath = Annotated[Path, BeforeValidator(_expand), AfterValidator(_checker(_FILE)), _FILE]


def _rule_in(annotation: Any, metadata: list[Any]) -> PathRule | None:
    for item in metadata:
        if isinstance(item, PathRule):
            return item
    for arg in typing.get_args(annotation):  # ``ConfigPath | None``
        if typing.get_origin(arg) is Annotated:
            found = _rule_in(None, list(getattr(arg, "__metadata__", ())))
            if found is not None:
                return found
    return None


def path_fields(model: type[BaseModel]) -> Iterator[tuple[str, str]]:
    """The fields of ``model`` declared with a path type: (attribute name, key in the
    config, i.e. its alias when it has one)."""
    for name, field in model.model_fields.items():
        if _rule_of(field) is not None:
            yield name, field.alias or name


def _rule_of(field: FieldInfo) -> PathRule | None:
    return _rule_in(field.annotation, list(field.metadata))
