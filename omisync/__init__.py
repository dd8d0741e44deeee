"""omisync: keep Omi action items, memories and conversations in two-way sync with the tools
you already use (Todoist, Notion, a Markdown vault)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("omisync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
