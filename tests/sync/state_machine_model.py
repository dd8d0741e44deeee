"""The oracle of the sync state machine: what users did, and what each sync may do about it.

Every logical item has a unique text prefix (``t7 ...``) on both sides, so the oracle can pair
an Omi item with its peer copy without trusting the engine's links.

**Pending edits.** A user's change to a field is *pending* from the moment the engine could see
it (the new value differs from the engine's base for that side, read from the link store)
until the engine has dealt with it. After every sync, crashed or not, each pending edit is
judged:

- still held, and the engine's base for that side now holds it (*absorbed*): the other side
  must hold it too, unless the direction does not promise it (then the sides may differ in
  that field: *diverged*);
- overwritten by the engine: only if the engine saw the field unchanged (an undo, or a fresh
  match's key-only base), or both sides changed it to different values and the policy (or
  the direction) picks the other side, reported as a conflict when the sync finished;
- the item deleted or completed by the engine: never, for an edit the direction promises
  (an edit beats a delete).

**Engine writes.** Each change the engine made must be explained: a value copied from the
partner the sync could see, a deletion or completion (as ``on_delete`` says) of an item whose
partner is really gone, no create into a side whose listing was incomplete, no write to a side
the direction does not write, no write at all when a listing failed, no deletion when the other
listing was incomplete, and no more deletions than ``max_delete`` allows unless confirmed.
Every conflict's winner is the one the policy picks (``newest`` by the sides' clocks), and a
parked pair both of whose items were listed is reported again.

**Convergence** (after quiet syncs): no promised edit is still pending except on parked,
refused or kept-back (done, ``create_completed: false``) items; every item of a side whose
items the direction copies is linked unless kept back or refused; with ``both`` every linked
pair agrees (through Omi's lossy due form), with one direction only in fields the target
changed itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine_fakes import CONNECTOR, omi_like_hold
from state_machine_sides import MachineSide

from omisync.state import StateDB
from omisync.sync import (
    DeletePolicy,
    Direction,
    Kind,
    Link,
    LinkState,
    ListingError,
    Plan,
    Projection,
    Role,
    SyncOptions,
)
from omisync.sync.report import SyncReport

PREFIX = re.compile(r"^(t\d+)")

#: The fields two unlinked items must share to be matched (the planner's matching key); a fresh
#: match takes them as its bases, so every other field counts as changed on both sides.
KEY_FIELDS = {Kind.TASK: ("text", "due"), Kind.NOTE: ("text",)}

#: A side's items by prefix: (item id, projection).
Held = dict[str, tuple[str, Projection]]


def prefix_of(projection: Projection) -> str:
    match = PREFIX.match(projection["text"])
    assert match, projection
    return match.group(1)


def base_of(link: Link, role: Role) -> Projection:
    return link.omi_base if role is Role.OMI else link.peer_base


def id_of(link: Link, role: Role) -> str | None:
    return link.omi_id if role is Role.OMI else link.peer_id


@dataclass
class SyncView:
    """What the sides and the links held just before a sync, and what the sync could see."""

    listings: dict[Role, str]
    items: dict[Role, Held]
    visible: dict[Role, set[str]]  # prefixes the snapshots listed
    modified: dict[Role, dict[str, datetime]]
    links: dict[Role, dict[str, Link]]  # item id -> its link
    link_count: int
    write_calls: dict[Role, int]
    delete_requests: dict[Role, int]


class Oracle:
    """Follows users' edits and judges each sync of one kind (see the module docstring)."""

    def __init__(
        self, state: StateDB, sides: dict[Role, MachineSide], kind: Kind, options: SyncOptions
    ) -> None:
        self.state = state
        self.sides = sides
        self.kind = kind
        self.options = options
        self.kind_options = options.for_kind(kind)
        self.zone = ZoneInfo(options.timezone)
        # prefix -> field -> side -> the value a user gave it, not yet dealt with by the engine
        self.pending: dict[str, dict[str, dict[Role, Any]]] = {}
        # (prefix, field): a one-way target kept its own value, which the source may not have
        self.diverged: set[tuple[str, str]] = set()

    # --- reading the world ------------------------------------------------------------------

    def held(self, role: Role) -> Held:
        return {prefix_of(p): (i, p) for i, p in self.sides[role].items[self.kind].items()}

    def links(self) -> list[Link]:
        return list(self.state.links.load(CONNECTOR, self.kind).values())

    def links_by_item(self) -> dict[Role, dict[str, Link]]:
        found: dict[Role, dict[str, Link]] = {Role.OMI: {}, Role.PEER: {}}
        for link in self.links():
            for role in Role:
                item_id = id_of(link, role)
                if item_id is not None:
                    found[role][item_id] = link
        return found

    def same(self, one: Projection, other: Projection, name: str) -> bool:
        """Whether two projections agree on ``name`` once held as Omi holds them."""
        hold = omi_like_hold
        return bool(
            hold(self.kind, one, self.zone)[name] == hold(self.kind, other, self.zone)[name]
        )

    def promised(self, role: Role) -> bool:
        """Whether the direction promises ``role``'s edits reach the other side."""
        direction = self.kind_options.direction
        return direction.writes_peer if role is Role.OMI else direction.writes_omi

    def winner(self, view: SyncView, prefix: str) -> Role | None:
        """Who wins a conflict on ``prefix`` by the direction, then the policy."""
        direction = self.kind_options.direction
        if direction is not Direction.BOTH:
            return Role.PEER if direction is Direction.TO_OMI else Role.OMI
        policy = self.kind_options.conflict.value
        if policy in ("omi", "peer"):
            return Role(policy)
        if policy == "manual":
            return None
        times = [view.modified[role].get(view.items[role][prefix][0]) for role in Role]
        if None in times:
            return None
        return Role.OMI if times[0] >= times[1] else Role.PEER  # type: ignore[operator]

    # --- users ------------------------------------------------------------------------------

    def user_wrote(self, role: Role, item_id: str, before: Projection | None) -> None:
        """Record what a user changed; a value equal to the engine's base is no edit to it."""
        after = self.sides[role].items[self.kind][item_id]
        link = self.links_by_item()[role].get(item_id)
        base = base_of(link, role) if link is not None else None
        fields = self.pending.setdefault(prefix_of(after), {})
        for name, value in after.items():
            if before is not None and before.get(name) == value:
                continue
            if (base or {}).get(name) == value:  # unlinked: a match takes a missing field as None
                fields.get(name, {}).pop(role, None)
            else:
                fields.setdefault(name, {})[role] = value

    def user_deleted(self, role: Role, prefix: str) -> None:
        """A user deleted ``role``'s item: its edits go with it (the other side's stay)."""
        for by_role in self.pending.get(prefix, {}).values():
            by_role.pop(role, None)
        self.diverged = {(p, name) for p, name in self.diverged if p != prefix}

    # --- a sync -----------------------------------------------------------------------------

    def view(self, listings: dict[Role, str]) -> SyncView:
        """Take the view of the world a sync is judged against; call it just before the sync,
        with the sides' listing modes already set."""
        visible: dict[Role, set[str]] = {}
        for role, side in self.sides.items():
            try:
                visible[role] = {prefix_of(p) for p in side.snapshot(self.kind).items.values()}
            except ListingError:
                visible[role] = set()
        links = self.links_by_item()
        return SyncView(
            listings=dict(listings),
            items={role: self.held(role) for role in Role},
            visible=visible,
            modified={role: dict(side.modified) for role, side in self.sides.items()},
            links=links,
            link_count=len(self.links()),
            write_calls={role: side.write_calls for role, side in self.sides.items()},
            delete_requests={role: side.delete_requests for role, side in self.sides.items()},
        )

    def after_sync(self, view: SyncView, report: SyncReport | None, *, confirm: bool) -> None:
        """Judge a sync (``report`` is None when it crashed); raises AssertionError."""
        end = {role: self.held(role) for role in Role}
        plan = report.kinds[0].plan if report is not None else None
        self.check_write_counts(view, confirm=confirm)
        self.check_changes_explained(view, end)
        if plan is not None:
            self.check_conflicts(view, end, plan)
        self.settle_pending(view, end, plan)

    def check_write_counts(self, view: SyncView, *, confirm: bool) -> None:
        writes = {r: s.write_calls - view.write_calls[r] for r, s in self.sides.items()}
        deleted = {r: s.delete_requests - view.delete_requests[r] for r, s in self.sides.items()}
        direction = self.kind_options.direction
        for role in Role:
            if not self.promised(role.other):
                assert writes[role] == 0, f"direction {direction} yet {role} was written"
            if view.listings[role] in ("incomplete", "fail"):
                assert deleted[role.other] == 0, f"{role} listing {view.listings[role]}: deleted"
        if "fail" in view.listings.values():
            assert sum(writes.values()) == 0, f"a listing failed yet {writes} writes were made"
        if not confirm:
            budget = self.options.max_delete.allowed(view.link_count)
            assert all(count <= budget for count in deleted.values()), (deleted, budget)

    def check_changes_explained(self, view: SyncView, end: dict[Role, Held]) -> None:
        """Every item the engine created, changed, completed or deleted had a reason to be."""
        on_delete = self.kind_options.on_delete
        for role in Role:
            other = role.other
            for prefix in view.items[role].keys() | end[role].keys():
                before = view.items[role].get(prefix, (None, None))[1]
                after = end[role].get(prefix, (None, None))[1]
                if before == after:
                    continue
                partner = view.items[other].get(prefix, (None, None))[1]
                seen = prefix in view.visible[other]
                where = f"{prefix} in {role}"
                if before is None:
                    assert after is not None
                    assert view.listings[role] != "incomplete", f"{where} created: listing partial"
                    assert partner and seen and all(self.same(after, partner, n) for n in after), (
                        f"{where} created from nothing: {after}, partner {partner}"
                    )
                elif after is None:
                    assert partner is None, f"{where} deleted, yet its partner is there: {partner}"
                    assert on_delete is DeletePolicy.DELETE, f"{where} deleted under {on_delete}"
                else:
                    for name in (n for n in after if after[n] != before[n]):
                        if name == "done" and after[name] is True and partner is None:
                            assert on_delete is DeletePolicy.COMPLETE, f"{where} completed"
                            continue
                        assert partner and seen and self.same(after, partner, name), (
                            f"{where}.{name} set to {after[name]!r} from nothing: "
                            f"partner {partner} (listed: {seen})"
                        )

    def check_conflicts(self, view: SyncView, end: dict[Role, Held], plan: Plan) -> None:
        """Each conflict went to the policy's winner; each parked pair, if listed, is reported."""
        reported = set()
        for conflict in plan.conflicts:
            prefix = prefix_of({"text": conflict.label})
            reported.add(prefix)
            expected = self.winner(view, prefix)
            assert conflict.winner is expected, (
                f"{prefix}.{conflict.field}: conflict won by {conflict.winner}, but "
                f"{self.kind_options.conflict} / {self.kind_options.direction} picks {expected}"
            )
        refused = {self.prefix_at(r.side, r.item_id) for r in plan.refusals}
        omi_items = self.sides[Role.OMI].items[self.kind]
        for link in self.links():
            if link.state is not LinkState.CONFLICT or link.omi_id not in omi_items:
                continue
            prefix = prefix_of(omi_items[link.omi_id])
            listed = all(prefix in view.visible[role] for role in Role)
            if listed and prefix not in refused:
                assert prefix in reported, f"{prefix} parked but not reported again"

    def prefix_at(self, role: Role, item_id: str) -> str | None:
        held = self.sides[role].items[self.kind].get(item_id)
        return prefix_of(held) if held is not None else None

    # --- pending edits ----------------------------------------------------------------------

    def settle_pending(self, view: SyncView, end: dict[Role, Held], plan: Plan | None) -> None:
        links = self.links_by_item()
        for prefix, fields in self.pending.items():
            for name, by_role in fields.items():
                for role, value in list(by_role.items()):
                    if self.settled(view, end, plan, links, role, prefix, name, value):
                        del by_role[role]

    def settled(
        self,
        view: SyncView,
        end: dict[Role, Held],
        plan: Plan | None,
        links: dict[Role, dict[str, Link]],
        role: Role,
        prefix: str,
        name: str,
        value: Any,
    ) -> bool:
        """Judge one pending edit after a sync; return whether the engine is done with it."""
        now = end[role].get(prefix)
        edit = f"{prefix}.{name}={value!r} in {role}"
        if now is None:
            assert not self.promised(role), (
                f"{edit}: the engine deleted it (an edit beats a delete)"
            )
            return True
        item_id, held = now
        if held[name] != value:
            self.check_overwrite(view, plan, role, prefix, name, value)
            self.diverged.discard((prefix, name))
            return True
        link = links[role].get(item_id)
        if link is None or name not in base_of(link, role) or base_of(link, role)[name] != value:
            return False
        partner = end[role.other].get(prefix)
        delivered = partner is not None and self.same(held, partner[1], name)
        if self.promised(role):
            assert delivered, f"{edit}: taken as the base, but the other side holds {partner}"
        elif not delivered:
            self.diverged.add((prefix, name))
        return True

    def check_overwrite(
        self, view: SyncView, plan: Plan | None, role: Role, prefix: str, name: str, value: Any
    ) -> None:
        """The engine overwrote a user's edit: allowed only as the module docstring says."""
        other = role.other
        edit = f"{prefix}.{name}={value!r} in {role}"
        item_id, start = view.items[role][prefix]
        partner_id, partner = view.items[other].get(prefix, (None, None))
        link = view.links[role].get(item_id)
        if link is not None and id_of(link, other) in (partner_id, None):
            base, partner_base = base_of(link, role), base_of(link, other)
        else:  # matched in this sync: the bases are the matching key
            base = {key: start[key] for key in KEY_FIELDS[self.kind]}
            partner_base = {key: (partner or {}).get(key) for key in KEY_FIELDS[self.kind]}
        if start[name] == base.get(name):
            return  # the engine could not tell this value from no edit at all
        if partner is None and name == "done" and not self.promised(role):
            return  # completed for its deleted partner: the direction did not promise the edit
        assert partner is not None and prefix in view.visible[other], f"{edit}: overwritten blind"
        assert partner[name] != partner_base.get(name) and partner[name] != start[name], (
            f"{edit}: overwritten by {partner[name]!r} from {other}, which did not change it"
        )
        expected = self.winner(view, prefix)
        assert expected is other, f"{edit}: lost to {other}, but the policy picks {expected}"
        if plan is not None:
            reported = {(prefix_of({"text": c.label}), c.field, c.winner) for c in plan.conflicts}
            assert (prefix, name, other) in reported, f"{edit}: lost in an unreported conflict"

    # --- after quiet syncs ------------------------------------------------------------------

    def check_converged(self, plan: Plan) -> None:
        """After quiet syncs (``plan`` is the last one's): see the module docstring."""
        links = self.links()
        linked = {role: {id_of(link, role) for link in links} for role in Role}
        refused = {self.prefix_at(r.side, r.item_id) for r in plan.refusals}
        parked = {
            self.prefix_at(Role.OMI, link.omi_id)
            for link in links
            if link.state is LinkState.CONFLICT and link.omi_id is not None
        }
        exempt = refused | parked | self.held_by_max_delete(links)
        kept_back = {
            role: {
                prefix_of(p)
                for i, p in self.sides[role].items[self.kind].items()
                if i not in linked[role] and self.kept_back(p)
            }
            for role in Role
        }
        for prefix, fields in self.pending.items():
            for name, by_role in fields.items():
                for role, value in by_role.items():
                    if self.promised(role) and prefix not in exempt | kept_back[role]:
                        raise AssertionError(
                            f"{prefix}.{name}={value!r} in {role} never reached the other side"
                        )
        for role in Role:
            if not self.promised(role):
                continue
            for item_id, held in self.sides[role].items[self.kind].items():
                unsynced = item_id not in linked[role] and not self.kept_back(held)
                assert not unsynced or prefix_of(held) in refused, f"{role} {held} never linked"
        self.check_pairs_agree(links, exempt)

    def held_by_max_delete(self, links: list[Link]) -> set[str | None]:
        """Survivors of deleted partners when more partners are missing from one side than
        ``max_delete`` allows: a run may then leave every one of them alone (deletions and
        edit-beats-delete recreations alike) until the user confirms."""
        budget = self.options.max_delete.allowed(len(links))
        waiting: set[str | None] = set()
        for role in Role:
            items = self.sides[role].items[self.kind]
            missing = [link for link in links if id_of(link, role) not in (None, *items)]
            if len(missing) > budget:
                waiting.update(
                    self.prefix_at(role.other, id_of(link, role.other) or "") for link in missing
                )
        return waiting

    def kept_back(self, held: Projection) -> bool:
        return bool(held.get("done")) and not self.kind_options.create_completed

    def check_pairs_agree(self, links: list[Link], exempt: set[str | None]) -> None:
        items = {role: self.sides[role].items[self.kind] for role in Role}
        for link in links:
            omi_now = items[Role.OMI].get(link.omi_id or "")
            peer_now = items[Role.PEER].get(link.peer_id or "")
            if omi_now is None or peer_now is None or prefix_of(omi_now) in exempt:
                continue
            prefix = prefix_of(omi_now)
            for name in omi_now:
                if self.same(omi_now, peer_now, name):
                    continue
                one_way = self.kind_options.direction is not Direction.BOTH
                assert one_way and (prefix, name) in self.diverged, (
                    f"{prefix}.{name} differs after quiet syncs: {omi_now} vs {peer_now}"
                )
