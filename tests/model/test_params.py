"""Quantiles of parameter entries: one call per distribution family, the same numbers."""

import numpy as np
import pytest
from scipy import stats

from supplysim.network.params import ParamTable, quantiles
from supplysim.network.topology import Scaled
from supplysim.scenario.distributions import Beta, LogNormal, Normal, Triangular, Uniform


class Odd:
    """A distribution that is not scipy's: evaluated on its own."""

    def ppf(self, u):
        return u * u

    def mean(self):
        return 1 / 3


DISTS = [stats.triang(0.3, loc=1.0, scale=2.0), stats.triang(0.7, 5.0, 1.5),
         stats.uniform(loc=-1.0, scale=4.0), Scaled(stats.triang(0.5, loc=0.0, scale=1.0), 1 / 12),
         Triangular(dist="triangular", low=2.0, mode=3.0, high=7.0),
         Scaled(Uniform(dist="uniform", low=0.1, high=0.2), 12.0),
         Beta(dist="beta", a=2.0, b=5.0), LogNormal(dist="lognormal", median=3.0, sigma=0.4),
         Normal(dist="normal", mean=10.0, sd=2.0), Odd()]


def test_grouped_quantiles_equal_each_entrys_own_ppf_bit_for_bit():
    u = np.random.default_rng(3).random((257, len(DISTS)))
    u[0], u[1] = 0.0, 1.0  # the ends of the support, and beyond it for the unbounded ones
    got = quantiles([("x", j, d) for j, d in enumerate(DISTS)], u)
    want = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(DISTS)])
    np.testing.assert_array_equal(got, want)


def test_sample_puts_each_quantile_in_its_entry_and_levers_keep_means_without_draws():
    table = ParamTable()
    table.add("cap", [1.0, 2.0, 3.0], {0: DISTS[0], 2: DISTS[6]})
    table.add("lever", [5.0], {0: DISTS[2]}, stream="levers")
    u = np.random.default_rng(4).random((9, 2))
    out = table.sample(u)
    np.testing.assert_array_equal(out["cap"][:, 0], DISTS[0].ppf(u[:, 0]))
    np.testing.assert_array_equal(out["cap"][:, 1], 2.0)
    np.testing.assert_array_equal(out["cap"][:, 2], DISTS[6].ppf(u[:, 1]))
    np.testing.assert_array_equal(out["lever"][:, 0], DISTS[2].mean())
    lev = np.full((9, 1), 0.25)
    np.testing.assert_array_equal(table.sample(u, u_levers=lev)["lever"][:, 0], 0.0)


@pytest.mark.parametrize("draws", [np.zeros((4, 1)), np.zeros((4, 3))])
def test_sample_needs_one_uniform_column_per_uncertain_entry(draws):
    table = ParamTable()
    table.add("cap", [1.0, 2.0], {0: DISTS[0], 1: DISTS[1]})
    with pytest.raises(ValueError, match="expected uniforms shaped"):
        table.sample(draws)
