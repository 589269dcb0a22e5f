"""Named benchmark configurations with fixed seeds."""

from __future__ import annotations

#: scenario, paths, seed, repeats
SMALL = dict(scenario="china_licensing_2025", paths=10_000, seed=2025, repeats=3)
LARGE = dict(scenario="china_licensing_2025", paths=100_000, seed=2025, repeats=1)
SMOKE = dict(scenario="china_licensing_2025", paths=1_024, seed=2025, repeats=3)
