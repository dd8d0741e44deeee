"""``omi.rate_limit``: the backend boost and per-endpoint policies, parsed and wired into the
limits the Omi client uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_load import load, problems_of, write

from omisync.omi import BACKEND_POLICIES
from omisync.ratelimit import Limit
from omisync.session import omi_rate_limits_for


def test_boost_and_policies_reach_the_client_limits(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """\
        omi:
          rate_limit:
            profile: backend
            boost: 2
            policies:
              dev:memories: 10/90s
              dev:conversations_read: 30
              dev:key_read: "5 / 1m"
        """,
    )
    limits = omi_rate_limits_for(load(file).omi)
    assert limits.policies["dev:memories"] == Limit(10, 90.0)
    assert limits.policies["dev:conversations_read"] == Limit(30, 3600.0)
    assert limits.policies["dev:key_read"] == Limit(5, 60.0)
    base = BACKEND_POLICIES["dev:action_items_write"]
    assert limits.policies["dev:action_items_write"] == Limit(base.requests * 2, 3600.0)


def test_docs_profile_keeps_its_shared_limits_and_adds_policies(tmp_path: Path) -> None:
    file = write(tmp_path, "omi:\n  rate_limit:\n    per_minute: 7\n    policies: {dev:ask: 2}\n")
    limits = omi_rate_limits_for(load(file).omi)
    assert dict(limits.shared) == {"per_minute": Limit(7, 60.0), "per_day": Limit(10_000, 86400.0)}
    assert dict(limits.policies) == {"dev:ask": Limit(2, 3600.0)}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("policies: {dev:memorie: 5}", "no Omi endpoint is charged to 'dev:memorie'; did you mean"),
        ("policies: {dev:memories: lots}", "'lots' is not a rate limit; write N (per hour) or"),
        ("policies: {dev:memories: 0/1h}", "'0/1h': a limit needs at least 1 request"),
        ("policies: {dev:memories: 5/soon}", "'soon' is not a duration"),
        ("boost: 0", "boost: must be greater than 0"),
    ],
)
def test_bad_rate_limit_settings_are_problems(tmp_path: Path, line: str, expected: str) -> None:
    file = write(tmp_path, f"omi:\n  rate_limit:\n    {line}\n")
    (problem,) = problems_of(file)
    assert f"{file}:3: omi.rate_limit." in problem and expected in problem, problem
