"""Stockpile sizing: monotone cost curve, reachable and unreachable targets."""

from __future__ import annotations

import numpy as np
import pytest

from supplysim.analysis import size_stockpile
from supplysim.analysis.sizing import POLICY_NAME, stockpile_scenario, wilson

RUNS = 64
ARGS = {"holder": "Japan", "material": "magnet_hre", "runs": RUNS, "seed": 0,
        "confirm_runs": 128}


@pytest.fixture(scope="module")
def reachable(licensing):
    return size_stockpile(licensing, target=0.4, **ARGS)


def test_reachable_target(reachable):
    r = reachable
    assert r.feasible and r.size_t is not None and r.size_t > 0
    assert r.prob < 0.4
    tried = r.evaluations.set_index("size_t")["prob"]
    assert tried[r.size_t] == r.prob
    smaller = tried[tried.index < r.size_t]
    assert (smaller >= 0.4).all()  # every smaller size tried misses the target
    assert r.confirmed_lo <= r.confirmed_prob <= r.confirmed_hi
    assert r.settings["confirm_seed"] == 1
    assert "Japan magnet_hre" in str(r)


def test_cost_curve_is_monotone(reachable):
    curve = reachable.cost_curve([0, 30, 300, 3000])
    assert list(curve.columns) == ["size_t", "prob", "lo", "hi"]
    assert (np.diff(curve["prob"]) <= 0).all()
    assert (curve["lo"] <= curve["prob"]).all() and (curve["prob"] <= curve["hi"]).all()
    _, ax = reachable.plot_cost_curve()
    assert "[t]" in ax.get_xlabel() and "[1]" in ax.get_ylabel() and ax.get_title()


def test_unreachable_target(licensing):
    r = size_stockpile(licensing, target=0.01, max_t=1000, **ARGS)
    assert not r.feasible and r.size_t is None and r.confirmed_prob is None
    assert r.prob >= 0.01
    assert "infeasible" in str(r)


def test_policy_is_added_once(licensing):
    once = stockpile_scenario(licensing, "Japan", "oxide_Dy", 120.0)
    twice = stockpile_scenario(once, "Japan", "oxide_Dy", 60.0)
    names = [p.name for p in twice.policies]
    assert names.count(POLICY_NAME) == 1
    policy = twice.policies[names.index(POLICY_NAME)]
    assert policy.initial_t.value == 60.0 and policy.release_t_per_month.value == 10.0
    assert policy.release_trigger_share.value == 0.05


def test_wilson():
    lo, hi = wilson(0, 100)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0.03 < hi < 0.04
    lo, hi = wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
