"""``omisync demo``: the emulator and a sample vault, synced both ways (``make demo``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from omisync.cli.exit_codes import ExitCode


def register(subparsers: Any) -> None:
    """Add ``omisync demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="sync a sample vault with a local Omi emulator and show what moves",
        description="Start a local Omi emulator with a sample account, make a sample vault, "
        "sync them both ways and show what changed. Nothing reaches the real Omi.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path("omisync-demo"),
        help="folder for the demo's vault, config and state (default: ./omisync-demo; "
        "an earlier demo's folder is replaced)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``omisync demo``."""
    try:
        from omisync.demo import DemoError, run_demo
    except ImportError as error:
        print(
            f"omisync: the demo needs the emulator extra ({error.name} is missing); "
            "run: pip install 'omisync[emulator]'"
        )
        return ExitCode.USAGE
    try:
        return run_demo(args.dir)
    except DemoError as error:
        print(f"omisync: {error}")
        return ExitCode.USAGE
