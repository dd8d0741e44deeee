"""The ``omisync`` command line.

Each subcommand lives in its own module in this package and exposes
``register(subparsers) -> None``, which adds its parser and sets ``handler`` to a callable
``handler(args: argparse.Namespace) -> int`` returning an :class:`ExitCode`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from omisync import __version__
from omisync.cli.exit_codes import ExitCode

#: Subcommand modules, in the order ``omisync --help`` lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "omisync.cli.run_cmd",
    "omisync.cli.status_cmd",
    "omisync.cli.demo_cmd",
    "omisync.cli.config_cmd",
    "omisync.cli.emulator_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="omisync",
        description="Keep Omi action items, memories and conversations in two-way sync "
        "with Todoist, Notion and Markdown vaults.",
    )
    parser.add_argument("--version", action="version", version=f"omisync {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``omisync`` command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
