"""``omisync run``: sync every enabled connector once (``--once``), or keep syncing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from omisync.cli.exit_codes import ExitCode
from omisync.cli.graceful_stop import GracefulStop, StopRequested
from omisync.cli.render import summarise
from omisync.config import Config, ConfigError, load_config
from omisync.daemon import Daemon
from omisync.logs import Redactor, config_secrets, configure_logging, log_warnings
from omisync.omi import ConfigurationError as OmiConfigurationError
from omisync.plugins import BrokenConnectorError, UnknownConnectorError, connector_types
from omisync.plugins import options_model as connector_options
from omisync.progress import SyncProgress
from omisync.session import Session, UnknownConnectorNameError, omi_api_key
from omisync.state import StateError, StateLockedError
from omisync.sync.report import SyncReport


def register(subparsers: Any) -> None:
    """Add ``omisync run``."""
    parser = subparsers.add_parser(
        "run",
        help="sync the configured connectors with Omi",
        description="Sync every enabled connector with Omi. With --once, one cycle and exit.",
    )
    parser.add_argument("--once", action="store_true", help="run one cycle, then exit")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be created, updated, deleted and linked; write nothing",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="config file (default: $OMISYNC_CONFIG, then ~/.config/omisync/config.yaml)",
    )
    parser.add_argument(
        "--connector", action="append", metavar="NAME", help="sync only this connector (repeatable)"
    )
    parser.add_argument(
        "--confirm-deletes",
        action="store_true",
        help="allow this run to delete more than max_delete",
    )
    parser.add_argument(
        "--wait-lock",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run to finish (default: fail at once)",
    )
    add_verbosity(parser)
    parser.set_defaults(handler=run)


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-v`` / ``-q`` for commands that log."""
    parser.add_argument("-v", "--verbose", action="count", default=0, help="say more (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")


def fail(message: str, code: ExitCode) -> int:
    """Print ``message`` on stderr and return ``code``."""
    print(f"omisync: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Handle ``omisync run``; return the exit code."""
    if not args.once and (args.dry_run or args.confirm_deletes):
        return fail(
            "--dry-run and --confirm-deletes need --once (the daemon writes every cycle)",
            ExitCode.USAGE,
        )
    try:
        config = _load_config(args)
    except ConfigError as error:
        return fail(str(error), ExitCode.USAGE)
    verbosity = -1 if args.quiet else args.verbose
    secrets = config_secrets(config)
    configure_logging(verbosity=verbosity, secrets=secrets)
    log_warnings(config)
    if not args.once:
        return serve(config, args, verbosity)
    reports: list[SyncReport] = []
    scrub = Redactor(secrets).scrub
    progress = SyncProgress.for_terminal(sys.stderr, quiet=args.quiet)
    stop = GracefulStop()
    try:
        session = Session(
            config,
            dry_run=args.dry_run,
            confirm_deletes=args.confirm_deletes,
            lock_timeout=args.wait_lock,
            progress=progress,
            stopper=stop.stopper,
        )
        names = session.connector_names(args.connector)  # before the state DB is touched
        with stop.installed(), session:
            for note in session.notes:
                print(scrub(f"note: {note}"))
            for name in names:
                if stop.requested:  # between two connectors: nothing is in flight
                    raise StopRequested
                report = session.sync(name)
                reports.append(report)
                if progress is not None:
                    progress.clear()
                print(scrub(report.describe() if args.dry_run else "\n".join(summarise(report))))
    except StopRequested:
        return fail(
            "stopped after the batch in flight; the next run carries on from there",
            ExitCode.INTERRUPTED,
        )
    except UnknownConnectorNameError as error:
        return fail(str(error), ExitCode.USAGE)
    except (UnknownConnectorError, BrokenConnectorError, ConfigError) as error:
        return fail(str(error), ExitCode.USAGE)
    except OmiConfigurationError as error:  # e.g. no key, or a bad one in $OMI_API_KEY
        return fail(scrub(str(error)), ExitCode.USAGE)
    except StateLockedError as error:
        return fail(str(error), ExitCode.LOCKED)
    except StateError as error:
        return fail(str(error), ExitCode.USAGE)
    finally:
        if progress is not None:
            progress.close()
    return exit_code(reports)


def serve(config: Config, args: argparse.Namespace, verbosity: int) -> int:
    """``omisync run`` without ``--once``: the daemon, until SIGTERM/SIGINT (then 0), with a
    progress line when stderr is a terminal."""
    try:
        omi_api_key(config.omi)  # a missing or malformed key would fail every cycle
    except OmiConfigurationError as error:
        return fail(str(error), ExitCode.USAGE)  # names no key
    progress = SyncProgress.for_terminal(sys.stderr, quiet=args.quiet)
    try:
        daemon = Daemon(
            config,
            reload_config=lambda: _load_config(args),
            only=args.connector,
            verbosity=verbosity,
            lock_timeout=args.wait_lock,
            progress=progress,
        )
        return daemon.run()
    except UnknownConnectorNameError as error:
        return fail(str(error), ExitCode.USAGE)
    finally:
        if progress is not None:
            progress.close()


def _load_config(args: argparse.Namespace) -> Config:
    return load_config(args.config, options_schema=connector_options, known_types=connector_types)


def exit_code(reports: list[SyncReport]) -> ExitCode:
    """OK when all went through; UNAVAILABLE when Omi or a connector refused access or could
    not be reached for a whole connector; PARTIAL when some items failed or were refused."""
    if not reports:
        return ExitCode.OK
    if any(report.failed for report in reports):
        return ExitCode.UNAVAILABLE
    if any(report.errors or report.refused for report in reports):
        return ExitCode.PARTIAL
    return ExitCode.OK
