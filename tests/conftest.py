"""Fixtures shared by the whole suite: the embedded world, compiled networks, figures closed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import supplysim  # noqa: E402
from supplysim.network import compile_network  # noqa: E402

BUNDLED = [name for name, _ in supplysim.list_scenarios()]


@pytest.fixture(scope="session")
def world():
    """The embedded 2024 world."""
    return supplysim.load_world()


@pytest.fixture(scope="session")
def networks(world):
    """Compiled networks of the bundled scenarios, by name."""
    return {n: compile_network(world, supplysim.load_scenario(n, world)) for n in BUNDLED}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
