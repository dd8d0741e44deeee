"""A Hypothesis state machine attacking the runner (vdirsyncer's SyncMachine, for omisync).

Two in-memory sides (an Omi-like one that holds dues as UTC instants, limits text and finds
interrupted creates only by content; a vault-like one that stores stamps) and a real state DB.
Users create, edit, complete, delete and lock items on both sides; syncs run with any policy,
with listings that fail or come back incomplete, and with a crash injected at any point:
before or after a remote write, or before or after a commit.

Every logical item has a unique text prefix (``t7 ...``), so duplicates and lost edits can be
told apart from legitimate copies. Invariants:

- no item is ever duplicated on a side;
- an incomplete or failed listing never leads to a deletion on the other side;
- deletions per side and sync stay within ``max_delete`` unless confirmed;
- after two quiet syncs (every listing complete, nothing locked, no crash) a third writes
  nothing, and with ``direction: both`` the sides have converged: every linked pair agrees
  (through Omi's lossy due form) unless parked or refused, and every unlinked item is one
  the options keep unlinked;
- an edit is never lost: each field of a converged pair holds the last value a user gave it
  since the last convergence, unless both sides edited it, in which case a conflict was
  reported.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from engine_fakes import CONNECTOR, Crash, MemorySide, omi_like_hold, task
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from omisync.state import StateDB
from omisync.sync import (
    ConflictPolicy,
    DeletePolicy,
    Direction,
    KindOptions,
    LinkState,
    MaxDelete,
    Role,
    SyncOptions,
)
from omisync.sync.links import Kind, Link, Projection
from omisync.sync.report import SyncReport
from omisync.sync.runner import Runner

ZONE = ZoneInfo("Europe/Berlin")
OMI_LIMIT = 14
SUFFIXES = ["", "a", "milk", "call mum", "a rather long text"]  # the last is too long for Omi
DUES = [None, "2025-03-01", "2025-03-01T09:00:00", "2025-03-01T08:00:00Z", "2025-03-01T11:00:00Z"]
PREFIX = re.compile(r"^(t\d+)")

sides = st.sampled_from([Role.OMI, Role.PEER])
listings = st.sampled_from(["complete"] * 6 + ["incomplete", "fail"])


def prefix_of(projection: Projection) -> str:
    match = PREFIX.match(projection["text"])
    assert match, projection
    return match.group(1)


def omi_form(projection: Projection) -> Projection:
    """A projection as Omi would hold it: the form both sides are compared in."""
    return omi_like_hold(Kind.TASK, projection, ZONE)


class SyncMachine(RuleBasedStateMachine):
    """Random edits on both sides, random syncs with crashes and bad listings."""

    def __init__(self) -> None:
        super().__init__()
        self.state = StateDB.in_memory()
        self.sides = {
            Role.OMI: MemorySide(
                "omi",
                "o",
                max_text_length=OMI_LIMIT,
                batch=2,
                hold=omi_like_hold,
                stores_stamps=False,
            ),
            Role.PEER: MemorySide(CONNECTOR, "p", batch=3),
        }
        self.options = SyncOptions()
        self.next_prefix = 0
        self.user_items: dict[Role, set[str]] = {Role.OMI: set(), Role.PEER: set()}
        # prefix -> field -> side -> last value a user gave it since the last convergence
        self.edits: dict[str, dict[str, dict[Role, Any]]] = {}
        self.conflicts: set[tuple[str, str]] = set()
        self.refused: set[str] = set()
        # role -> prefix -> the item as it stood at the last settled sync
        self.settled: dict[Role, dict[str, Projection]] = {Role.OMI: {}, Role.PEER: {}}
        self.crash_at: int | None = None
        self.steps = 0

    def teardown(self) -> None:
        self.state.close()

    # --- setup ----------------------------------------------------------------------------

    @initialize(
        direction=st.sampled_from([Direction.BOTH] * 4 + [Direction.TO_OMI, Direction.FROM_OMI]),
        conflict=st.sampled_from(list(ConflictPolicy)),
        on_delete=st.sampled_from(list(DeletePolicy)),
        create_completed=st.booleans(),
        count=st.integers(0, 3),
        percent=st.sampled_from([0, 50, 100]),
    )
    def configure(
        self,
        direction: Direction,
        conflict: ConflictPolicy,
        on_delete: DeletePolicy,
        create_completed: bool,
        count: int,
        percent: int,
    ) -> None:
        kind = KindOptions(direction, conflict, on_delete, create_completed)
        self.options = SyncOptions(
            tasks=kind, max_delete=MaxDelete(count, percent), timezone="Europe/Berlin"
        )
        for side in self.sides.values():
            side.crash = self.maybe_crash

    @initialize(
        seeds=st.lists(
            st.tuples(sides, st.sampled_from(SUFFIXES), st.booleans(), st.sampled_from(DUES)),
            min_size=2,
            max_size=6,
        )
    )
    def seed(self, seeds: list[tuple[Role, str, bool, str | None]]) -> None:
        """Start with a few items already synced, so edits and deletions meet linked items."""
        for role, suffix, done, due in seeds:
            self.create(role, suffix, done, due)
        self.sync()
        self.check_settled()

    def maybe_crash(self, where: str, point: str = "") -> None:
        self.steps += 1
        if self.steps == self.crash_at:
            raise Crash(f"{where} {point}")

    # --- users ----------------------------------------------------------------------------

    def eligible(self, role: Role) -> list[str]:
        """Items a user may touch: theirs, or linked. (Items a crashed run created but did not
        link yet are left alone: an Omi item found only by content cannot be recognised once
        edited, which is the documented limit of reconciling Omi action items.)"""
        linked = {
            link.omi_id if role is Role.OMI else link.peer_id
            for link in self.state.links.load(CONNECTOR, Kind.TASK).values()
        }
        items = self.sides[role].items[Kind.TASK]
        return sorted(i for i in items if i in linked or i in self.user_items[role])

    def note_edit(self, role: Role, before: Projection | None, after: Projection) -> None:
        """Record the fields a user changed; one put back as it was last synced is no edit."""
        prefix = prefix_of(after)
        fields = self.edits.setdefault(prefix, {})
        synced = self.settled[role].get(prefix)
        for name, value in after.items():
            if before is not None and before[name] == value:
                continue
            if synced is not None and synced[name] == value:
                fields.get(name, {}).pop(role, None)
            else:
                fields.setdefault(name, {})[role] = value

    @rule(
        role=sides,
        suffix=st.sampled_from(SUFFIXES),
        done=st.booleans(),
        due=st.sampled_from(DUES),
    )
    def create(self, role: Role, suffix: str, done: bool, due: str | None) -> None:
        text = f"t{self.next_prefix} {suffix}".strip()
        if role is Role.OMI and len(text) > OMI_LIMIT:
            text = f"t{self.next_prefix}"
        self.next_prefix += 1
        item_id = self.sides[role].user_put(Kind.TASK, None, task(text, done, due))
        self.user_items[role].add(item_id)
        self.note_edit(role, None, self.sides[role].items[Kind.TASK][item_id])

    @rule(
        role=sides,
        data=st.data(),
        suffix=st.one_of(st.none(), st.sampled_from(SUFFIXES)),
        done=st.one_of(st.none(), st.booleans()),
        due=st.one_of(st.just("keep"), st.sampled_from(DUES)),
    )
    def edit(
        self,
        role: Role,
        data: st.DataObject,
        suffix: str | None,
        done: bool | None,
        due: str | None,
    ) -> None:
        items = self.eligible(role)
        if not items:
            return
        item_id = data.draw(st.sampled_from(items))
        before = self.sides[role].items[Kind.TASK][item_id]
        text = before["text"] if suffix is None else f"{prefix_of(before)} {suffix}".strip()
        if role is Role.OMI and len(text) > OMI_LIMIT:
            text = before["text"]
        after = task(
            text,
            before["done"] if done is None else done,
            before["due"] if due == "keep" else due,
        )
        self.sides[role].user_put(Kind.TASK, item_id, after)
        self.note_edit(role, before, self.sides[role].items[Kind.TASK][item_id])

    @rule(role=sides, data=st.data())
    def delete(self, role: Role, data: st.DataObject) -> None:
        items = self.eligible(role)
        if items:
            item_id = data.draw(st.sampled_from(items))
            prefix = prefix_of(self.sides[role].items[Kind.TASK][item_id])
            self.sides[role].user_delete(Kind.TASK, item_id)
            for by_side in self.edits.get(prefix, {}).values():  # the deletion supersedes them
                by_side.pop(role, None)

    @rule(data=st.data())
    def lock(self, data: st.DataObject) -> None:
        items = self.eligible(Role.OMI)
        if items:
            self.sides[Role.OMI].locked.add(data.draw(st.sampled_from(items)))

    # --- syncs ----------------------------------------------------------------------------

    def sync(self, *, confirm: bool = False) -> SyncReport:
        options = SyncOptions(
            tasks=self.options.tasks,
            max_delete=self.options.max_delete,
            confirm_deletes=confirm,
            timezone=self.options.timezone,
        )
        runner = Runner(
            self.state,
            self.sides[Role.OMI],
            self.sides[Role.PEER],
            options,
            connector=CONNECTOR,
            checkpoint=self.maybe_crash,
        )
        report = runner.run([Kind.TASK])
        for kind_report in report.kinds:
            if kind_report.plan is None:
                event("sync: a listing failed")
                continue
            for key in kind_report.plan.counts():
                event(f"plan: {key}")
            if kind_report.done["reconciled"]:
                event("sync: reconciled interrupted writes")
            for conflict in kind_report.plan.conflicts:
                self.conflicts.add((PREFIX.match(conflict.label).group(1), conflict.field))  # type: ignore[union-attr]
            for refusal in kind_report.plan.refusals:
                held = self.sides[refusal.side].items[Kind.TASK].get(refusal.item_id)
                if held is not None:
                    self.refused.add(prefix_of(held))
        return report

    @rule(
        omi_listing=listings,
        peer_listing=listings,
        crash_at=st.one_of(st.none(), st.integers(1, 12)),
        confirm=st.booleans(),
    )
    def sync_once(
        self, omi_listing: str, peer_listing: str, crash_at: int | None, confirm: bool
    ) -> None:
        self.sides[Role.OMI].listing, self.sides[Role.PEER].listing = omi_listing, peer_listing
        links_before = len(self.state.links.load(CONNECTOR, Kind.TASK))
        deletes_before = {role: side.delete_requests for role, side in self.sides.items()}
        self.steps, self.crash_at = 0, crash_at
        locked = bool(self.sides[Role.OMI].locked)
        try:
            report = self.sync(confirm=confirm)
        except Crash:
            event("sync: crashed")
            report = None
        finally:
            self.crash_at = None
            for side in self.sides.values():
                side.listing = "complete"
        deleted = {
            role: side.delete_requests - deletes_before[role] for role, side in self.sides.items()
        }
        for role, listing in ((Role.OMI, omi_listing), (Role.PEER, peer_listing)):
            if listing != "complete":
                assert deleted[role.other] == 0, f"{role} listing was {listing} yet deletes ran"
        if not confirm:
            budget = self.options.max_delete.allowed(links_before)
            assert all(count <= budget for count in deleted.values()), (deleted, budget)
        if report is not None and omi_listing == peer_listing == "complete":
            self.check_settled(strict=not report.errors and not locked)

    @rule()
    def quiet_syncs_converge(self) -> None:
        self.sides[Role.OMI].locked.clear()
        self.sync()
        self.sync()
        writes = sum(side.write_calls for side in self.sides.values())
        self.sync()
        assert sum(side.write_calls for side in self.sides.values()) == writes, "third sync wrote"
        event(f"quiet syncs: {self.options.tasks.direction}")
        self.check_settled()

    def check_settled(self, *, strict: bool = True) -> None:
        """After a sync that saw every item: each pair that agrees kept its users' edits, and
        its edits start afresh. ``strict`` (nothing locked, no error): every pair must agree.

        Edits of refused, parked, locked or (not strict) still differing pairs are pending in
        the engine (their bases did not move), so they are kept; the refusals and conflicts are
        reported again next sync.
        """
        pending = self.refused | self.parked()
        if self.options.tasks.direction is Direction.BOTH:
            pending |= self.check_converged(strict=strict)
        self.edits = {prefix: edits for prefix, edits in self.edits.items() if prefix in pending}
        self.conflicts.clear()
        self.refused.clear()
        self.settled = {
            role: {
                prefix_of(held): held
                for held in side.items[Kind.TASK].values()
                if prefix_of(held) not in pending
            }
            for role, side in self.sides.items()
        }

    def parked(self) -> set[str]:
        """Prefixes of the items whose link is parked as a conflict."""
        items = self.sides[Role.OMI].items[Kind.TASK]
        return {
            prefix_of(items[link.omi_id])
            for link in self.state.links.load(CONNECTOR, Kind.TASK).values()
            if link.state is LinkState.CONFLICT and link.omi_id in items
        }

    def check_converged(self, *, strict: bool) -> set[str]:
        """Check that linked pairs agree and kept their edits; return the prefixes of pairs
        that (not strict) may still differ: locked ones, and ones that do differ."""
        links = self.state.links.load(CONNECTOR, Kind.TASK).values()
        omi_items = self.sides[Role.OMI].items[Kind.TASK]
        peer_items = self.sides[Role.PEER].items[Kind.TASK]
        unsettled = {prefix_of(omi_items[i]) for i in self.sides[Role.OMI].locked if i in omi_items}
        for link in links:
            omi_now, peer_now = omi_items.get(link.omi_id or ""), peer_items.get(link.peer_id or "")
            if omi_now is None or peer_now is None:
                continue
            prefix = prefix_of(omi_now)
            if link.state is LinkState.CONFLICT:
                assert any(p == prefix for p, _ in self.conflicts), f"{prefix} parked unreported"
                continue
            if prefix in self.refused or prefix in unsettled:
                continue
            if not strict and omi_form(omi_now) != omi_form(peer_now):
                unsettled.add(prefix)
                continue
            assert omi_form(omi_now) == omi_form(peer_now), (prefix, omi_now, peer_now)
            self.check_edits_kept(prefix, omi_form(omi_now))
        if strict:
            self.check_unlinked(links)
        return unsettled

    def check_edits_kept(self, prefix: str, final: Projection) -> None:
        for name, by_side in self.edits.get(prefix, {}).items():
            values = {
                role: omi_form({**final, name: value})[name] for role, value in by_side.items()
            }
            if not values:
                continue
            if len(set(map(repr, values.values()))) == 1:
                assert final[name] == next(iter(values.values())), (prefix, name, values, final)
            else:
                assert (prefix, name) in self.conflicts, f"{prefix}.{name} both edited, unreported"
                assert final[name] in values.values(), (prefix, name, values, final)

    def check_unlinked(self, links: Any) -> None:
        linked = {Role.OMI: set(), Role.PEER: set()}  # type: dict[Role, set[str]]
        for link in links:
            linked[Role.OMI].add(link.omi_id)
            linked[Role.PEER].add(link.peer_id)
        for role, side in self.sides.items():
            for item_id, held in side.items[Kind.TASK].items():
                if item_id in linked[role]:
                    continue
                kept_back = held["done"] and not self.options.tasks.create_completed
                assert kept_back or prefix_of(held) in self.refused, (role, held)

    # --- always -----------------------------------------------------------------------------

    @invariant()
    def no_item_is_duplicated(self) -> None:
        for role, side in self.sides.items():
            prefixes = [prefix_of(held) for held in side.items[Kind.TASK].values()]
            assert len(prefixes) == len(set(prefixes)), f"{role} holds a duplicate: {prefixes}"

    @invariant()
    def links_point_at_distinct_items(self) -> None:
        links: list[Link] = list(self.state.links.load(CONNECTOR, Kind.TASK).values())
        for ids in ([link.omi_id for link in links], [link.peer_id for link in links]):
            present = [item_id for item_id in ids if item_id is not None]
            assert len(present) == len(set(present))


SyncMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncMachine = SyncMachine.TestCase
