"""Read YAML while remembering where every value came from, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: A path into the loaded data: mapping keys and list indexes, e.g. ("connectors", "vault", "path").
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value stands in a config file (1-based line and column)."""

    file: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class SourceMap:
    """Locations of the values of one or more YAML documents, by key path."""

    locations: dict[KeyPath, Location] = field(default_factory=dict)

    def find(self, path: KeyPath) -> Location | None:
        """Return the location of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return found
        return None


class YamlSyntaxError(ValueError):
    """The file is not valid YAML; the message names the file, line and what is wrong."""


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A mapping key written twice in one mapping (YAML would silently keep the last)."""

    path: KeyPath
    location: Location


def load_yaml(path: Path, *, prefix: KeyPath = ()) -> tuple[Any, SourceMap, list[DuplicateKey]]:
    """Load one YAML file.

    Returns the data, a :class:`SourceMap` whose key paths start with ``prefix``, and the
    duplicate keys found. Raises :class:`YamlSyntaxError` for a syntax error and ``OSError``
    when the file cannot be read.
    """
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise YamlSyntaxError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    source = SourceMap()
    duplicates: list[DuplicateKey] = []
    if node is not None:
        _walk(node, prefix, path, source, duplicates)
    return data, source, duplicates


def _walk(
    node: yaml.Node,
    path: KeyPath,
    file: Path,
    source: SourceMap,
    duplicates: list[DuplicateKey],
) -> None:
    source.locations[path] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                where = Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                duplicates.append(DuplicateKey(child, where))
            seen.add(key)
            _walk(value_node, child, file, source, duplicates)
            # A key's own line is a better pointer than its value's (which may be a block below).
            source.locations[child] = Location(
                file, key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), file, source, duplicates)
