"""Fixtures of the long-run tests."""

from __future__ import annotations

import pytest

import supplysim


@pytest.fixture(scope="session")
def licensing():
    """The bundled china_licensing_2025 scenario."""
    return supplysim.load_scenario("china_licensing_2025")
