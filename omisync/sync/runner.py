"""The runner: snapshot both sides, reconcile, verify, plan, and execute the plan safely.

One :class:`Runner` syncs one connector with Omi. For each kind it

1. takes both snapshots (a failed listing stops that kind: nothing is written);
2. settles the journal entries an interrupted run left pending (:mod:`omisync.sync.reconcile`;
   a dry run leaves them, and its plan's notices say so);
3. asks each side about linked ids its complete listing did not show (gone, locked, present),
   at a bounded cost when more are missing than ``max_delete`` allows
   (:mod:`omisync.sync.missing`);
4. plans (:func:`omisync.sync.plan`) within what ``max_delete`` still allows the run (its
   count and percent cover all the kinds of the run together: a :class:`DeleteBudget` the
   earlier kinds' planned deletions use up), and records the refusals for ``omisync status``;
5. executes the plan in batches of the side's size: the intent is journaled and committed
   first, then the remote call is made, then the links (with what the side now holds as the
   new base) and the journal outcome are committed together. One failing item is recorded
   and retried next run without stopping the rest; a whole failed call stops that side's
   remaining writes of the kind;
6. gathers the problems the snapshots and the writes reported into the kind's report, logs
   each as a warning, and keeps them in the run record.

The caller holds the state DB's run lock (``StateDB.run_lock``) around :meth:`Runner.run`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TypeVar

import structlog

from omisync.state import Intent, JournalOp, RunOutcome, SideName, StateDB
from omisync.sync.actions import Create, Delete, Plan, Update
from omisync.sync.describe import named
from omisync.sync.links import Kind, Link, Projection
from omisync.sync.missing import check_missing
from omisync.sync.options import DeleteBudget, Direction, SyncOptions
from omisync.sync.planner import plan
from omisync.sync.reconcile import reconcile_journal
from omisync.sync.report import KindReport, SyncReport
from omisync.sync.side import (
    Change,
    DeleteMode,
    Draft,
    Failed,
    Outcome,
    ReportsWriteProblems,
    Role,
    Side,
    SideError,
    Snapshot,
)

__all__ = ["Checkpoint", "Runner"]

#: Called with a step name at each durable point of a write: ``"intending"`` (a batch is about
#: to be journaled; nothing of it is recorded yet), ``"intended"`` (the journal entry is
#: committed; the remote call comes next), ``"committing"`` (inside the transaction that
#: records the outcome, before it commits) and ``"committed"``. Tests raise from it to
#: simulate a crash; a progress display may count batches with it; a stop request
#: (:mod:`omisync.stopper`) raises at ``"intending"`` or ``"committed"``.
Checkpoint = Callable[[str], None]

_T = TypeVar("_T")
_log = structlog.get_logger("omisync.sync")


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + max(1, size)]


class Runner:
    """Syncs one connector (``peer``) with Omi (``omi``) through the state DB ``state``."""

    def __init__(
        self,
        state: StateDB,
        omi: Side,
        peer: Side,
        options: SyncOptions,
        *,
        connector: str,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.state = state
        self.sides: dict[Role, Side] = {Role.OMI: omi, Role.PEER: peer}
        self.names = {Role.OMI: "Omi", Role.PEER: connector}
        self.options = options
        self.connector = connector
        self.checkpoint: Checkpoint = checkpoint or (lambda step: None)

    def run(self, kinds: Iterable[Kind] = tuple(Kind), *, dry_run: bool = False) -> SyncReport:
        """Sync each kind in turn and return what happened.

        Records a run (``state.runs``) unless ``dry_run``, which plans without writing
        anything anywhere. A listing or side failure is reported in the result, never raised;
        state DB errors (:class:`omisync.state.StateError`) are raised. An exception that
        escapes (a crash, Ctrl-C) marks the run interrupted and is re-raised.
        """
        kinds = tuple(kinds)
        run_id = None if dry_run else self.state.runs.start(self.connector)
        report = SyncReport(self.connector, run_id, dry_run=dry_run)
        budget = self.delete_budget(kinds)
        try:
            for kind in kinds:
                kind_report = self.sync(kind, run_id=run_id, dry_run=dry_run, budget=budget)
                report.kinds.append(kind_report)
                budget = _after(budget, kind_report.plan)
        except BaseException:
            if run_id is not None:
                errors = [*report.errors, "interrupted"]
                self.state.runs.finish(
                    run_id, RunOutcome.INTERRUPTED, report.counts(), errors, report.problems
                )
            raise
        if run_id is not None:
            self.state.runs.finish(
                run_id, report.outcome, report.counts(), report.errors, report.problems
            )
        return report

    def delete_budget(self, kinds: Iterable[Kind]) -> DeleteBudget:
        """What ``max_delete`` allows a run of ``kinds``: its count and percent cover the links
        of every kind that syncs, together."""
        counts = self.state.links.count(self.connector)
        linked = sum(
            counts.get((self.connector, kind), 0)
            for kind in set(kinds)
            if self.options.for_kind(kind).direction is not Direction.OFF
        )
        return DeleteBudget(self.options.max_delete, linked)

    def sync(
        self,
        kind: Kind,
        *,
        run_id: int | None = None,
        dry_run: bool = False,
        budget: DeleteBudget | None = None,
    ) -> KindReport:
        """Sync one kind; return its report (errors and problems included, not raised).

        ``budget`` is what ``max_delete`` still allows in the run (default: this kind alone
        is the run)."""
        report = KindReport(kind)
        if self.options.for_kind(kind).direction is Direction.OFF:
            return report
        self._sync(kind, report, run_id=run_id, dry_run=dry_run, budget=budget)
        for problem in report.problems:
            _log.warning("sync.problem", connector=self.connector, kind=str(kind), problem=problem)
        return report

    def _sync(
        self,
        kind: Kind,
        report: KindReport,
        *,
        run_id: int | None,
        dry_run: bool,
        budget: DeleteBudget | None,
    ) -> None:
        log = _log.bind(connector=self.connector, kind=str(kind))
        try:
            snapshots = {role: self.sides[role].snapshot(kind) for role in Role}
            links = self.state.links.load(self.connector, kind)
            if dry_run:
                unsettled = self._unsettled(kind)
            else:
                unsettled = 0
                report.done["reconciled"] += reconcile_journal(
                    self.state, self.sides, snapshots, links, connector=self.connector, kind=kind
                )
        except SideError as error:
            report.errors.append(f"nothing synced: {error}")
            log.warning("sync.stopped", error=str(error))
            return
        report.add_problems(p for snapshot in snapshots.values() for p in snapshot.problems)
        budget = budget or DeleteBudget(self.options.max_delete, len(links))
        for role in Role:
            snapshots[role] = self._verified(role, snapshots[role], links.values(), report, budget)
        report.plan = plan(
            snapshots[Role.OMI],
            snapshots[Role.PEER],
            links.values(),
            self.options,
            connector=self.connector,
            budget=budget,
        )
        log.info("sync.planned", dry_run=dry_run, **report.plan.counts())
        if dry_run:
            if unsettled:
                report.plan = replace(
                    report.plan, notices=(*report.plan.notices, _unsettled_notice(unsettled))
                )
            return
        self._record_refusals(report.plan, complete=all(s.complete for s in snapshots.values()))
        _Execution(self, report.plan, run_id, report).run()
        for side in self.sides.values():
            if isinstance(side, ReportsWriteProblems):
                report.add_problems(side.write_problems(kind))
        if report.errors:
            log.warning("sync.errors", count=len(report.errors), first=report.errors[0])

    def _unsettled(self, kind: Kind) -> int:
        """How many writes of ``kind`` an interrupted run left pending (a dry run leaves them
        so; a real run settles them first)."""
        return sum(entry.kind == kind.value for entry in self.state.journal.pending(self.connector))

    def _verified(
        self,
        role: Role,
        snapshot: Snapshot,
        links: Iterable[Link],
        report: KindReport,
        budget: DeleteBudget,
    ) -> Snapshot:
        """Return ``snapshot`` with the linked ids its side says are gone added to ``deleted``.

        Missing ids lead to deletions on the other side, so when there are more than the
        ``budget`` lets that side take (and deletions are not confirmed) the side is asked
        only until the answer is clear (:func:`~omisync.sync.missing.check_missing`). A check
        cut short takes nothing as deleted (acting on part of them would spread a mass
        deletion over runs, and make each run find more) and says why in ``report.errors``."""
        if not snapshot.complete:
            return snapshot
        ids = (link.omi_id if role is Role.OMI else link.peer_id for link in links)
        missing = [
            item_id
            for item_id in ids
            if item_id is not None
            and item_id not in snapshot.items
            and item_id not in snapshot.deleted
        ]
        if not missing:
            return snapshot
        left = budget.left(role.other)
        allowed = None if self.options.confirm_deletes or len(missing) <= left else left
        try:
            checked = check_missing(self.sides[role], snapshot.kind, missing, allowed=allowed)
        except SideError as error:
            report.errors.append(f"could not check missing items, so nothing is deleted: {error}")
            return snapshot
        if not checked.complete:
            names = (self.names[role], self.names[role.other])
            report.errors.append(checked.explain(snapshot.kind, *names, budget.explain(role.other)))
            return snapshot
        return replace(snapshot, deleted=snapshot.deleted | checked.gone)

    def _record_refusals(self, result: Plan, *, complete: bool) -> None:
        refused = {(SideName(r.side.value), r.item_id): r.reason for r in result.refusals}
        places = {(SideName(r.side.value), r.item_id): r.where for r in result.refusals if r.where}
        self.state.refusals.replace(
            self.connector, result.kind.value, refused, clear_others=complete, places=places
        )


class _Execution:
    """Carries out one plan: link rows first, then creates, updates and deletes in batches."""

    def __init__(self, runner: Runner, result: Plan, run_id: int | None, report: KindReport):
        self.runner = runner
        self.state = runner.state
        self.plan = result
        self.kind = result.kind
        self.run_id = run_id
        self.report = report

    def run(self) -> None:
        self.save_link_rows()
        self.create_all()
        self.update_all()
        self.delete_all()

    # --- plumbing -------------------------------------------------------------------------

    def journal(
        self, target: Role, op: JournalOp, batch: Sequence[tuple[str, str | None, Projection]]
    ) -> list[int]:
        """Journal one batch (link id, item id, payload) and commit before the remote call."""
        intents = [
            Intent(
                self.runner.connector,
                self.kind.value,
                SideName(target.value),
                op,
                payload,
                link_id=link_id,
                item_id=item_id,
                stamp=link_id if op is JournalOp.CREATE else None,
            )
            for link_id, item_id, payload in batch
        ]
        self.runner.checkpoint("intending")
        entry_ids = self.state.journal.intend(intents, run_id=self.run_id)
        self.runner.checkpoint("intended")
        return entry_ids

    def call(
        self, target: Role, entry_ids: list[int], what: str, write: Callable[[], list[Outcome]]
    ) -> list[Outcome] | None:
        """Make one remote call; on a whole-call failure keep the entries pending and say so."""
        try:
            outcomes = write()
            if len(outcomes) != len(entry_ids):
                raise SideError(
                    f"answered {len(outcomes)} results for {len(entry_ids)} items (a bug in "
                    "that connector)",
                    side=self.runner.sides[target].name,
                )
        except SideError as error:
            for entry_id in entry_ids:
                self.state.journal.record_attempt(entry_id, str(error))
            self.report.errors.append(f"{what} in {self.runner.names[target]} failed: {error}")
            self.report.done["failed"] += len(entry_ids)
            return None
        return outcomes

    def failed(self, entry_id: int, target: Role, label: str, error: SideError) -> None:
        self.state.journal.mark_failed(entry_id, str(error))
        self.report.errors.append(f"{label} in {self.runner.names[target]}: {error}")
        self.report.done["failed"] += 1

    @contextlib.contextmanager
    def commit(self) -> Iterator[None]:
        """One transaction recording a batch's outcome, with checkpoints around its commit."""
        with self.state.transaction():
            yield
            self.runner.checkpoint("committing")
        self.runner.checkpoint("committed")

    # --- the four steps -------------------------------------------------------------------

    def save_link_rows(self) -> None:
        result = self.plan
        if not (result.forgets or result.rebases or result.matches):
            return
        with self.commit():
            self.state.links.delete(result.forgets)
            self.state.links.save([*result.rebases, *result.matches])
        self.report.done["linked"] += len(result.matches)
        self.report.done.update(keep.key for keep in result.kept)

    def create_all(self) -> None:
        for target in Role:
            creates = [create for create in self.plan.creates if create.target is target]
            size = self.runner.sides[target].batch_size(self.kind)
            for batch in _chunks(creates, size):
                if not self.create_batch(target, batch):
                    break

    def create_batch(self, target: Role, batch: Sequence[Create]) -> bool:
        side = self.runner.sides[target]
        entry_ids = self.journal(
            target, JournalOp.CREATE, [(c.link_id, None, c.payload()) for c in batch]
        )
        drafts = [Draft(create.link_id, create.fields) for create in batch]
        outcomes = self.call(
            target,
            entry_ids,
            f"creating {len(batch)} {self.kind}s",
            lambda: side.create(self.kind, drafts),
        )
        if outcomes is None:
            return False
        with self.commit():
            links = []
            for create, entry_id, outcome in zip(batch, entry_ids, outcomes, strict=True):
                if isinstance(outcome, Failed):
                    self.failed(
                        entry_id,
                        target,
                        f"could not create {named(create.fields['text'], create.where)}",
                        outcome.error,
                    )
                    continue
                links.append(
                    create.link_after(outcome, connector=self.runner.connector, kind=self.kind)
                )
                self.state.journal.mark_done(entry_id, item_id=outcome.item_id)
                self.report.done[f"created_{target}"] += 1
            self.state.links.save(links)
        return True

    def update_all(self) -> None:
        held: dict[str, dict[Role, Projection | None]] = {}
        failed: set[str] = set()
        for target in Role:
            updates = [
                update
                for update in self.plan.updates
                if _fields(update, target) and update.link.link_id not in failed
            ]
            size = self.runner.sides[target].batch_size(self.kind)
            for number, batch in enumerate(_chunks(updates, size)):
                if not self.update_batch(target, batch, held, failed):
                    failed.update(u.link.link_id for u in updates[number * size :])
                    break

    def update_batch(
        self,
        target: Role,
        batch: Sequence[Update],
        held: dict[str, dict[Role, Projection | None]],
        failed: set[str],
    ) -> bool:
        side = self.runner.sides[target]
        rows = [(u.link.link_id, _item_of(u.link, target), _fields(u, target)) for u in batch]
        entry_ids = self.journal(
            target,
            JournalOp.UPDATE,
            [(link_id, item, {"fields": fields}) for link_id, item, fields in rows],
        )
        changes = [Change(item_id, fields) for _, item_id, fields in rows]
        outcomes = self.call(
            target,
            entry_ids,
            f"updating {len(batch)} {self.kind}s",
            lambda: side.update(self.kind, changes),
        )
        if outcomes is None:
            return False
        with self.commit():
            links = []
            for update, entry_id, outcome in zip(batch, entry_ids, outcomes, strict=True):
                link_id = update.link.link_id
                if isinstance(outcome, Failed):
                    failed.add(link_id)
                    self.failed(
                        entry_id,
                        target,
                        f"could not update {named(update.omi_now['text'], update.where)}",
                        outcome.error,
                    )
                    continue
                self.state.journal.mark_done(entry_id)
                self.report.done[f"updated_{target}"] += 1
                sides_held = held.setdefault(link_id, {})
                sides_held[target] = outcome.held
                if all(role in sides_held for role in Role if _fields(update, role)):
                    links.append(
                        update.link_after(
                            omi_held=sides_held.get(Role.OMI), peer_held=sides_held.get(Role.PEER)
                        )
                    )
            self.state.links.save(links)
        return True

    def delete_all(self) -> None:
        for target in Role:
            for mode in DeleteMode:
                deletes = [d for d in self.plan.deletes if d.target is target and d.mode is mode]
                size = self.runner.sides[target].batch_size(self.kind)
                for batch in _chunks(deletes, size):
                    if not self.delete_batch(target, mode, batch):
                        break

    def delete_batch(self, target: Role, mode: DeleteMode, batch: Sequence[Delete]) -> bool:
        side = self.runner.sides[target]
        entry_ids = self.journal(
            target,
            JournalOp.DELETE,
            [(d.link.link_id, d.item_id, {"mode": mode.value}) for d in batch],
        )
        item_ids = [delete.item_id for delete in batch]
        verb = "deleted" if mode is DeleteMode.DELETE else "completed"
        outcomes = self.call(
            target,
            entry_ids,
            f"{mode.value} {len(batch)} {self.kind}s",
            lambda: side.delete(self.kind, item_ids, mode),
        )
        if outcomes is None:
            return False
        with self.commit():
            for delete, entry_id, outcome in zip(batch, entry_ids, outcomes, strict=True):
                if isinstance(outcome, Failed):
                    self.failed(
                        entry_id,
                        target,
                        f"could not {mode.value} {named(delete.now['text'], delete.where)}",
                        outcome.error,
                    )
                    continue
                after = delete.link_after(outcome)
                if after is None:
                    self.state.links.delete([delete.link.link_id])
                else:
                    self.state.links.save([after])
                self.state.journal.mark_done(entry_id)
                self.report.done[f"{verb}_{target}"] += 1
        return True


def _after(budget: DeleteBudget, result: Plan | None) -> DeleteBudget:
    """``budget`` less the deletions ``result`` plans on each side."""
    for role in Role:
        budget = budget.spend(role, sum(d.target is role for d in result.deletes) if result else 0)
    return budget


def _unsettled_notice(count: int) -> str:
    return (
        f"{count} write(s) of an interrupted run are not settled in a dry run; a real run "
        "first looks for what they made and links it, so some creates above may be links "
        "instead"
    )


def _fields(update: Update, role: Role) -> Projection:
    return update.to_omi if role is Role.OMI else update.to_peer


def _item_of(link: Link, role: Role) -> str:
    item_id = link.omi_id if role is Role.OMI else link.peer_id
    assert item_id is not None
    return item_id
