"""Uncertain inputs: addressing, fixing and sampling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from supplysim.analysis import sample_inputs, uncertain_inputs, with_values
from supplysim.analysis.sampling import get_value, spearman_to_pearson
from supplysim.errors import ScenarioError
from supplysim.scenario import Scenario
from supplysim.scenario.distributions import Beta, LogNormal, Normal, Triangular, Uniform

APPROVAL = "policies.mofcom_no18.approval_prob"
DELAY = "policies.mofcom_no18.review_delay_days"

SPACE = {
    "beta": Beta(dist="beta", a=6, b=4),
    "tri": Triangular(dist="triangular", low=30, mode=63, high=120),
    "logn": LogNormal(dist="lognormal", median=100, sigma=0.5),
    "norm": Normal(dist="normal", mean=0.1, sd=0.03),
    "unif": Uniform(dist="uniform", low=-1, high=2),
}


def test_uncertain_inputs_lists_distributions(licensing):
    space = uncertain_inputs(licensing)
    assert list(space) == [APPROVAL, DELAY]
    assert space[APPROVAL].dist == "beta" and space[DELAY].dist == "triangular"


def test_uncertain_inputs_of_baseline_is_empty(baseline):
    assert uncertain_inputs(baseline) == {}


def test_with_values_fixes_and_validates(licensing):
    out = with_values(licensing, {APPROVAL: 0.3, DELAY: np.float64(45.0)})
    assert isinstance(out, Scenario)
    assert out.policies[0].approval_prob.value == 0.3
    assert out.policies[0].review_delay_days.value == 45.0
    assert out.lineage == licensing.lineage and out.hash != licensing.hash
    assert uncertain_inputs(out) == {}
    assert licensing.policies[0].approval_prob.dist == "beta"  # original untouched


def test_with_values_demand_growth_and_distribution(licensing):
    out = with_values(licensing, {"demand_growth.ev_motors": 0.12,
                                  APPROVAL: {"dist": "uniform", "low": 0.2, "high": 0.4}})
    assert out.demand_growth["ev_motors"].value == 0.12
    assert get_value(out, APPROVAL) == {"dist": "uniform", "low": 0.2, "high": 0.4}


def test_with_values_refuses_bad_values_and_paths(licensing):
    with pytest.raises(ScenarioError, match="probability"):
        with_values(licensing, {APPROVAL: 1.5})
    with pytest.raises(KeyError, match="no policy named 'nope'"):
        with_values(licensing, {"policies.nope.approval_prob": 0.5})
    with pytest.raises(KeyError):
        with_values(licensing, {"horizon.start.year": 2025})


@pytest.mark.parametrize("method", ["lhs", "sobol", "mc"])
def test_marginals(method):
    df = sample_inputs(SPACE, 2000, method=method, seed=3)
    assert df.shape == (2000, len(SPACE)) and list(df.columns) == list(SPACE)
    for name, dist in SPACE.items():
        assert stats.kstest(df[name], dist.frozen().cdf).pvalue > 0.01, name


def test_lhs_stratification():
    n = 50
    df = sample_inputs(SPACE, n, method="lhs", seed=1)
    for name, dist in SPACE.items():
        strata = np.floor(dist.frozen().cdf(df[name].to_numpy()) * n).astype(int)
        assert sorted(strata) == list(range(n)), name


@pytest.mark.parametrize("method", ["lhs", "sobol", "mc"])
def test_reproducible(method):
    a = sample_inputs(SPACE, 64, method=method, seed=7)
    pd.testing.assert_frame_equal(a, sample_inputs(SPACE, 64, method=method, seed=7))
    assert not a.equals(sample_inputs(SPACE, 64, method=method, seed=8))


@pytest.mark.parametrize("method", ["lhs", "mc"])
def test_rank_correlation(method):
    names = ["beta", "tri", "logn"]
    target = pd.DataFrame([[1.0, 0.6, -0.4], [0.6, 1.0, 0.0], [-0.4, 0.0, 1.0]],
                          index=names, columns=names)
    df = sample_inputs({k: SPACE[k] for k in names}, 2000, method=method, seed=2,
                       rank_corr=target)
    achieved = df.corr(method="spearman").to_numpy()
    assert np.abs(achieved - target.to_numpy()).max() < 0.05
    for name in names:  # marginals survive the copula
        assert stats.kstest(df[name], SPACE[name].frozen().cdf).pvalue > 0.01


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown method"):
        sample_inputs(SPACE, 10, method="grid")
    bad = pd.DataFrame([[1.0, 0.99], [0.99, 1.0]], index=["beta", "tri"],
                       columns=["beta", "tri"]) * 1.0
    bad.iloc[0, 1] = bad.iloc[1, 0] = 1.5
    with pytest.raises(ValueError):
        sample_inputs({k: SPACE[k] for k in ["beta", "tri"]}, 10, rank_corr=bad)


def test_spearman_to_pearson_endpoints():
    assert np.allclose(spearman_to_pearson(np.array([0.0, 1.0, -1.0])), [0.0, 1.0, -1.0])
