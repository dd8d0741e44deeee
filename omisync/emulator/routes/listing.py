"""Helpers shared by the list routes: silent clamps, category filters, short-page faults."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from fastapi import HTTPException
from starlette.requests import Request

from omisync.emulator.state import EmulatorState

T = TypeVar("T")


def clamp_page(limit: int, offset: int, max_limit: int) -> tuple[int, int]:
    """Return ``(limit, offset)`` clamped silently as upstream: 1..max_limit and >= 0."""
    return max(1, min(limit, max_limit)), max(0, offset)


def parse_categories(raw: str | None, enum: type[StrEnum]) -> list[str]:
    """Split a comma-separated ``categories`` query value and check every item.

    Empty items are ignored. Raises 400 ``"Invalid category '<x>' is not a valid <Enum>"``.
    """
    if not raw:
        return []
    categories = []
    for item in raw.split(","):
        value = item.strip()
        if not value:
            continue
        try:
            categories.append(enum(value).value)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=f"Invalid category {exc}") from exc
    return categories


def apply_short_page_fault(request: Request, state: EmulatorState, rows: Sequence[T]) -> list[T]:
    """Drop the configured number of rows from the end of a page, never emptying it."""
    drop = state.faults.short_page_drop(request.url.path)
    if drop <= 0 or not rows:
        return list(rows)
    return list(rows[: max(1, len(rows) - drop)])
