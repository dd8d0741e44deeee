"""The markdown connector's own options (the keys under a ``type: markdown`` connector).

Only ``path`` is required; everything else defaults to a place inside an ``Omi/`` folder of
the vault::

    vault:
      type: markdown
      path: ~/Documents/Vault
      tasks_file: Omi/Tasks.md          # synced, and where new Omi action items go
      tasks_heading: "## From Omi"      # new action items are added under this heading
      task_tag: "#omi"                  # tasks anywhere carrying this tag sync too
      task_folders: []                  # every task in these folders syncs too
      memories_folder: Omi/Memories     # one note per memory
      conversations_folder: Omi/Conversations
      inbox_folder: Omi/Inbox           # drop text/transcripts here to send them to Omi
      settle: 5s                        # notes modified more recently wait a cycle
      import_done_tasks: false          # sync already-ticked tasks that were never linked
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from omisync.config.errors import ConfigError, ConfigProblem
from omisync.config.paths import ConfigPath, ExistingDir
from omisync.config.schema import parse_duration

__all__ = ["MarkdownOptions"]


def _vault_relative(value: Any) -> Any:
    if isinstance(value, str):
        cleaned = value.strip().replace("\\", "/").strip("/")
        if cleaned.startswith("..") or "/../" in f"/{cleaned}/":
            raise ValueError(f"{value!r} must stay inside the vault (no '..')")
        return cleaned
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return 0.0
    return parse_duration(value).total_seconds()


VaultPath = Annotated[str, BeforeValidator(_vault_relative)]


class MarkdownOptions(BaseModel):
    """Validated options of one markdown connector; folder and file paths are vault-relative."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ExistingDir
    """The vault folder (it must exist); relative to the config file's folder."""
    tasks_file: VaultPath = "Omi/Tasks.md"
    tasks_heading: str = "## From Omi"
    task_tag: str | None = "#omi"
    task_folders: tuple[VaultPath, ...] = ()
    memories_folder: VaultPath = "Omi/Memories"
    conversations_folder: VaultPath = "Omi/Conversations"
    inbox_folder: VaultPath = "Omi/Inbox"
    settle_seconds: Annotated[float, BeforeValidator(_seconds), Field(alias="settle")] = 5.0
    import_done_tasks: bool = False
    cache_file: ConfigPath | None = None
    """Where the scan cache is kept between runs, so a new process does not re-read every
    note (default: a file per connector in omisync's state folder, see
    :func:`~.side.default_cache_file`)."""

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: tuple[str | int, ...] = ()) -> MarkdownOptions:
        """Validate ``raw`` (the connector's own keys).

        Raises ConfigError listing every problem, each naming the key (under ``where``) and
        the fix.
        """
        try:
            options = cls.model_validate(dict(raw))
        except ValidationError as error:
            problems = [
                ConfigProblem(_message(item), (*where, *item["loc"])) for item in error.errors()
            ]
            raise ConfigError(problems) from None
        if options.task_tag is not None and not options.task_tag.startswith("#"):
            options = options.model_copy(update={"task_tag": "#" + options.task_tag})
        return options.model_copy(update={"path": options.path.expanduser()})

    @property
    def omisync_folders(self) -> tuple[str, ...]:
        """The folders omisync manages itself (never scanned for tasks)."""
        return (self.memories_folder, self.conversations_folder, self.inbox_folder)


def _message(item: Mapping[str, Any]) -> str:
    if item["type"] == "missing":
        return "is required: the folder of your Markdown (Obsidian) vault"
    if item["type"] == "extra_forbidden":
        return "is not a markdown connector option (check the spelling)"
    return str(item["msg"]).removeprefix("Value error, ")
