"""The sample account of ``omisync emulator --sample-data`` and ``omisync demo``.

A small, realistic account dated relative to "now": a dozen memories of mixed categories
(manual and extracted, one locked), a dozen action items (with and without due dates, some
completed, one locked), two folders and three conversations with transcripts that went
through the pipeline (so they also yield linked action items and extracted memories).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from omisync.emulator.identity import new_uuid
from omisync.emulator.ingest import NewConversation, ingest_conversation, new_segment
from omisync.emulator.models import MemoryCategory
from omisync.emulator.seed import (
    SeedActionItem,
    SeedFolder,
    SeedMemory,
    SeedPayload,
    SeedResult,
    apply_seed,
)
from omisync.emulator.store import Store

_MEMORIES: tuple[tuple[str, str, bool, int], ...] = (
    # (content, category, manually_added, age in days)
    ("Prefers oat milk in coffee and drinks it black after 3pm.", "system", True, 40),
    ("Lives in Lisbon and works remotely for a Berlin design studio.", "system", True, 38),
    ("Allergic to penicillin.", "system", True, 35),
    ("Sister Ana's birthday is on 14 March.", "system", True, 30),
    ("Octopuses have three hearts and blue blood.", "interesting", True, 21),
    ("Runs 5 km every Tuesday and Saturday morning.", "habits", True, 18),
    ("Reads before bed instead of scrolling the phone.", "habits", False, 15),
    ("Quarterly planning happens in the first week of each quarter.", "work", True, 12),
    ("Learned that the Lisbon tram 28 is fastest before 8am.", "interesting", False, 9),
    ("Wants to learn to sail this summer.", "interests", True, 6),
    (
        "Private health notes from the annual check-up: blood pressure fine, "
        "vitamin D low, retest in six months.",
        "system",
        True,
        4,
    ),
    ("Favourite restaurant for client dinners is Taberna da Rua.", "work", True, 2),
)
_LOCKED_MEMORY_INDEX = 10

_ACTION_ITEMS: tuple[tuple[str, int | None, bool, int], ...] = (
    # (description, due in days (None = undated), completed, age in days)
    ("Renew passport", 20, False, 14),
    ("Book dentist appointment", 3, False, 10),
    ("Send Q3 report to Marta", 1, False, 6),
    ("Call mom about the weekend", 0, False, 2),
    ("Buy a birthday present for Ana", 9, False, 5),
    ("Fix the leaking kitchen tap", None, False, 8),
    ("Read 'Designing Data-Intensive Applications' chapter 5", None, False, 4),
    ("Cancel the unused streaming subscription", None, False, 3),
    ("Pay the electricity bill", -2, True, 12),
    ("Submit expense report", -5, True, 15),
    ("Water the plants", None, True, 1),
    ("Review the confidential acquisition memo", 2, False, 1),
)
_LOCKED_ACTION_ITEM_INDEX = 11

_CONVERSATIONS: tuple[tuple[int, str | None, tuple[tuple[bool, str], ...]], ...] = (
    # (age in days, folder key, segments as (is_user, text))
    (
        3,
        "work",
        (
            (False, "Morning! Let's go over the launch plan for the new client portal."),
            (True, "Sure. The design review went well and the team liked the new layout."),
            (False, "Great. We need to finalize the pricing page by Friday."),
            (True, "I'll send the updated mockups to Marta tomorrow."),
            (False, "Also remind me to book the meeting room for the demo."),
        ),
    ),
    (
        1,
        "personal",
        (
            (True, "I love the new bakery on our street, the sourdough is amazing."),
            (False, "We should invite the neighbours for dinner next week."),
            (True, "Good idea. I need to buy wine and flowers on Saturday."),
            (False, "Did you know the bakery opens at six every day?"),
        ),
    ),
    (
        0,
        None,
        (
            (True, "Quick note on my health plan for the month."),
            (True, "I usually sleep better when I stop coffee after lunch."),
            (True, "I have to schedule a follow-up with the doctor tomorrow."),
        ),
    ),
)


def load_sample_data(store: Store, now: datetime) -> SeedResult:
    """Store the sample account (dates relative to ``now``); return the ids it created.

    ``conversations`` lists the pipeline-made conversations; the action items and memories
    the pipeline extracted from them are not in the result.
    """
    day = timedelta(days=1)
    folders = {"work": new_uuid(), "personal": new_uuid()}
    payload = SeedPayload(
        folders=[
            SeedFolder(id=folders["work"], name="Work", color="#2563EB", icon="💼", position=0),
            SeedFolder(
                id=folders["personal"], name="Personal", color="#16A34A", icon="🏡", position=1
            ),
        ],
        memories=[
            SeedMemory(
                content=content,
                category=MemoryCategory(category),
                manually_added=manual,
                reviewed=manual,
                user_review=True if manual else None,
                created_at=now - age * day,
                is_locked=index == _LOCKED_MEMORY_INDEX,
            )
            for index, (content, category, manual, age) in enumerate(_MEMORIES)
        ],
        action_items=[
            SeedActionItem(
                description=description,
                completed=completed,
                created_at=now - age * day,
                updated_at=now - (age // 2) * day,
                due_at=None if due is None else _at_five_pm(now + due * day),
                is_locked=index == _LOCKED_ACTION_ITEM_INDEX,
            )
            for index, (description, due, completed, age) in enumerate(_ACTION_ITEMS)
        ],
    )
    result = apply_seed(store, payload, now)
    for age, folder_key, lines in _CONVERSATIONS:
        created = now - age * day
        segments = []
        clock = 0.0
        for is_user, text in lines:
            end = clock + max(2.0, len(text) / 15)
            segments.append(
                new_segment(
                    text,
                    start=clock,
                    end=end,
                    speaker="SPEAKER_00" if is_user else "SPEAKER_01",
                    is_user=is_user,
                )
            )
            clock = end + 0.4
        record = ingest_conversation(
            store,
            NewConversation(
                id=new_uuid(),
                text="\n".join(s.text for s in segments),
                started_at=created - timedelta(seconds=clock),
                finished_at=created,
                source="omi",
                segments=segments,
                folder_id=None if folder_key is None else folders[folder_key],
            ),
            created,
        )
        result.conversations.append(record.id)
    return result


def _at_five_pm(value: datetime) -> datetime:
    return value.replace(hour=17, minute=0, second=0, microsecond=0)
