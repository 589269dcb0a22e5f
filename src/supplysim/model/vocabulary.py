"""The names a scenario may use, taken from the world tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """Known names of a world, used to validate scenarios.

    Every field is a frozenset of strings read from the world tables, so a new mineral or
    country is added as data, not code.
    """

    countries: frozenset[str]
    regions: frozenset[str]
    elements: frozenset[str]
    stages: frozenset[str]
    materials: frozenset[str]
    sectors: frozenset[str]
    facility_kinds: frozenset[str]
    ore_types: frozenset[str]
    minerals: frozenset[str] = frozenset()
