"""Configuration problems: every one names the file, the line, the key and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omisync.config.yaml_source import KeyPath, Location


def dotted(path: KeyPath) -> str:
    """Render a key path the way a user writes it: ``connectors.vault.path``, ``tags[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with the configuration."""

    message: str
    path: KeyPath = ()
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        key = f"{dotted(self.path)}: " if self.path else ""
        return f"{where}{key}{self.message}"


class ConfigError(Exception):
    """The configuration cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, under a heading that counts them."""
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = [f"The configuration has {head}:"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)
