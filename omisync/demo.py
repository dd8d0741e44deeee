"""``omisync demo``: a local Omi emulator and a sample vault, synced both ways, step by step.

Nothing here reaches the real Omi: the emulator runs on 127.0.0.1 with a sample account. The
vault is left on disk so the user can open it; the closing lines say how to point omisync at a
real account and vault.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from omisync.config import Config, load_config
from omisync.emulator import EmulatorConfig, RateLimitConfig, RunningEmulator, run_emulator
from omisync.logs import configure_logging
from omisync.omi import OmiClient
from omisync.plugins import connector_types, options_model
from omisync.session import Session
from omisync.sync.report import SyncReport

__all__ = ["UNTOUCHED", "DemoError", "run_demo", "write_sample_vault"]

#: A file in the demo folder that marks it as ours, so a re-run may replace it.
MARKER = ".omisync-demo"

Say = Callable[[str], None]

#: How many lines of Omi/Tasks.md the demo shows.
SHOWN_LINES = 12
#: Lines of the sample vault omisync must leave alone: (file, text the line holds).
UNTOUCHED = (
    ("Welcome.md", "A personal task without the tag"),
    ("Journal/{today}.md", "inside a code block"),
)


class DemoError(RuntimeError):
    """The demo cannot run (e.g. its folder exists and is not a demo folder)."""


def write_sample_vault(root: Path, today: date) -> None:
    """Write the sample vault: notes and tasks of the user's own, some omisync must not touch."""
    files = {
        "Welcome.md": """\
            ---
            tags: [home]
            ---
            # Welcome

            This vault belongs to the omisync demo. Tasks tagged #omi anywhere, and every
            task in Omi/Tasks.md, sync with Omi action items.

            - [ ] Plan the garden for spring #omi 📅 {soon}
            - [ ] A personal task without the tag stays out of Omi
            """,
        "Journal/{today}.md": """\
            # {today}

            Morning run, then coffee with Sam.

            - [ ] Buy milk #omi
            - [x] Reply to Sam's email #omi ✅ {today}

            > [!tip] Code blocks are not tasks
            > ```
            > - [ ] this line is inside a code block and never syncs #omi
            > ```
            """,
        "Omi/Tasks.md": """\
            # Tasks

            - [ ] Draft the newsletter 📅 {soon}
            """,
        "Omi/Memories/Coffee.md": """\
            ---
            category: system
            tags: [food]
            ---
            Takes coffee with oat milk in the morning.
            """,
    }
    values = {"today": today.isoformat(), "soon": (today + timedelta(days=3)).isoformat()}
    for name, text in files.items():
        path = root / name.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).format(**values), encoding="utf-8")


def _write_config(folder: Path, emulator: RunningEmulator, vault: Path) -> Path:
    config = folder / "config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""\
            # The demo's config. For a real account, run `omisync init` instead.
            omi:
              base_url: {emulator.base_url}
              api_key: {emulator.api_key}
              timezone: UTC
            state:
              path: {folder / "state.db"}
            connectors:
              vault:
                type: markdown
                path: {vault}
                # The demo edits notes and syncs at once; a real vault waits until a note
                # has been left alone for a few seconds (the default, 5s).
                settle: 0
            """
        ),
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def _prepare(folder: Path) -> None:
    if folder.exists():
        if not (folder / MARKER).exists():
            raise DemoError(
                f"{folder} exists and is not an omisync demo folder; "
                "choose another with --dir or remove it"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by omisync demo; safe to delete\n", encoding="utf-8")


def _sync(config: Config, say: Say) -> list[SyncReport]:
    from omisync.cli.render import summarise

    reports: list[SyncReport] = []
    with Session(config) as session:
        for name in session.connector_names():
            report = session.sync(name)
            reports.append(report)
            for line in summarise(report):
                say(f"   {line}")
    return reports


def _untouched_lines(vault: Path, today: date) -> dict[str, bytes]:
    """The bytes of each :data:`UNTOUCHED` line, by vault-relative file."""
    found = {}
    for name, text in UNTOUCHED:
        rel = name.format(today=today.isoformat())
        lines = (vault / rel).read_bytes().splitlines(keepends=True)
        found[rel] = next(line for line in lines if text.encode() in line)
    return found


def _show_tasks_file(tasks_file: Path, folder: Path, say: Say) -> None:
    lines = tasks_file.read_text(encoding="utf-8").splitlines()
    say(f"\n   {tasks_file.relative_to(folder)} now reads:")
    for line in lines[:SHOWN_LINES]:
        say(f"     {line}")
    if len(lines) > SHOWN_LINES:
        say(f"     … {len(lines) - SHOWN_LINES} more")


def _omi_texts(omi: OmiClient) -> tuple[set[str], set[str]]:
    """The texts of Omi's action items and memories."""
    return (
        {item.description for item in omi.action_items.scan().items},
        {memory.content for memory in omi.memories.scan().items},
    )


def _tick(task_file: Path, text: str) -> bool:
    """Tick the open task whose line contains ``text``; return whether one was found."""
    lines = task_file.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if "- [ ]" in line and text in line:
            lines[index] = line.replace("- [ ]", "- [x]", 1)
            task_file.write_text("".join(lines), encoding="utf-8")
            return True
    return False


def _drop_transcript(vault: Path) -> Path:
    """Put a short ``Speaker: text`` transcript into the inbox; return its path."""
    path = vault / "Omi" / "Inbox" / "Garden chat with Sam.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "Sam: The community garden opens on Saturday morning at nine.\n"
        "Me: Great, the tomato and basil seedlings are ready to plant.\n"
        "Sam: Bring gloves, the soil near the fence is full of stones.\n",
        encoding="utf-8",
    )
    return path


def run_demo(folder: Path, say: Say = print) -> int:
    """Run the demo in ``folder`` (replaced if it is an earlier demo's); return an exit code.

    Raises :class:`DemoError` when ``folder`` holds something else.
    """
    folder = folder.resolve()
    _prepare(folder)
    vault = folder / "vault"
    today = date.today()
    write_sample_vault(vault, today)
    emulator_config = EmulatorConfig(sample_data=True, rate_limits=RateLimitConfig(profile="off"))
    with run_emulator(emulator_config) as emulator:
        configure_logging(verbosity=0, secrets={emulator.api_key})
        config = load_config(
            _write_config(folder, emulator, vault),
            env={},
            options_schema=options_model,
            known_types=connector_types,
        )
        with OmiClient(emulator.base_url, emulator.api_key) as omi:
            items = omi.action_items.scan().items
            memories = omi.memories.scan().items
            conversations = omi.conversations.scan().items
            say("omisync demo: a local Omi emulator and a sample vault, synced both ways.\n")
            say(
                f"1. Omi emulator at {emulator.base_url}, sample account with "
                f"{len(items)} action items, {len(memories)} memories and "
                f"{len(conversations)} conversations."
            )
            say(
                f"2. Sample vault at {vault}: a few notes with tasks of their own,\n"
                "   including lines omisync must not touch (untagged tasks, a code block)."
            )
            untouched = _untouched_lines(vault, today)
            tasks_before, notes_before = _omi_texts(omi)
            say("\n3. First sync — what moved each way:")
            _sync(config, say)
            tasks_after, notes_after = _omi_texts(omi)
            say("   From the vault to Omi:")
            for text in sorted(tasks_after - tasks_before):
                say(f"     task '{text}'")
            for text in sorted(notes_after - notes_before):
                say(f"     memory '{text}'")
            tasks_file = vault / "Omi" / "Tasks.md"
            _show_tasks_file(tasks_file, folder, say)
            notes = sorted((vault / "Omi" / "Conversations").glob("*.md"))
            say(f"\n   {len(notes)} conversation notes (overview, action items, transcript):")
            for note in notes:
                say(f"     {note.relative_to(folder)}")

            say("\n4. An edit on each side:")
            journal = vault / "Journal" / f"{today.isoformat()}.md"
            if _tick(journal, "Buy milk"):
                say(f"   in the vault: ticked 'Buy milk' in {journal.relative_to(folder)}")
            omi.action_items.create("Call the plumber about the boiler")
            say("   in Omi:       added the action item 'Call the plumber about the boiler'")
            dropped = _drop_transcript(vault)
            say("   in the vault: dropped a 'Speaker: text' transcript into the inbox,")
            say(f"                 {dropped.relative_to(folder)}")
            say("\n5. Second sync:")
            _sync(config, say)
            milk = [
                item for item in omi.action_items.scan().items if item.description == "Buy milk"
            ]
            if milk:
                state = "completed" if milk[0].completed else "still open"
                say(f"   Omi now has 'Buy milk' {state}.")
            plumber = [
                line.strip()
                for line in tasks_file.read_text(encoding="utf-8").splitlines()
                if "plumber" in line
            ]
            if plumber:
                say(f"   The vault now has: {plumber[0]}")
            before = {c.id for c in conversations}
            arrived = [c for c in omi.conversations.scan().items if c.id not in before]
            for conversation in arrived:
                say(f"   Omi now has the conversation '{conversation.structured.title}'; the file")
                say(f"   moved to {dropped.parent.relative_to(folder)}/Sent/ with a link to it.")
            say("\n6. A third sync finds both sides agreeing and writes nothing:")
            _sync(config, say)
            say("\n   Lines omisync must not touch are byte for byte as written:")
            for rel, line in untouched.items():
                now = _untouched_lines(vault, today)[rel]
                verdict = "unchanged" if now == line else "CHANGED"
                say(f"     {verdict}: {line.decode().strip()}  ({rel})")

    say(
        textwrap.dedent(
            f"""
            The vault is at {vault} — open it in Obsidian to look around.

            To sync your own Omi account and vault:
              1. In the Omi app: Settings > Developer > Create Key (with write scopes),
                 then export OMI_API_KEY=omi_dev_...
              2. omisync init    # writes ~/.config/omisync/config.yaml, every option explained
                 and set your vault's path in it; a vault connector needs only two lines:
                   connectors:
                     vault:
                       type: markdown
                       path: ~/Documents/Vault
              3. omisync config check           # every problem at once, with the fix
                 omisync run --once --dry-run   # see what would happen
                 omisync run --once             # do it
            """
        ).rstrip()
    )
    return 0
