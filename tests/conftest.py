"""Project-wide pytest fixtures.

Omi emulator (a real uvicorn server on 127.0.0.1, port chosen by the OS):

- ``omi_emulator``: one shared emulator for the session (rate limits ``off``, no faults),
  emptied before each test that uses it (``reset()``: data, rate windows, request log,
  faults; keys survive). Fast; use it unless a test needs its own config.
- ``omi_emulator_factory``: ``omi_emulator_factory(config)`` starts a dedicated emulator
  (e.g. the ``backend`` rate-limit profile with tiny windows); every one is stopped after
  the test.

Both yield :class:`omisync.emulator.RunningEmulator` (``.base_url``, ``.api_key``,
``.admin_token``, ``.set_faults()``, ``.seed()``, ``.lock()``, ``.stats()`` ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from omisync.emulator import EmulatorConfig, RateLimitConfig, RunningEmulator, run_emulator

EmulatorFactory = Callable[[EmulatorConfig], RunningEmulator]


@pytest.fixture(scope="session")
def _shared_omi_emulator() -> Iterator[RunningEmulator]:
    with run_emulator(EmulatorConfig(rate_limits=RateLimitConfig(profile="off"))) as emulator:
        yield emulator


@pytest.fixture
def omi_emulator(_shared_omi_emulator: RunningEmulator) -> RunningEmulator:
    """The shared emulator, emptied for this test."""
    _shared_omi_emulator.reset()
    return _shared_omi_emulator


@pytest.fixture
def omi_emulator_factory() -> Iterator[EmulatorFactory]:
    """Start dedicated emulators from a config; all are stopped when the test ends."""
    started: list[RunningEmulator] = []

    def start(config: EmulatorConfig) -> RunningEmulator:
        emulator = run_emulator(config)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
