"""Authentication, scopes and rate limiting, as FastAPI dependencies with the backend's errors.

Order, as upstream: the bearer key (401), then the scope (403), then the rate limit (429).
FastAPI runs these before it reports body/query validation errors.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from omisync.emulator.config import READ_ONLY_SCOPES
from omisync.emulator.identity import hash_dev_key
from omisync.emulator.state import EmulatorState, StateDep
from omisync.emulator.store import KeyRecord
from omisync.emulator.throttle import SCOPE_HEADERS_KEY, RateDecision, rate_limited_detail

MISSING_AUTH_DETAIL = "Missing or invalid Authorization header. Must be 'Bearer API_KEY'"
INVALID_KEY_DETAIL = "Invalid API Key"
FIREBASE_MISSING_DETAIL = "Authorization header not found"
FIREBASE_INVALID_DETAIL = "Invalid authorization token"
ADMIN_INVALID_DETAIL = "Invalid emulator admin token"


def effective_scopes(key: KeyRecord) -> list[str]:
    """Return what the key may do: its scopes, or the read-only set when they are null."""
    return list(READ_ONLY_SCOPES) if key.scopes is None else list(key.scopes)


async def developer_key(request: Request, state: StateDep) -> KeyRecord:
    """Return the developer key of the request's ``Authorization: Bearer omi_dev_...``.

    Raises 401 ``MISSING_AUTH_DETAIL`` without a bearer header, 401 ``"Invalid API Key"``
    for anything that is not a known ``omi_dev_`` key.
    """
    header = request.headers.get("authorization")
    if not header or not header.startswith("Bearer "):
        raise HTTPException(status_code=401, detail=MISSING_AUTH_DETAIL)
    hashed = hash_dev_key(header[len("Bearer ") :].strip())
    key = None if hashed is None else state.store.keys.find_by_hash(hashed)
    if key is None:
        raise HTTPException(status_code=401, detail=INVALID_KEY_DETAIL)
    now = state.now()
    state.store.keys.touch(key.id, now)
    return dataclasses.replace(key, last_used_at=now)


#: Route parameter type injecting the request's authenticated developer key.
DeveloperKey = Annotated[KeyRecord, Depends(developer_key)]


def apply_rate_decision(request: Request, decision: RateDecision) -> None:
    """Attach the decision's headers to the response; raise 429 if it refused the request."""
    if decision.headers:
        request.scope.setdefault(SCOPE_HEADERS_KEY, {}).update(decision.headers)
    if not decision.allowed:
        raise HTTPException(
            status_code=429,
            detail=rate_limited_detail(decision.retry_after),
            headers=decision.refusal_headers,
        )


class Requirement:
    """A dependency admitting a key that holds ``scope`` and is within ``policy``.

    ``scope`` None needs no data scope (``GET /v1/dev/key``). Raises 403
    ``"Insufficient permissions. Required scope: <scope>"`` before charging the limiter,
    then 429 when the limiter refuses. ``policy`` stays readable so that
    :func:`route_policy` can tell which policy a route is charged to.
    """

    def __init__(self, scope: str | None, policy: str) -> None:
        self.scope = scope
        self.policy = policy

    async def __call__(self, request: Request, key: DeveloperKey, state: StateDep) -> KeyRecord:
        """Admit ``key`` or raise 403/429."""
        if self.scope is not None and self.scope not in effective_scopes(key):
            raise HTTPException(
                status_code=403, detail=f"Insufficient permissions. Required scope: {self.scope}"
            )
        apply_rate_decision(request, state.limiter.charge(key.id, self.policy))
        return key


def require(scope: str | None, policy: str) -> Requirement:
    """Return the :class:`Requirement` of ``scope`` and rate-limit ``policy``."""
    return Requirement(scope, policy)


def route_policy(routes: Iterable[BaseRoute], scope: Scope) -> str | None:
    """The rate-limit policy of the one of ``routes`` that serves the request ``scope`` (None:
    no route, or a route that is not rate limited)."""
    for route in routes:
        if isinstance(route, APIRoute) and route.matches(scope)[0] is Match.FULL:
            return _policy_of(route.dependant)
    return None


def _policy_of(dependant: Dependant) -> str | None:
    if isinstance(dependant.call, Requirement):
        return dependant.call.policy
    for sub in dependant.dependencies:
        policy = _policy_of(sub)
        if policy is not None:
            return policy
    return None


def charge_extra(request: Request, state: EmulatorState, key: KeyRecord, policy: str) -> None:
    """Charge a second policy for this request (transcript reads); raises 429 when refused."""
    apply_rate_decision(request, state.limiter.charge_extra(key.id, policy))


def _bearer_matches(header: str, token: str) -> bool:
    parts = header.split(" ")
    return len(parts) == 2 and hmac.compare_digest(parts[1].encode(), token.encode())


async def firebase_user(request: Request, state: StateDep) -> str:
    """Stand-in for Firebase ID-token auth: the configured admin token is the only valid one.

    Returns the emulated user id. Raises 401 with the backend's Firebase error strings.
    """
    header = request.headers.get("authorization")
    if not header:
        raise HTTPException(status_code=401, detail=FIREBASE_MISSING_DETAIL)
    if not _bearer_matches(header, state.config.admin_token):
        raise HTTPException(status_code=401, detail=FIREBASE_INVALID_DETAIL)
    return state.config.user_id


async def emulator_admin(request: Request, state: StateDep) -> None:
    """Guard of ``/_emulator/`` routes: raises 401 unless ``Bearer <admin token>`` is sent."""
    header = request.headers.get("authorization") or ""
    if not _bearer_matches(header, state.config.admin_token):
        raise HTTPException(status_code=401, detail=ADMIN_INVALID_DETAIL)
