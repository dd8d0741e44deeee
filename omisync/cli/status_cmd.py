"""``omisync status``: the last and next run of each connector, links, conflicts, refused
items, pending writes, a run in progress and the Omi rate budget left. Read-only."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from omisync.cli.exit_codes import ExitCode
from omisync.config import ConfigError, load_config
from omisync.plugins import connector_types
from omisync.state import StateError
from omisync.status import collect_status, render_text


def register(subparsers: Any) -> None:
    """Add ``omisync status``."""
    parser = subparsers.add_parser(
        "status",
        help="show what omisync did and what waits for you",
        description="Show, per connector, the last and next run, links, open conflicts, refused "
        "items and pending writes; whether a run is in progress; and the Omi rate budget left. "
        "Never takes the run lock and never writes.",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (its shape is documented in the README and stays stable)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="config file (default: $OMISYNC_CONFIG, then ~/.config/omisync/config.yaml)",
    )
    parser.set_defaults(handler=status)


def status(args: argparse.Namespace) -> int:
    """Handle ``omisync status``; return OK, or USAGE for a bad config or unreadable state DB."""
    try:
        # Connector options are not checked: status must work even when a plugin is broken
        # (`omisync config check` checks them).
        config = load_config(args.config, known_types=connector_types, secrets=False)
        report = collect_status(config)
    except (ConfigError, StateError) as error:
        print(f"omisync: {error}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_text(report, ZoneInfo(config.omi.timezone)))
    return ExitCode.OK
