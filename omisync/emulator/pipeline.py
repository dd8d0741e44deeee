"""A small deterministic stand-in for the backend's LLM conversation pipeline.

Given a conversation's text it decides, with plain rules (same input -> same output):

- **discard**: fewer than :data:`MIN_CONTENT_WORDS` content words (words of 3+ letters that
  are not fillers/stopwords), e.g. "hi", "ok thanks, bye" -> discarded, never listed;
- **title**: the first sentence, at most :data:`TITLE_MAX_WORDS` words. A longer sentence is
  cut at its last clause break within them (after a word ending in ``,`` ``;`` ``:`` or a
  dash, or before "and", "but", "so" ...) that keeps at least 4 words, else after the 8th
  word; words that cannot end a phrase ("and", "the", "to" ...) are dropped from the end of
  a cut title. Trailing punctuation is always stripped ("I love the new bakery on our
  street, the bread is great." -> "I love the new bakery on our street");
- **overview**: the first three sentences (at most 400 characters);
- **category** and **emoji**: the category whose keyword list matches most words
  (ties: table order), else ``other``;
- **action items**: every sentence that starts (after an optional ``and``/``so``/``also``/
  ``ok``) with one of :data:`ACTION_TRIGGERS` ("I need to", "remind me to", "TODO", "I'll",
  "we should" ...); the description is the rest of the sentence, capitalised. A due date is
  set when the description says today/tonight/tomorrow/next week/a weekday: that day (relative
  to the conversation start, UTC) at 17:00 UTC;
- **memories** (at most 4): sentences about the speaker (:data:`SELF_FACT_PREFIXES`, category
  ``system``) or sentences flagged as facts (:data:`INTERESTING_MARKERS`, ``interesting``);
  sentences already used as action items are skipped.

It also categorises memories posted without a category (:func:`categorize_memory`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from omisync.emulator.timeutil import as_utc

MIN_CONTENT_WORDS = 4
MAX_MEMORIES = 4
DUE_HOUR_UTC = 17

ACTION_TRIGGERS: tuple[str, ...] = (
    "remind me to",
    "don't forget to",
    "i need to",
    "i have to",
    "i must",
    "i'll",
    "i will",
    "we need to",
    "we should",
    "todo:",
    "to-do:",
    "todo",
)
_LEADING_FILLERS: tuple[str, ...] = ("and ", "so ", "also ", "ok ", "okay ", "oh ")

SELF_FACT_PREFIXES: tuple[str, ...] = (
    "i am ",
    "i'm ",
    "i like ",
    "i love ",
    "i prefer ",
    "i hate ",
    "i live ",
    "i work ",
    "i usually ",
    "i always ",
    "i never ",
    "my ",
)
INTERESTING_MARKERS: tuple[str, ...] = (
    "did you know",
    "fun fact",
    "interesting",
    "i learned",
    "turns out",
)

_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "but",
        "for",
        "are",
        "was",
        "were",
        "you",
        "your",
        "yours",
        "our",
        "ours",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "have",
        "has",
        "had",
        "not",
        "yes",
        "yeah",
        "yep",
        "nope",
        "okay",
        "hey",
        "hello",
        "thanks",
        "thank",
        "bye",
        "goodbye",
        "just",
        "like",
        "well",
        "uhm",
        "umm",
        "hmm",
        "its",
        "it's",
        "i'm",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "how",
        "all",
        "any",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "does",
        "did",
        "doing",
        "done",
        "too",
        "very",
        "really",
        "sure",
        "right",
    ]
)

CATEGORY_KEYWORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "work",
        frozenset(
            [
                "meeting",
                "project",
                "deadline",
                "client",
                "team",
                "manager",
                "report",
                "office",
                "roadmap",
                "launch",
                "sprint",
                "colleague",
                "standup",
                "review",
            ]
        ),
    ),
    (
        "business",
        frozenset(
            [
                "revenue",
                "sales",
                "customer",
                "customers",
                "market",
                "marketing",
                "budget",
                "quarter",
                "investor",
                "investors",
                "product",
                "pricing",
            ]
        ),
    ),
    (
        "technology",
        frozenset(
            [
                "code",
                "software",
                "app",
                "bug",
                "deploy",
                "server",
                "api",
                "computer",
                "laptop",
                "database",
                "release",
            ]
        ),
    ),
    (
        "health",
        frozenset(
            [
                "doctor",
                "dentist",
                "gym",
                "workout",
                "sleep",
                "diet",
                "medicine",
                "health",
                "exercise",
                "running",
            ]
        ),
    ),
    (
        "finance",
        frozenset(
            [
                "bank",
                "tax",
                "taxes",
                "invoice",
                "rent",
                "money",
                "savings",
                "payment",
                "bill",
                "bills",
            ]
        ),
    ),
    (
        "family",
        frozenset(
            [
                "mom",
                "dad",
                "mother",
                "father",
                "sister",
                "brother",
                "kids",
                "family",
                "son",
                "daughter",
                "grandma",
            ]
        ),
    ),
    (
        "travel",
        frozenset(
            ["flight", "trip", "hotel", "airport", "travel", "vacation", "passport", "train"]
        ),
    ),
    (
        "education",
        frozenset(
            ["class", "course", "study", "exam", "lecture", "homework", "school", "university"]
        ),
    ),
    ("social", frozenset(["party", "friends", "dinner", "birthday", "wedding"])),
)
CATEGORY_EMOJI: dict[str, str] = {
    "work": "💼",
    "business": "📈",
    "technology": "💻",
    "health": "🏥",
    "finance": "💰",
    "family": "👪",
    "travel": "✈️",
    "education": "📚",
    "social": "🎉",
    "other": "🧠",
}

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: The most words a conversation title has.
TITLE_MAX_WORDS = 8
_TITLE_MIN_CLAUSE_WORDS = 4
_CLAUSE_BREAKS = (",", ";", ":", "-", "\u2013", "\u2014")
_PUNCTUATION = ".,;:!?\u2026-\u2013\u2014\"'()[]{}"
#: Dangling opening brackets/quotes and every other trailing punctuation mark.
_TRAILING_PUNCTUATION = re.compile(r"[\s.,;:!?\u2026\-\u2013\u2014(\[{\"']+$")
#: Words that open a new clause: a title may be cut before them.
_CONJUNCTIONS = frozenset(["and", "but", "so", "or", "because", "while", "then"])
#: Words a cut title must not end with.
_DANGLING_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "as",
        "into",
        "about",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "its",
        "that",
        "which",
        "who",
    ]
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_SPEAKER_PREFIX = re.compile(r"^[A-Z][\w .'-]{0,30}:\s+")
#: Labels that look like "Speaker:" prefixes but are part of the sentence.
_NOT_SPEAKERS = frozenset({"todo", "to-do", "fun fact", "note", "reminder"})
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


@dataclass(frozen=True, slots=True)
class ExtractedActionItem:
    """An action item found in a conversation."""

    description: str
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ExtractedMemory:
    """A memory found in a conversation."""

    content: str
    category: str


@dataclass(frozen=True, slots=True)
class ProcessedConversation:
    """Everything the pipeline derives from a conversation's text."""

    discarded: bool
    title: str
    overview: str
    category: str
    emoji: str
    action_items: tuple[ExtractedActionItem, ...]
    memories: tuple[ExtractedMemory, ...]


def split_sentences(text: str) -> list[str]:
    """Return the non-empty sentences of ``text``, speaker prefixes ("Anna: ") removed."""
    sentences = []
    for raw in _SENTENCE_SPLIT.split(text):
        sentence = raw.strip()
        prefix = _SPEAKER_PREFIX.match(sentence)
        if prefix and prefix.group(0).rstrip(": \t").lower() not in _NOT_SPEAKERS:
            sentence = sentence[prefix.end() :].strip()
        if sentence:
            sentences.append(sentence)
    return sentences


def content_words(text: str) -> list[str]:
    """Return the lower-cased words of 3+ letters that are not stopwords or fillers."""
    words = (w.lower() for w in _WORD.findall(text))
    return [w for w in words if len(w) >= 3 and w not in _STOPWORDS]


def normalize_description(text: str) -> str:
    """Return the comparison form of a description (lower case, letters/digits, single spaces)."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def process_text(text: str, started_at: datetime) -> ProcessedConversation:
    """Run the pipeline over a conversation's text (see the module docstring for the rules)."""
    sentences = split_sentences(text)
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        return ProcessedConversation(True, "", "", "other", CATEGORY_EMOJI["other"], (), ())
    category = _categorize(text)
    action_items: list[ExtractedActionItem] = []
    used: set[int] = set()
    for index, sentence in enumerate(sentences):
        item = _action_item(sentence, started_at)
        if item is not None:
            action_items.append(item)
            used.add(index)
    memories = [
        memory
        for index, sentence in enumerate(sentences)
        if index not in used and (memory := _memory(sentence)) is not None
    ][:MAX_MEMORIES]
    return ProcessedConversation(
        discarded=False,
        title=_title(sentences[0]),
        overview=" ".join(sentences[:3])[:400],
        category=category,
        emoji=CATEGORY_EMOJI[category],
        action_items=tuple(action_items),
        memories=tuple(memories),
    )


def categorize_memory(content: str) -> str:
    """Return ``system`` for statements about the user, else ``interesting``."""
    lowered = content.strip().lower()
    about_user = lowered.startswith(SELF_FACT_PREFIXES) or re.search(
        r"\b(user|prefers|likes|lives|works)\b", lowered
    )
    return "system" if about_user else "interesting"


def _categorize(text: str) -> str:
    words = content_words(text)
    best, best_hits = "other", 0
    for category, keywords in CATEGORY_KEYWORDS:
        hits = sum(1 for w in words if w in keywords)
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def _title(sentence: str) -> str:
    words = sentence.split()
    if len(words) > TITLE_MAX_WORDS:
        words = words[: _title_cut(words)]
        while len(words) > 1 and _bare(words[-1]).lower() in _DANGLING_WORDS:
            words.pop()
    title = _TRAILING_PUNCTUATION.sub("", " ".join(words))
    return title[:1].upper() + title[1:]


def _title_cut(words: list[str]) -> int:
    """How many of ``words`` (more than the title allows) a title keeps: up to the last
    clause break among the first :data:`TITLE_MAX_WORDS` that leaves enough words, else all
    of them."""
    for end in range(TITLE_MAX_WORDS, _TITLE_MIN_CLAUSE_WORDS - 1, -1):
        if words[end - 1].endswith(_CLAUSE_BREAKS) or words[end].lower() in _CONJUNCTIONS:
            return end
    return TITLE_MAX_WORDS


def _bare(word: str) -> str:
    return word.strip(_PUNCTUATION)


def _strip_fillers(sentence: str) -> str:
    lowered = sentence.lower()
    changed = True
    while changed:
        changed = False
        for filler in _LEADING_FILLERS:
            if lowered.startswith(filler):
                sentence, lowered = sentence[len(filler) :], lowered[len(filler) :]
                changed = True
    return sentence


def _action_item(sentence: str, started_at: datetime) -> ExtractedActionItem | None:
    candidate = _strip_fillers(sentence.strip())
    lowered = candidate.lower()
    for trigger in ACTION_TRIGGERS:
        if lowered.startswith(trigger) and (
            trigger.endswith(":") or len(lowered) == len(trigger) or lowered[len(trigger)] == " "
        ):
            rest = candidate[len(trigger) :].strip().rstrip(".!?").strip()
            if not content_words(rest):
                return None
            description = (rest[:1].upper() + rest[1:])[:500]
            return ExtractedActionItem(description, _due_from_text(rest, started_at))
    return None


def _due_from_text(text: str, started_at: datetime) -> datetime | None:
    lowered = text.lower()
    start = as_utc(started_at)
    day = start.replace(hour=DUE_HOUR_UTC, minute=0, second=0, microsecond=0)
    if re.search(r"\b(today|tonight)\b", lowered):
        return day
    if re.search(r"\btomorrow\b", lowered):
        return day + timedelta(days=1)
    if re.search(r"\bnext week\b", lowered):
        return day + timedelta(days=7)
    for index, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}\b", lowered):
            ahead = (index - start.weekday()) % 7 or 7
            return day + timedelta(days=ahead)
    return None


def _memory(sentence: str) -> ExtractedMemory | None:
    lowered = sentence.lower()
    if len(content_words(sentence)) < 2:
        return None
    if lowered.startswith(SELF_FACT_PREFIXES):
        return ExtractedMemory(sentence[:500], "system")
    if any(marker in lowered for marker in INTERESTING_MARKERS):
        return ExtractedMemory(sentence[:500], "interesting")
    return None
