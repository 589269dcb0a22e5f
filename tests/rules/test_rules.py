"""Rules: hand-checked numbers, for scalars and for (k, paths) arrays; their doctests run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import supplysim.rules as rules_pkg
from supplysim.engines.groups import Groups
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share, review_delay_months
from supplysim.rules.production import scale_to_capacity
from supplysim.rules.stockpile import fires, release_available

MODULES = [m.name for m in pkgutil.iter_modules(rules_pkg.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(f"supplysim.rules.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_allocation_serves_classes_in_order_and_pro_rata_within():
    # supplier 0 has 10 t; home request (class 0) 6 t, two trade requests (class 1) 4 t and 12 t
    req = np.array([[6.0, 6.0], [4.0, 4.0], [12.0, 12.0]])
    got = allocate_by_class(np.array([[10.0, 30.0]]), req, np.array([0, 1, 1]), Groups.of([0, 0, 0], 1))
    np.testing.assert_allclose(got[:, 0], [6.0, 1.0, 3.0])   # 4 t left, shared 1:3
    np.testing.assert_allclose(got[:, 1], [6.0, 4.0, 12.0])  # enough for everyone


def test_order_up_to_closes_the_gap_over_the_adjustment_time():
    assert order_up_to(10.0, 3.0, 10.0, 5.0, 3.0) == pytest.approx(15.0)
    assert order_up_to(10.0, 1.0, 100.0, 0.0, 1.0) == 0.0  # never negative
    np.testing.assert_allclose(order_up_to(np.array([10.0, 0.0]), 2.0, 0.0, 0.0, 2.0), [20.0, 0.0])


def test_capacity_scaling_keeps_line_proportions():
    act = np.array([[30.0], [10.0]])
    np.testing.assert_allclose(scale_to_capacity(act, 40.0, 20.0), [[15.0], [5.0]])


def test_licence_approval_share_and_delay():
    u = np.array([[0.1, 0.7, 0.2, 0.95], [0.9, 0.9, 0.9, 0.9]])
    np.testing.assert_allclose(approval_share(u, np.array([0.5, 0.5])), [0.5, 0.0])
    delays = review_delay_months(np.full(10_000, 63.0), np.random.default_rng(0).random(10_000))
    assert set(np.unique(delays)) == {2, 3}
    assert delays.mean() == pytest.approx(63.0 / (365.25 / 12), abs=0.02)


def test_stockpile_fires_only_above_trigger_and_when_active():
    assert bool(fires(0.2, 0.1, True)) and not bool(fires(0.2, 0.1, False))
    np.testing.assert_allclose(release_available(np.array([5.0, 50.0]), 20.0, np.array([True, True])),
                               [5.0, 20.0])
