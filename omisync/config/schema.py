"""The configuration schema: what each key means, its type and its default.

``config.example.yaml`` documents every key; keep the two in step.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    SecretStr,
    field_validator,
)

from omisync.config.paths import FilePath
from omisync.omi import API_KEY_PREFIX, KNOWN_POLICIES
from omisync.ratelimit import Limit
from omisync.sync.options import (
    ConflictPolicy,
    DeletePolicy,
    Direction,
    KindOptions,
    MaxDelete,
    SyncOptions,
)

DEFAULT_OMI_BASE_URL = "https://api.omi.me/v1/dev"

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

#: No duration in a config is longer: anything more is a typo (and would overflow timers).
MAX_DURATION = timedelta(days=365)
#: The shortest and longest ``interval`` of a connector.
MIN_INTERVAL = timedelta(seconds=1)
MAX_INTERVAL = timedelta(days=7)


def parse_duration(value: object) -> timedelta:
    """Parse ``90s``, ``5m``, ``1h30m``, ``2d`` (or a number of seconds) into a timedelta
    longer than zero and at most :data:`MAX_DURATION`.

    Raises ``ValueError`` with the accepted forms when the value is none of them.
    """
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = _checked(value, lambda: timedelta(seconds=value))
    else:
        text = str(value).strip().replace(" ", "")
        match = _DURATION.fullmatch(text)
        if not text or match is None or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 5m, 1h or 1h30m")
        days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
        result = _checked(
            value, lambda: timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        )
    if result <= timedelta(0):
        raise ValueError(f"{value!r} must be longer than zero")
    if result > MAX_DURATION:
        raise _too_long(value)
    return result


def _checked(value: object, make: Callable[[], timedelta]) -> timedelta:
    try:
        return make()
    except (OverflowError, ValueError):  # beyond what a timedelta holds (or NaN)
        if isinstance(value, float) and value != value:
            raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 5m or 1h") from None
        raise _too_long(value) from None


def _too_long(value: object) -> ValueError:
    return ValueError(f"{value!r} is too long; the longest is {MAX_DURATION.days}d")


def _within(low: timedelta, high: timedelta, hint: str) -> Callable[[timedelta], timedelta]:
    def check(value: timedelta) -> timedelta:
        if not low <= value <= high:
            raise ValueError(
                f"{_words(value)} is out of range: use {_words(low)} to {_words(high)}{hint}"
            )
        return value

    return check


def _words(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
#: A connector's sync interval: :data:`MIN_INTERVAL` to :data:`MAX_INTERVAL`.
Interval = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_within(MIN_INTERVAL, MAX_INTERVAL, " (5m is a good start)")),
]


def default_state_path() -> Path:
    """``$XDG_STATE_HOME/omisync/state.db`` (``~/.local/state/omisync/state.db`` when unset)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "omisync" / "state.db"


def local_timezone_name() -> str:
    """The machine's IANA time zone (``$TZ``, then /etc/localtime), or ``UTC`` if unknown."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else "UTC"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_policy_limit(value: object) -> Limit:
    """A per-policy limit as written: ``N`` (requests per hour, the backend's window) or
    ``"N/DURATION"`` (e.g. ``120/1h``, ``10/90s``). Raises ``ValueError`` otherwise."""
    if isinstance(value, Limit):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        count, window = value, timedelta(hours=1)
    else:
        text = str(value).replace(" ", "")
        count_text, slash, window_text = text.partition("/")
        if not slash or not count_text.isdigit():
            raise ValueError(
                f"{value!r} is not a rate limit; write N (per hour) or N/DURATION, e.g. 120/1h"
            )
        count, window = int(count_text), parse_duration(window_text)
    if count < 1:
        raise ValueError(f"{value!r}: a limit needs at least 1 request")
    return Limit(count, window.total_seconds())


PolicyLimit = Annotated[Limit, PlainValidator(parse_policy_limit)]


class RateLimitSettings(_Strict):
    """Client-side limits for the Omi API (the public doc's numbers by default)."""

    per_minute: int = Field(100, ge=1)
    per_day: int = Field(10_000, ge=1)
    profile: Literal["docs", "backend"] = "docs"
    """``docs``: per-minute and per-day limits; ``backend``: the backend's hourly buckets."""
    boost: float = Field(1.0, gt=0, le=10_000)
    """``backend`` profile: every bucket of the backend's table times this (its
    ``RATE_LIMIT_BOOST``)."""
    policies: dict[str, PolicyLimit] = Field(default_factory=dict)
    """Per-endpoint buckets (e.g. ``dev:memories``), added to or replacing the profile's."""

    @field_validator("policies")
    @classmethod
    def _known_policies(cls, value: dict[str, Limit]) -> dict[str, Limit]:
        for name in value:
            if name not in KNOWN_POLICIES:
                close = difflib.get_close_matches(name, sorted(KNOWN_POLICIES), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"no Omi endpoint is charged to {name!r}; {hint}"
                    f"known: {', '.join(sorted(KNOWN_POLICIES))}"
                )
        return value


class OmiSettings(_Strict):
    """How to reach Omi."""

    base_url: str = DEFAULT_OMI_BASE_URL
    api_key: SecretStr | None = None
    timezone: str = Field(default_factory=local_timezone_name)
    """Time zone that maps a date-only due date to Omi's UTC ``due_at`` (at local noon)."""
    timeout: float = Field(30.0, gt=0)
    rate_limit: RateLimitSettings = RateLimitSettings()

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL, e.g. {DEFAULT_OMI_BASE_URL}")
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _check_api_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A developer key's shape; the message never shows the value (it is a secret)."""
        key = value.get_secret_value().strip() if value is not None else ""
        if not key:  # unset (then $OMI_API_KEY is used), or a secret that failed to resolve
            return value
        if not key.startswith(API_KEY_PREFIX) or key == API_KEY_PREFIX:
            raise ValueError(
                f"this is not an Omi developer key: a developer key starts with {API_KEY_PREFIX} "
                "followed by letters and digits; create one in the Omi app under Settings > "
                "Developer (an omi_mcp_ key only works for MCP)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; use an IANA name like Europe/Berlin"
            ) from None
        return value


class StateSettings(_Strict):
    """Where omisync keeps its state DB (a relative path is relative to the config file)."""

    path: FilePath = Field(default_factory=default_state_path)


_ENGINE_MAX_DELETE = MaxDelete()


class MaxDeleteSettings(_Strict):
    """``max_delete``: the most deletions one run may make on one side without confirmation."""

    count: int = Field(_ENGINE_MAX_DELETE.count, ge=0)
    percent: float = Field(_ENGINE_MAX_DELETE.percent, ge=0, le=100)

    def to_engine(self) -> MaxDelete:
        """The engine's :class:`MaxDelete`."""
        return MaxDelete(count=self.count, percent=self.percent)


class ConnectorSettings(BaseModel):
    """One named connector instance. Keys not listed here are the connector's own options,
    checked by that connector's schema."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    enabled: bool = True
    interval: Interval = timedelta(minutes=5)
    tasks: Direction = Direction.BOTH
    """Action items ⇄ the connector's tasks."""
    notes: Direction = Direction.BOTH
    """Memories ⇄ the connector's notes."""
    conversations: Direction = Direction.BOTH
    """Omi conversations → the connector (``from_omi``), its inbox → Omi (``to_omi``), or both;
    each flow runs only if the connector supports it."""
    conflict: ConflictPolicy = ConflictPolicy.MANUAL
    on_delete: DeletePolicy = DeletePolicy.COMPLETE
    create_completed: bool = False
    """Copy items that are already done when they are first seen (off: old work is history)."""
    max_delete: MaxDeleteSettings = MaxDeleteSettings()

    @property
    def options(self) -> dict[str, Any]:
        """The connector-specific keys, as written (after ``${}`` resolution)."""
        return dict(self.model_extra or {})

    def sync_options(self, *, timezone: str, confirm_deletes: bool = False) -> SyncOptions:
        """The engine's :class:`SyncOptions` for this connector."""

        def kind(direction: Direction) -> KindOptions:
            return KindOptions(
                direction=direction,
                conflict=self.conflict,
                on_delete=self.on_delete,
                create_completed=self.create_completed,
            )

        return SyncOptions(
            tasks=kind(self.tasks),
            notes=kind(self.notes),
            max_delete=self.max_delete.to_engine(),
            confirm_deletes=confirm_deletes,
            timezone=timezone,
        )


class Config(_Strict):
    """A whole, validated omisync configuration."""

    omi: OmiSettings = OmiSettings()
    state: StateSettings = StateSettings()
    connectors: dict[str, ConnectorSettings] = Field(default_factory=dict)
    source: Path | None = None
    """The main config file this came from (None when built in code)."""
    secret_values: frozenset[str] = Field(default=frozenset(), repr=False, exclude=True)
    """Every secret the config resolved, so log redaction can strip them."""
    warnings: tuple[str, ...] = ()
    """Things worth telling the user that do not stop a run (e.g. a world-readable file)."""
