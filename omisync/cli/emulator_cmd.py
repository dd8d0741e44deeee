"""``omisync emulator``: placeholder until the emulator lands."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("emulator", help="run a local Omi emulator")
    parser.set_defaults(handler=lambda args: 2)
    _ = argparse
