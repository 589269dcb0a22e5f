"""Sensitivity wrappers: checked on the Ishigami function, then on a tiny simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from supplysim.analysis import morris_screening, plot_indices, sobol_indices
from supplysim.analysis.sensitivity import morris_from_function, sobol_from_function
from supplysim.scenario.distributions import Uniform

RUNS = 64  # paths per simulation: enough to exercise the code

SPACE = {f"x{i}": Uniform(dist="uniform", low=-np.pi, high=np.pi) for i in (1, 2, 3)}
S1 = [0.3139, 0.4424, 0.0]  # analytic indices of Ishigami with a=7, b=0.1
ST = [0.5576, 0.4424, 0.2437]


def ishigami(values: pd.DataFrame) -> np.ndarray:
    return Ishigami.evaluate(values[list(SPACE)].to_numpy())


def test_sobol_recovers_ishigami():
    df = sobol_from_function(SPACE, ishigami, n=2048, seed=1)
    assert list(df.columns) == ["input", "S1", "S1_conf", "ST", "ST_conf"]
    assert np.allclose(df["S1"], S1, atol=0.06)
    assert np.allclose(df["ST"], ST, atol=0.06)
    assert (df["S1_conf"] > 0).all() and df.attrs["evaluations"] == 2048 * 5


def test_morris_ranks_ishigami():
    df = morris_from_function(SPACE, ishigami, trajectories=40, seed=1)
    assert list(df.columns) == ["input", "mu_star", "mu_star_conf", "sigma"]
    mu = dict(zip(df["input"], df["mu_star"]))
    assert mu["x1"] > mu["x3"] > mu["x2"]


def test_tiny_simulator_runs(licensing):
    sobol = sobol_indices(licensing, None, None, n=8, runs=RUNS, seed=0)
    assert list(sobol["input"]) == ["policies.mofcom_no18.approval_prob",
                                    "policies.mofcom_no18.review_delay_days"]
    assert np.isfinite(sobol[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert sobol.attrs["scenario"] == "china_licensing_2025"
    _, ax = plot_indices(sobol)
    assert ax.get_title() and "[1]" in ax.get_xlabel() and ax.get_legend() is not None
    kinds = [type(c).__name__ for c in ax.containers]
    assert kinds.count("BarContainer") == 2 and kinds.count("ErrorbarContainer") == 2


def test_morris_on_simulator_and_bad_input(licensing):
    df = morris_screening(licensing, ["policies.mofcom_no18.approval_prob"], None,
                          trajectories=2, runs=RUNS)
    assert np.isfinite(df["mu_star"]).all()
    _, ax = plot_indices(df)
    assert "mu*" in ax.get_xlabel()
    with pytest.raises(KeyError, match="not uncertain inputs"):
        morris_screening(licensing, ["demand_growth.wind"], None, trajectories=2, runs=RUNS)


def test_no_uncertain_inputs(baseline):
    with pytest.raises(ValueError, match="no uncertain inputs"):
        sobol_indices(baseline, n=8, runs=RUNS)
