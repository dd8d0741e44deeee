"""``omisync config check`` and ``omisync init``: validate a config, or write a starter one."""

from __future__ import annotations

import argparse
import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from omisync.cli.exit_codes import ExitCode
from omisync.config import ConfigError, find_config_path, load_config
from omisync.plugins import connector_types, options_model


def starter_config() -> str:
    """The commented starter config (the same text as ``config.example.yaml``)."""
    return files("omisync.config").joinpath("example.yaml").read_text(encoding="utf-8")


def register(subparsers: Any) -> None:
    """Add ``omisync config check`` and ``omisync init``."""
    config = subparsers.add_parser("config", help="check the configuration")
    actions = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate the config and list every problem")
    check.add_argument("--config", type=Path, help="config file to check")
    check.set_defaults(handler=check_config)

    init = subparsers.add_parser("init", help="write a commented starter config")
    init.add_argument("--config", type=Path, help="where to write it (default: the XDG path)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.set_defaults(handler=write_starter)


def check_config(args: argparse.Namespace) -> int:
    """Validate the config; print ``ok`` and a summary, or every problem. Returns the code."""
    try:
        config = load_config(args.config, options_schema=options_model, known_types=connector_types)
    except ConfigError as error:
        print(error)
        return ExitCode.USAGE
    for warning in config.warnings:
        print(f"warning: {warning}")
    names = ", ".join(
        f"{name} ({settings.type}{'' if settings.enabled else ', disabled'})"
        for name, settings in config.connectors.items()
    )
    print(f"{config.source}: ok — connectors: {names or 'none'}")
    return ExitCode.OK


def write_starter(args: argparse.Namespace) -> int:
    """Write the starter config (mode 0600); refuse to overwrite without ``--force``."""
    path = find_config_path(args.config)
    if path.exists() and not args.force:
        print(f"omisync: {path} already exists; edit it, or pass --force to replace it")
        return ExitCode.USAGE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(starter_config())
    os.chmod(path, 0o600)
    print(
        f"wrote {path}\nnext: set your vault path in it, export OMI_API_KEY=omi_dev_..., then "
        f"run `omisync config check` and `omisync run --once --dry-run`"
    )
    return ExitCode.OK
