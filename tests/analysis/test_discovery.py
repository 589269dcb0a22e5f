"""PRIM on synthetic data with a known box."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from supplysim.analysis import discover, prim


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((3000, 4)), columns=["x1", "x2", "x3", "x4"])
    y = (X["x1"] > 0.7) & (X["x2"] < 0.3)
    return X, y.to_numpy()


def test_prim_recovers_box(data):
    X, y = data
    res = prim(X, y)
    box = res.box()
    chosen = res.trajectory.iloc[res.chosen]
    assert chosen["density"] > 0.9
    assert abs(box["x1"][0] - 0.7) < 0.05 and abs(box["x2"][1] - 0.3) < 0.05
    assert set(res.restricted()) == {"x1", "x2"}
    assert chosen["restricted"] == 2 and chosen["coverage"] > 0.8


def test_trajectory(data):
    X, y = data
    res = prim(X, y, peel_alpha=0.1, min_mass=0.1)
    t = res.trajectory
    assert list(t.columns) == ["step", "coverage", "density", "mass", "restricted"]
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "mass"] == 1.0
    assert (np.diff(t["mass"]) < 0).all() and (t["mass"] >= 0.1).all()
    assert len(res.boxes) == len(t)
    assert res.box(0) == {c: (X[c].min(), X[c].max()) for c in X.columns}
    _, ax = res.plot_tradeoff()
    assert ax.get_title() and "[1]" in ax.get_xlabel() and "[1]" in ax.get_ylabel()


def test_discover_on_experiment_table(data):
    X, y = data
    table = X.assign(metric=np.where(y, 0.8, 0.1))
    res = discover(table, "metric", threshold=0.5)
    assert abs(res.box()["x1"][0] - 0.7) < 0.05
    with pytest.raises(KeyError):
        discover(table, "nope", 0.5)


def test_bad_arguments(data):
    X, y = data
    with pytest.raises(ValueError):
        prim(X, y[:10])
    with pytest.raises(ValueError):
        prim(X, y, peel_alpha=0.7)
