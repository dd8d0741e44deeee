"""``omisync run --once`` as a subprocess: both directions, quiet reruns, dry runs, --connector
and the max_delete guard, against the Omi emulator and the test-only ``jsonfile`` connector."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
from jsonfile_connector import write_box
from run_harness import BOX, SyncHarness, output

from omisync.cli.exit_codes import ExitCode
from omisync.sync.missing import UNSURE_SAMPLE


def task(text: str, *, done: bool = False, due: str | None = None) -> dict[str, object]:
    """A box task's fields."""
    return {"text": text, "done": done, "due": due}


def note(text: str, *tags: str) -> dict[str, object]:
    """A box note's fields."""
    return {"text": text, "category": None, "tags": list(tags), "visibility": "private"}


def file_state(path: Path) -> tuple[bytes, int]:
    """A file's bytes and modification time: equal before and after means untouched."""
    return path.read_bytes(), path.stat().st_mtime_ns


def folder_state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of ``folder`` with its bytes and modification time."""
    return {path.name: file_state(path) for path in sorted(folder.iterdir())}


def plan_summary(stdout: str, kinds: str) -> set[str]:
    """The parts of a dry run's summary line for ``kinds``, e.g. ``{"1 create in Omi"}``."""
    prefix = f"{kinds} ⇄ {BOX}: "
    [line] = [line for line in stdout.splitlines() if line.startswith(prefix)]
    return set(line.removeprefix(prefix).split(", "))


def edit_omi_task(harness: SyncHarness, item_id: str, **fields: object) -> None:
    """PATCH an action item through the public API, as the Omi app would."""
    response = httpx.patch(
        f"{harness.emulator.base_url}/user/action-items/{item_id}",
        json=fields,
        headers={"Authorization": f"Bearer {harness.emulator.api_key}"},
    )
    response.raise_for_status()


def test_first_run_creates_both_ways_and_a_second_run_writes_nothing(
    harness: SyncHarness,
) -> None:
    harness.emulator.seed(
        {
            "action_items": [
                {"description": "Water the plants", "due_at": "2025-03-01T11:00:00Z"},
                {"description": "Call the bank"},
            ],
            "memories": [{"content": "Prefers window seats"}],
        }
    )
    harness.add_to_box("task", task("Buy stamps", due="2025-03-02"), task("Pay rent"))
    harness.add_to_box("note", note("Allergic to cats", "health"))

    first = harness.run()

    assert first.returncode == ExitCode.OK, output(first)
    assert f"{BOX} · tasks: 2 created in Omi, 2 created in {BOX}" in first.stdout
    assert f"{BOX} · notes: 1 created in Omi, 1 created in {BOX}" in first.stdout
    omi_tasks = {item["description"]: item for item in harness.omi_tasks()}
    assert sorted(omi_tasks) == ["Buy stamps", "Call the bank", "Pay rent", "Water the plants"]
    # A date-only due reaches Omi as local noon (Europe/Berlin, winter: 11:00 UTC).
    assert omi_tasks["Buy stamps"]["due_at"].startswith("2025-03-02T11:00:00")
    assert sorted(m["content"] for m in harness.omi_notes()) == [
        "Allergic to cats",
        "Prefers window seats",
    ]
    box = harness.box()
    assert {item["text"]: item["due"] for item in box["task"].values()} == {
        "Buy stamps": "2025-03-02",
        "Pay rent": None,
        "Water the plants": "2025-03-01",
        "Call the bank": None,
    }
    assert sorted(item["text"] for item in box["note"].values()) == [
        "Allergic to cats",
        "Prefers window seats",
    ]

    harness.emulator.clear_stats()
    before = file_state(harness.box_path)
    second = harness.run()

    assert second.returncode == ExitCode.OK, output(second)
    assert harness.omi_writes() == 0
    assert file_state(harness.box_path) == before
    assert second.stdout.splitlines() == [f"{BOX} · tasks: in sync", f"{BOX} · notes: in sync"]


def test_dry_run_on_a_fresh_install_prints_the_plan_and_creates_nothing(
    harness: SyncHarness,
) -> None:
    harness.emulator.seed({"action_items": [{"description": "Renew passport"}]})
    harness.add_to_box("task", task("Book flights", due="2025-06-01"))
    harness.add_to_box("note", note("Speaks Portuguese"))
    harness.emulator.clear_stats()
    before = file_state(harness.box_path)

    result = harness.run("--dry-run")

    assert result.returncode == ExitCode.OK, output(result)
    assert f"tasks ⇄ {BOX}: 1 create in {BOX}, 1 create in Omi" in result.stdout
    assert '+ Omi create  "Book flights" due 2025-06-01' in result.stdout
    assert f'+ {BOX} create  "Renew passport"' in result.stdout
    assert f"notes ⇄ {BOX}: 1 create in Omi" in result.stdout
    assert not harness.state_path.parent.exists()
    assert harness.omi_writes() == 0
    assert [t["description"] for t in harness.omi_tasks()] == ["Renew passport"]
    assert file_state(harness.box_path) == before


def test_dry_run_words_every_kind_of_change_and_the_real_run_then_does_it(
    harness: SyncHarness,
) -> None:
    keep, edit, drop = harness.add_to_box(
        "task", task("Fix the bike"), task("Email Ana"), task("Old errand")
    )
    assert harness.run().returncode == ExitCode.OK
    links = {item["description"]: item["id"] for item in harness.omi_tasks()}
    edit_omi_task(harness, links["Fix the bike"], completed=True)
    box = harness.box()
    box["task"][edit]["text"] = "Email Ana about the lease"
    del box["task"][drop]
    write_box(harness.box_path, box)
    harness.add_to_box("task", task("Water the lemon tree"), task("x" * 501))
    harness.emulator.seed({"action_items": [{"description": "water the lemon tree"}]})
    harness.emulator.clear_stats()
    box_before, state_before = file_state(harness.box_path), folder_state(harness.state_path.parent)

    dry = harness.run("--dry-run")

    assert dry.returncode == ExitCode.PARTIAL, output(dry)  # the long task is refused
    assert plan_summary(dry.stdout, "tasks") == {
        f"1 update in {BOX}",
        "1 update in Omi",
        "1 delete in Omi",
        "1 link existing pair",
        "1 refused",
    }
    assert f'~ {BOX} update  "Fix the bike": done → true' in dry.stdout
    assert '~ Omi update  "Email Ana": text → "Email Ana about the lease"' in dry.stdout
    assert '- Omi delete  "Old errand"' in dry.stdout
    assert '= both link    "water the lemon tree"' in dry.stdout
    assert "is 501 characters; Omi accepts at most 500" in dry.stdout
    assert harness.omi_writes() == 0
    assert file_state(harness.box_path) == box_before
    # Not a byte of the state DB (not even the rate limiter's counts), and no file beside it.
    assert folder_state(harness.state_path.parent) == state_before

    real = harness.run()

    assert real.returncode == ExitCode.PARTIAL, output(real)
    assert (
        f"{BOX} · tasks: 1 deleted in Omi, 1 linked, 1 updated in Omi, 1 updated in {BOX}, "
        "1 refused"
    ) in real.stdout
    assert harness.box()["task"][keep]["done"] is True
    assert sorted(t["description"] for t in harness.omi_tasks()) == [
        "Email Ana about the lease",
        "Fix the bike",
        "water the lemon tree",
    ]
    assert harness.box()["task"][keep]["done"] is True
    assert sorted(t["description"] for t in harness.omi_tasks()) == [
        "Email Ana about the lease",
        "Fix the bike",
        "water the lemon tree",
    ]


def test_connector_option_syncs_only_the_named_connector(harness: SyncHarness) -> None:
    attic_path = harness.root / "attic.json"
    attic_path.write_text('{"task": {"a1": {"text": "Sort the attic", "done": false}}}')
    harness.configure(
        connectors={BOX: harness.box_settings(), "attic": harness.box_settings(attic_path)}
    )
    harness.add_to_box("task", task("Clean the box"))
    before = file_state(harness.box_path)

    result = harness.run("--connector", "attic")

    assert result.returncode == ExitCode.OK, output(result)
    assert BOX not in result.stdout.replace("attic", "")
    assert [t["description"] for t in harness.omi_tasks()] == ["Sort the attic"]
    assert file_state(harness.box_path) == before


def test_an_unknown_connector_name_is_a_usage_error_that_changes_nothing(
    harness: SyncHarness,
) -> None:
    harness.add_to_box("task", task("Clean the box"))

    result = harness.run("--connector", "garage")

    assert result.returncode == ExitCode.USAGE
    assert "no connector named 'garage' in the config (configured: box)" in result.stderr
    assert harness.omi_tasks() == []
    assert not harness.state_path.exists()


def test_max_delete_holds_back_a_mass_deletion_until_confirmed(harness: SyncHarness) -> None:
    harness.configure(max_delete={"count": 5, "percent": 50})
    harness.add_to_box("task", *(task(f"Chore {n}") for n in range(12)))
    assert harness.run().returncode == ExitCode.OK
    write_box(harness.box_path, {"task": {}, "note": {}})
    harness.emulator.clear_stats()

    held = harness.run()

    assert held.returncode == ExitCode.PARTIAL, output(held)
    assert (
        f"{BOX} · tasks: error: 12 linked tasks are missing from {BOX}'s listing and at "
        "least 6 of them are deleted there, more than max_delete allows deleting in Omi"
    ) in held.stdout
    assert "run again with --confirm-deletes" in held.stdout
    assert held.stdout.count("--confirm-deletes") == 1
    assert harness.omi_writes() == 0
    assert len(harness.omi_tasks()) == 12

    confirmed = harness.run("--confirm-deletes")

    assert confirmed.returncode == ExitCode.OK, output(confirmed)
    assert f"{BOX} · tasks: 12 deleted in Omi" in confirmed.stdout
    assert harness.omi_tasks() == []


def test_a_dry_run_spends_from_the_persisted_rate_budget_without_recording_its_own(
    harness: SyncHarness,
) -> None:
    harness.add_to_box("task", task("Defrost the freezer"))
    assert harness.run().returncode == ExitCode.OK
    with closing(sqlite3.connect(f"file:{harness.state_path}?mode=ro&immutable=1", uri=True)) as db:
        [(spent,)] = db.execute("SELECT sum(count) FROM rate_usage WHERE bucket = 'per_day'")
    harness.configure(omi={"rate_limit": {"per_minute": 100_000, "per_day": spent}})
    before = folder_state(harness.state_path.parent)
    harness.emulator.clear_stats()

    dry = harness.run("--dry-run")

    # What the real run spent today counts: the dry run sends nothing it knows would be refused.
    assert dry.returncode == ExitCode.UNAVAILABLE, output(dry)
    assert f"'per_day' ({spent} requests per 86400 s) is spent" in dry.stdout
    assert harness.emulator.stats()["total"] == 0
    assert folder_state(harness.state_path.parent) == before


def test_a_dry_run_on_a_state_db_of_an_older_omisync_plans_from_an_upgraded_copy(
    harness: SyncHarness,
) -> None:
    harness.add_to_box("task", task("Oil the hinges"))
    assert harness.run().returncode == ExitCode.OK
    with closing(sqlite3.connect(harness.state_path)) as db, db:  # as omisync before m008
        db.execute("ALTER TABLE runs DROP COLUMN problems")
        db.execute("DELETE FROM migrations WHERE name = 'm008_add_run_problems'")
    harness.add_to_box("task", task("Sweep the porch"))
    before = folder_state(harness.state_path.parent)

    dry = harness.run("--dry-run")

    assert dry.returncode == ExitCode.OK, output(dry)
    assert f"note: the state DB {harness.state_path} is from an older omisync" in dry.stdout
    assert "the next run without --dry-run upgrades it" in dry.stdout
    assert plan_summary(dry.stdout, "tasks") == {"1 create in Omi"}
    assert folder_state(harness.state_path.parent) == before
    assert harness.run().returncode == ExitCode.OK
    assert len(harness.omi_tasks()) == 2


def test_a_lapsed_plan_locking_every_action_item_costs_a_few_probes_and_deletes_nothing(
    harness: SyncHarness,
) -> None:
    ids = harness.emulator.seed(
        {"action_items": [{"description": f"Errand {n}"} for n in range(100)]}
    )["action_items"]
    assert harness.run().returncode == ExitCode.OK
    for item_id in ids:
        harness.emulator.lock("action_item", item_id)
    box_before = file_state(harness.box_path)
    harness.emulator.clear_stats()

    result = harness.run()

    probes = [r for r in harness.emulator.stats()["requests"] if r["method"] == "PATCH"]
    assert len(probes) == UNSURE_SAMPLE, output(result)  # not 100
    assert {probe["status"] for probe in probes} == {402}
    assert harness.omi_writes() == len(probes)  # the probes change nothing; nothing else
    assert result.returncode == ExitCode.PARTIAL, output(result)
    assert (
        f"{BOX} · tasks: error: 100 linked tasks are missing from Omi's listing, more than "
        f"max_delete allows deleting in {BOX}"
    ) in result.stdout
    assert "10 locked (hidden from listings, e.g. by a lapsed paid plan)" in result.stdout
    assert file_state(harness.box_path) == box_before
    assert sorted(item["id"] for item in harness.omi_tasks()) == sorted(ids)
