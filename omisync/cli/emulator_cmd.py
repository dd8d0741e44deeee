"""``omisync emulator``: run the local Omi backend until SIGINT/SIGTERM.

Once listening it prints, flushed, exactly::

    OMI_BASE_URL=http://127.0.0.1:PORT/v1/dev
    OMI_API_KEY=omi_dev_...

so a caller can ``eval`` them or parse them from a subprocess. Needs the ``emulator`` extra.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from omisync.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from omisync.emulator import Bucket, EmulatorConfig

INSTALL_HINT = "pip install 'omisync[emulator]'"
ADMIN_TOKEN_ENV = "OMI_EMULATOR_ADMIN_TOKEN"
API_KEY_ENV = "OMI_EMULATOR_API_KEY"
_EMULATOR_MODULES = frozenset({"fastapi", "uvicorn", "starlette", "pydantic"})


def register(subparsers: Any) -> None:
    """Add the ``emulator`` subcommand."""
    parser = subparsers.add_parser(
        "emulator",
        help="run a local Omi backend emulator (for trying omisync and for tests)",
        description="Serve a faithful local copy of the Omi Developer API (/v1/dev) until "
        "interrupted. Prints OMI_BASE_URL and OMI_API_KEY once it listens.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite file to keep the data and the served key in (default: in memory, discarded)",
    )
    parser.add_argument(
        "--profile",
        choices=("docs", "backend", "off"),
        default="docs",
        help="rate limits: the public doc's (100/min, 10,000/day), the backend's hourly "
        "per-endpoint buckets, or none (default docs)",
    )
    parser.add_argument(
        "--sample-data", action="store_true", help="load a sample account into an empty database"
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_ENV),
        help=f"the developer key to serve (omi_dev_ + hex; default: ${API_KEY_ENV}, else the "
        "key the --db database served before, else a random one). Prefer the variable: "
        "command lines are visible to other users",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"bearer token of the /_emulator/ admin routes and /v1/dev/keys (default: "
        f"${ADMIN_TOKEN_ENV}, else random and unused)",
    )
    limits = parser.add_argument_group("rate-limit tuning")
    limits.add_argument(
        "--rate-window-scale", type=float, default=1.0, help="multiply every window length"
    )
    limits.add_argument("--rate-limit-scale", type=float, default=1.0, help="multiply every limit")
    limits.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="BUCKET=LIMIT/SECONDS",
        help="replace one bucket, e.g. docs:per_key_minute=100/1 or dev:memories_read=5/10 "
        "(repeatable)",
    )
    faults = parser.add_argument_group("fault injection (only /v1/dev is affected)")
    faults.add_argument("--fault-seed", type=int, default=0, help="seed of the random faults")
    faults.add_argument(
        "--error-rate", type=float, default=0.0, help="fraction answered --error-status"
    )
    faults.add_argument(
        "--error-status", type=int, default=500, help="the 4xx or 5xx status to send (default 500)"
    )
    faults.add_argument(
        "--drop-rate", type=float, default=0.0, help="fraction of connections closed unanswered"
    )
    faults.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    faults.add_argument(
        "--answer-latency-ms",
        type=int,
        default=0,
        help="delay between handling a request (a write is stored) and sending its answer",
    )
    faults.add_argument(
        "--short-page-drop", type=int, default=0, help="rows dropped from the end of list pages"
    )
    faults.add_argument(
        "--storm-429", type=int, default=0, help="answer the first N requests with 429"
    )
    faults.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After seconds of --storm-429 answers"
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default warning)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; return ``ExitCode.OK`` then, ``USAGE`` on bad options."""
    if not _emulator_installed():
        return ExitCode.USAGE
    from omisync.emulator import EmulatorStartError, run_emulator

    try:
        running = run_emulator(
            _config(args), host=args.host, port=args.port, log_level=args.log_level
        )
    except (ValueError, EmulatorStartError, sqlite3.Error) as exc:
        print(f"omisync emulator: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"OMI_BASE_URL={running.base_url}", flush=True)
        print(f"OMI_API_KEY={running.api_key}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return ExitCode.OK


def _emulator_installed() -> bool:
    """Return True if the emulator's dependencies import; else say how to install them."""
    try:
        import omisync.emulator  # noqa: F401
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.split(".")[0] not in _EMULATOR_MODULES:
            raise
        print(
            f"omisync emulator: needs FastAPI and uvicorn, which are not installed "
            f"({exc.name} is missing). Install them with: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return False
    return True


def _config(args: argparse.Namespace) -> EmulatorConfig:
    """Build the EmulatorConfig the options describe; raises ValueError naming a bad value."""
    from omisync.emulator import EmulatorConfig, FaultConfig, RateLimitConfig

    options: dict[str, Any] = {
        "db_path": args.db,
        "sample_data": args.sample_data,
        "rate_limits": RateLimitConfig(
            profile=args.profile,
            window_scale=args.rate_window_scale,
            limit_scale=args.rate_limit_scale,
            overrides=dict(_bucket_override(text) for text in args.rate_limit),
        ),
        "faults": FaultConfig(
            seed=args.fault_seed,
            error_rate=args.error_rate,
            error_status=args.error_status,
            drop_rate=args.drop_rate,
            latency_ms=args.latency_ms,
            answer_latency_ms=args.answer_latency_ms,
            short_page_drop=args.short_page_drop,
            storm_429=args.storm_429,
            retry_after=args.retry_after,
        ),
    }
    if args.api_key:
        options["api_key"] = args.api_key
    if args.admin_token:
        options["admin_token"] = args.admin_token
    return EmulatorConfig(**options)


def _bucket_override(text: str) -> tuple[str, Bucket]:
    """Parse ``BUCKET=LIMIT/SECONDS``; raises ValueError naming the option and the fix."""
    from omisync.emulator import BACKEND_POLICIES, DOCS_BUCKETS, Bucket

    name, _, spec = text.partition("=")
    limit, _, seconds = spec.partition("/")
    known = [*DOCS_BUCKETS, *BACKEND_POLICIES]
    if name not in known:
        raise ValueError(f"--rate-limit {text!r}: unknown bucket {name!r}; use one of {known}")
    try:
        return name, Bucket(int(limit), float(seconds))
    except ValueError as exc:
        raise ValueError(
            f"--rate-limit {text!r}: expected BUCKET=LIMIT/SECONDS, e.g. {name}=100/60 ({exc})"
        ) from exc
