"""Comparing scenarios with a base: common horizon, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from supplysim.analysis import compare, with_values
from supplysim.analysis.compare import common_horizon

RUNS = 64


@pytest.fixture(scope="module")
def comparison(licensing):
    return compare([licensing, "china_heavy_ree_stop"], "baseline_2024", runs=RUNS, seed=3)


def test_common_horizon(comparison, licensing):
    for res in comparison.results.values():
        months = res.ds["month"].values
        assert len(months) == licensing.horizon.months
        assert str(months[0])[:7] == "2025-01"
    assert comparison.base == "baseline_2024"
    assert comparison.names == ["china_licensing_2025", "china_heavy_ree_stop"]


def test_difference_curve(comparison):
    df = comparison.difference_curve("china_heavy_ree_stop")
    assert list(df.columns) == ["month", "region", "material", "mean", "lo", "hi"]
    assert (df["lo"] <= df["mean"] + 1e-9).all() and (df["mean"] <= df["hi"] + 1e-9).all()
    japan = df[(df.region == "Japan") & (df.material == "magnet_hre")]
    assert japan["mean"].max() > 0  # the stop causes shortages in Japan
    with pytest.raises(KeyError):
        comparison.difference_curve("baseline_2024")


def test_summary_side_by_side(comparison):
    s = comparison.summary()
    assert list(s.columns[-3:]) == ["baseline_2024", "china_licensing_2025",
                                    "china_heavy_ree_stop"]
    assert set(s["metric"]) == {"expected_unmet_t", "p_any_month_over_0.1", "peak_month_share"}
    row = s[(s.region == "Japan") & (s.material == "magnet_hre")
            & (s.metric == "p_any_month_over_0.1")]
    assert row["china_heavy_ree_stop"].item() >= row["baseline_2024"].item()


def test_plot_difference(comparison):
    _, ax = comparison.plot_difference("china_licensing_2025", "Japan", "magnet_hre")
    assert "[t/month]" in ax.get_ylabel() and ax.get_title() and ax.get_legend() is not None
    with pytest.raises(ValueError, match="unknown region"):
        comparison.plot_difference("china_licensing_2025", "Atlantis")


def test_same_scenario_differs_by_nothing(baseline):
    twin = with_values(baseline, {}, name="baseline_twin")
    comp = compare([twin], baseline, runs=RUNS, seed=1, by=("region",))
    df = comp.difference_curve("baseline_twin")
    assert list(df.columns) == ["month", "region", "mean", "lo", "hi"]
    assert np.all(df[["mean", "lo", "hi"]].to_numpy() == 0)  # common random numbers
    assert common_horizon([baseline]) == (baseline.horizon.start, baseline.horizon.months)


def test_refuses_bad_arguments(baseline):
    with pytest.raises(ValueError):
        compare([baseline], baseline, runs=RUNS)
    with pytest.raises(ValueError):
        compare(["china_licensing_2025"], baseline, by=("exporter",))
