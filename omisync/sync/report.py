"""What a sync did: per kind, the plan, the writes made, and what went wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from omisync.state import RunOutcome
from omisync.sync.actions import Plan
from omisync.sync.links import Kind

__all__ = ["KindReport", "SyncReport"]


@dataclass
class KindReport:
    """The sync of one kind with one connector.

    ``plan`` is ``None`` when the kind could not be planned (a listing failed: see
    ``errors``). ``done`` counts what was written and reconciled, e.g. ``created_omi``,
    ``updated_peer``, ``deleted_peer``, ``completed_omi``, ``reconciled``, ``failed``, and
    the items kept after their linked item was deleted, by
    :class:`~omisync.sync.actions.KeepReason` (``kept_omi``, ``ignored_peer``, ``oneway_omi``).
    ``errors`` are messages for the user (never secrets). ``problems`` are what the sides'
    listings and writes could not use or do without failing, each once (see
    :attr:`omisync.sync.side.Snapshot.problems`).
    """

    kind: Kind
    plan: Plan | None = None
    done: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add_problems(self, problems: Iterable[str]) -> None:
        """Add each problem not already reported."""
        self.problems.extend(p for p in dict.fromkeys(problems) if p not in self.problems)

    @property
    def writes(self) -> int:
        """How many item writes succeeded."""
        return sum(
            count
            for key, count in self.done.items()
            if key.split("_")[0] in ("created", "updated", "deleted", "completed")
        )


@dataclass
class SyncReport:
    """One run of one connector: a :class:`KindReport` per kind, and the run record's id."""

    connector: str
    run_id: int | None
    kinds: list[KindReport] = field(default_factory=list)
    dry_run: bool = False

    @property
    def errors(self) -> list[str]:
        """Every error of every kind."""
        return [f"{report.kind}s: {error}" for report in self.kinds for error in report.errors]

    @property
    def problems(self) -> list[str]:
        """Every problem of every kind, e.g. ``tasks: Journal/a.md is being edited; …``."""
        return [f"{report.kind}s: {p}" for report in self.kinds for p in report.problems]

    @property
    def failed(self) -> bool:
        """True when nothing could be synced: no kind could be planned, for errors (a kind
        switched off is left out of the report)."""
        planned = any(report.plan is not None for report in self.kinds)
        return not planned and any(report.errors for report in self.kinds)

    @property
    def outcome(self) -> RunOutcome:
        """FAILED (nothing synced), PARTIAL (errors or refusals) or OK: what the run record,
        the exit code and the daemon's cycle result say."""
        if self.failed:
            return RunOutcome.FAILED
        if self.errors or self.refused:
            return RunOutcome.PARTIAL
        return RunOutcome.OK

    @property
    def refused(self) -> int:
        """How many items were refused (too long, no text, held-back deletions)."""
        return sum(len(report.plan.refusals) for report in self.kinds if report.plan)

    @property
    def conflicts(self) -> int:
        """How many field conflicts were found (settled by policy or parked)."""
        return sum(len(report.plan.conflicts) for report in self.kinds if report.plan)

    def counts(self) -> dict[str, int]:
        """Return the run's numbers for the run record, e.g. ``{"task.created_omi": 2}``."""
        tally: Counter[str] = Counter()
        for report in self.kinds:
            for key, count in report.done.items():
                tally[f"{report.kind}.{key}"] += count
            if report.plan:
                tally[f"{report.kind}.conflicts"] += len(report.plan.conflicts)
                tally[f"{report.kind}.refused"] += len(report.plan.refusals)
        return {key: value for key, value in sorted(tally.items()) if value}

    def describe(self) -> str:
        """Return the plans in words, then the errors and problems (what ``--dry-run`` and
        logs show)."""
        lines = [report.plan.describe() for report in self.kinds if report.plan]
        lines.extend(f"error: {error}" for error in self.errors)
        lines.extend(f"problem: {problem}" for problem in self.problems)
        return "\n".join(lines) if lines else f"{self.connector}: nothing to sync"
