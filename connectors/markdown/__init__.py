"""The Markdown (Obsidian-style) vault connector.

The text layer is pure and has one module per job:

- :mod:`.taskline` parses an Obsidian Tasks line and edits only omisync's tokens on it;
- :mod:`.structure` and :mod:`.document` split a note into lines and tell live task lines
  from frontmatter, code and comments, keeping every byte;
- :mod:`.scanner` finds the synced task lines of a vault, re-reading only changed notes;
- :mod:`.vaultfs` writes files atomically, only when unchanged since they were read;
- :mod:`.cache` keeps the scan caches in one file between processes;
- :mod:`.anchors` and :mod:`.recurrence` name omisync's ``^omi-…`` identities and advance
  simple recurring tasks;
- :mod:`.task_store`, :mod:`.note_store` and :mod:`.conversation_store` keep tasks, memory
  notes and conversations in the vault, and :class:`MarkdownSide` (:mod:`.side`) answers the
  engine's Side protocol with them;
- :mod:`.frontmatter`, :mod:`.memories`, :mod:`.regions`, :mod:`.conversations` and
  :mod:`.inbox` handle memory notes, conversation notes and inbox files.
"""

from .anchors import (
    history_anchor,
    is_history_anchor,
    is_live_anchor,
    new_anchor,
)
from .config import MarkdownOptions
from .conversation_store import DISCARDED_NOTE, ConversationExporter, Inbox
from .conversations import (
    conversation_file_name,
    render_conversation_region,
    write_conversation_note,
)
from .document import NoteText
from .frontmatter import (
    REMOVE,
    FrontmatterError,
    read_frontmatter,
    update_frontmatter,
)
from .inbox import parse_inbox
from .memories import (
    OMI_MEMORY_LIMIT,
    MemoryNote,
    NoteFormatError,
    memory_file_name,
    parse_memory_note,
    render_memory_note,
    update_memory_note,
)
from .regions import RegionError, replace_region
from .scanner import FoundTask, ScanResult, TaskSelection, VaultScanner
from .side import MarkdownSide, default_cache_file
from .task_store import anchor_for_stamp
from .taskline import (
    KEEP,
    Field,
    FieldKind,
    TaskEdit,
    TaskLine,
    clean_description,
    edit_task_line,
    encode_description,
    parse_task_line,
)
from .vaultfs import (
    FileBusyError,
    FileChangedError,
    FileStamp,
    VaultWriteError,
    VaultWriter,
    atomic_write,
    read_stamped,
)

__all__ = [
    "DISCARDED_NOTE",
    "KEEP",
    "OMI_MEMORY_LIMIT",
    "REMOVE",
    "ConversationExporter",
    "Field",
    "FieldKind",
    "FileBusyError",
    "FileChangedError",
    "FileStamp",
    "FoundTask",
    "FrontmatterError",
    "Inbox",
    "MarkdownOptions",
    "MarkdownSide",
    "MemoryNote",
    "NoteFormatError",
    "NoteText",
    "RegionError",
    "ScanResult",
    "TaskEdit",
    "TaskLine",
    "TaskSelection",
    "VaultScanner",
    "VaultWriteError",
    "VaultWriter",
    "anchor_for_stamp",
    "atomic_write",
    "clean_description",
    "conversation_file_name",
    "default_cache_file",
    "edit_task_line",
    "encode_description",
    "history_anchor",
    "is_history_anchor",
    "is_live_anchor",
    "memory_file_name",
    "new_anchor",
    "parse_inbox",
    "parse_memory_note",
    "parse_task_line",
    "read_frontmatter",
    "read_stamped",
    "render_conversation_region",
    "render_memory_note",
    "replace_region",
    "update_frontmatter",
    "update_memory_note",
    "write_conversation_note",
]
