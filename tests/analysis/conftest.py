"""Shared scenarios and small runs for the analysis tests."""

from __future__ import annotations

import pytest

import supplysim


@pytest.fixture(scope="session")
def licensing():
    """The bundled April 2025 licensing scenario."""
    return supplysim.load_scenario("china_licensing_2025")

@pytest.fixture(scope="session")
def baseline():
    """The bundled no-controls baseline."""
    return supplysim.load_scenario("baseline_2024")
