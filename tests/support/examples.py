"""Hypothesis example counts for property tests outside test_fuzz.py, by the same rule as its profiles:
``ci`` when ``HYPOTHESIS_PROFILE=ci`` or ``CI`` is set (several times more examples), else ``dev``."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


def examples(dev: int, ci: int) -> settings:
    """Settings for ``dev`` (or, on CI, ``ci``) examples; no deadline, as a busy CI machine is slow."""
    return settings(
        max_examples=ci if PROFILE == "ci" else dev,
        deadline=None,
        # A function-scoped fixture used by every example (a temporary folder factory) is meant.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
