"""Experiments over sampled inputs, and the ready metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import supplysim
from supplysim.analysis import expected_unmet_t, p_any_month_over, run_experiments

RUNS = 64  # paths per simulation: enough to exercise the code

APPROVAL = "policies.mofcom_no18.approval_prob"


@pytest.fixture(scope="module")
def results():
    return supplysim.simulate("china_licensing_2025", runs=RUNS, seed=0)


def test_p_any_month_over_matches_results(results):
    metric = p_any_month_over(0.1, "Japan", "magnet_hre", months=24)
    df = results.prob_any(threshold=0.1, by=("region", "material"), months=24)
    want = df[(df.region == "Japan") & (df.material == "magnet_hre")]["prob"].item()
    assert metric(results) == pytest.approx(want)
    assert metric.units == "1" and "Japan" in metric.label
    world = p_any_month_over(0.1, region=None, months=None)(results)
    assert 0.0 <= world <= 1.0


def test_expected_unmet_sums_regions(results):
    table = results.expected_unmet(by=("region",))
    assert expected_unmet_t()(results) == pytest.approx(
        results.expected_unmet(by=())["mean_t"].item())
    japan = table[table.region == "Japan"]["mean_t"].item()
    assert expected_unmet_t("Japan")(results) == pytest.approx(japan)
    assert expected_unmet_t().units == "t"


def test_unknown_region_is_an_error(results):
    with pytest.raises(ValueError, match="no demand"):
        p_any_month_over(region="Atlantis")(results)


def test_run_experiments_common_random_numbers(licensing):
    samples = pd.DataFrame({APPROVAL: [0.2, 0.95, 0.2]})
    out = run_experiments(licensing, samples, expected_unmet_t("Japan"), runs=RUNS, seed=5)
    assert list(out.columns) == [APPROVAL, "metric"]
    values = out["metric"].to_numpy()
    assert np.isfinite(values).all()
    assert values[0] == values[2]  # same inputs, same seed: same paths
    assert values[0] > values[1]  # fewer approvals, more unmet demand in Japan
    assert out.attrs["metric"]["units"] == "t"
