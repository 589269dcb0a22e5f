"""Streamed summaries (``simulate(..., store="summary")``) against the in-memory results."""

from __future__ import annotations

import numpy as np
import pytest

import supplysim
from supplysim.results.streaming import (
    THRESHOLDS,
    LogBins,
    ShareBins,
    SummaryAccumulator,
    SummarySpec,
    hist_quantile,
)
from supplysim.results.summary import NeedsPathsError, SummaryResults

BYS = [(), ("region",), ("sector", "material"), ("material", "region"),
       ("region", "sector", "material")]
RATIO = 10 ** (1 / SummarySpec().bins_per_decade)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """china_licensing_2025 on its first 14 months (licensing starts in April 2025)."""
    path = tmp_path_factory.mktemp("stream") / "short.yaml"
    path.write_text("name: short\nextends: china_licensing_2025\nhorizon: {months: 14}\n")
    return supplysim.load_scenario(path)


@pytest.fixture(scope="module")
def runs(scenario):
    kept = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=256)
    small = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=256, store="summary")
    large = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=512, store="summary")
    return kept, small, large


def within_accuracy(exact, estimate, low=SummarySpec().low_t):
    """|estimate - exact| <= max(exact (ratio - 1), low_t): the stated tonne accuracy."""
    exact, estimate = np.asarray(exact, float), np.asarray(estimate, float)
    return np.all(np.abs(estimate - exact) <= np.maximum(exact * (RATIO - 1), low) + 1e-9)


def test_streamed_means_equal_in_memory_means(runs):
    kept, small, large = runs
    assert isinstance(small, SummaryResults) and small.meta["store"] == "summary"
    for res in (small, large):
        for by in BYS:
            a, b = kept.shortage_curve(by=by), res.shortage_curve(by=by)
            assert list(a.columns) == list(b.columns) and len(a) == len(b)
            np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(b["share_mean"], a["share_mean"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(res.expected_unmet(by).mean_t,
                                       kept.expected_unmet(by).mean_t, rtol=1e-9, atol=1e-9)
        a, b = kept.summary(), res.summary()
        assert (a.region == b.region).all() and (a.material == b.material).all()
        for col in a.columns[2:]:
            np.testing.assert_allclose(b[col], a[col], rtol=1e-9, atol=1e-12)
        a, b = kept.stockpiles(), res.stockpiles()
        np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(b["p_empty"], a["p_empty"])
        for by in (("exporter", "destination", "material"), "exporter", ()):
            a, b = kept.flows(by, quantiles=()), res.flows(by, quantiles=())
            np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-9, atol=1e-9)


def test_exceedance_probabilities_are_exact(runs):
    kept, small, _ = runs
    assert small.thresholds == THRESHOLDS
    for th in THRESHOLDS:
        for by in BYS[:3]:
            a, b = kept.prob_shortage(th, by), small.prob_shortage(th, by)
            np.testing.assert_array_equal(b["prob"], a["prob"])
            for months in (None, 5):
                a, b = kept.prob_any(th, by, months), small.prob_any(th, by, months)
                np.testing.assert_array_equal(b["prob"], a["prob"])
    assert small.prob_shortage(0.1).prob.max() > 0  # the check is not vacuous


def test_chunk_size_changes_no_count(runs):
    _, small, large = runs
    for name, counts in small.summaries.counts.items():
        np.testing.assert_array_equal(counts, large.summaries.counts[name], err_msg=name)
    for name, sums in small.summaries.sums.items():
        np.testing.assert_allclose(sums, large.summaries.sums[name], rtol=1e-12, err_msg=name)


def test_quantiles_within_stated_accuracy(runs):
    kept, small, _ = runs
    by = ("region", "sector", "material")
    a, b = kept.shortage_curve(by, (0.05, 0.5, 0.95)), small.shortage_curve(by, (0.05, 0.5, 0.95))
    for q in ("p05", "p50", "p95"):
        assert within_accuracy(a[q], b[q]), q
    a, b = kept.stockpiles(), small.stockpiles()
    assert all(within_accuracy(a[q], b[q]) for q in ("p05", "p50", "p95"))
    a, b = kept.flows(), small.flows()
    assert all(within_accuracy(a[q], b[q]) for q in ("p05", "p95"))
    a, b = kept.expected_unmet(by), small.expected_unmet(by)
    assert within_accuracy(a.p95_t, b.p95_t)
    share = small.selection_stats(region="Japan", material="magnet_hre", share=True,
                                  quantiles=(0.5, 0.95))
    from supplysim.results import metrics, plot

    exact = metrics.path_stats(plot.shortage_paths(kept, "Japan", "magnet_hre", share=True),
                               (0.5, 0.95))
    for q in ("p50", "p95"):
        err = np.abs(share[q].to_numpy() - exact[q].to_numpy())
        assert err.max() <= SummarySpec().share_bin + 1e-12


def test_what_needs_paths_raises_a_clear_error(runs):
    _, small, _ = runs
    with pytest.raises(NeedsPathsError, match="thresholds"):
        small.prob_shortage(0.15)
    with pytest.raises(NeedsPathsError, match="thresholds"):
        small.prob_any(0.3)
    with pytest.raises(NeedsPathsError, match="per flow"):
        small.flows(by="exporter")
    with pytest.raises(NeedsPathsError, match="single region"):
        small.plot_shortage(region=["Japan", "China"])
    for call in (lambda: small.to_frame("unmet_t"), small.events, small.plot_story):
        with pytest.raises(NeedsPathsError):
            call()
    with pytest.raises(ValueError, match="unknown region"):
        small.selection_stats(region="Atlantis")


def test_bad_store_arguments():
    with pytest.raises(ValueError, match="store must be"):
        supplysim.simulate("baseline_2024", runs=10, store="everything")
    with pytest.raises(ValueError, match="engine='vector' only"):
        supplysim.simulate("baseline_2024", runs=10, engine="des", store="summary")
    with pytest.raises(ValueError, match="thresholds"):
        SummarySpec(thresholds=(0.1, 1.5))


def test_custom_thresholds_are_counted(scenario, runs):
    kept = runs[0]
    spec = SummarySpec(thresholds=(0.15,), month_block=5)
    res = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=512, store=spec)
    assert kept.prob_any(0.15).prob.max() > 0
    np.testing.assert_array_equal(res.prob_any(0.15).prob, kept.prob_any(0.15).prob)
    with pytest.raises(NeedsPathsError):
        res.prob_any(0.1)


def test_tables_and_plots_from_summaries(runs, tmp_path):
    from supplysim.results import write_tables

    _, small, _ = runs
    tables = write_tables(small, tmp_path)
    assert (tmp_path / "summary.csv").is_file() and (tmp_path / "flows.parquet").is_file()
    names = {p.stem for p in tables}
    assert {"shortage_curve", "prob_shortage", "flows", "stockpiles", "prices"} <= names
    assert all(p.with_suffix(".parquet") in tables for p in tables if p.suffix == ".csv"
               and p.stem != "summary")
    fig, ax = small.plot_shortage(region="Japan", material="magnet_hre")
    assert len(ax.lines) == 1 and "Japan" in ax.get_title()
    fig, ax = small.plot_supply_by_origin("Japan", ["magnet_hre", "magnet_std"])
    assert ax.collections and "Japan" in ax.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_hist_quantile_hand_checked():
    bins = LogBins(1.0, 1e4, 10)  # bins [1, 1.26), ... ; values below 1 count as 0
    values = np.array([0.0, 0.0, 10.0, 100.0, 1000.0])
    counts = np.bincount(bins.index(values), minlength=bins.n)[None]
    lo, hi = np.array([0.0]), np.array([1000.0])
    assert hist_quantile(counts, 0.0, bins, lo, hi)[0] == 0.0
    assert hist_quantile(counts, 1.0, bins, lo, hi)[0] == 1000.0
    for q in (0.5, 0.75):  # exact: 10 and 100 (ranks 2 and 3)
        est = hist_quantile(counts, q, bins, lo, hi)[0]
        exact = np.quantile(values, q)
        assert exact <= est < exact * 10 ** 0.1
    # rank 1.5 interpolates halfway between the order statistics 0 and ~10
    est = hist_quantile(counts, 0.375, bins, lo, hi)[0]
    assert 5.0 <= est < 5.0 * 10 ** 0.1
    share = ShareBins(0.1)
    np.testing.assert_array_equal(share.index(np.array([0.0, 0.05, 0.1, 0.1001, 1.0, 1.2])),
                                  [0, 1, 1, 2, 10, 11])
    # the accumulator bins only the values outside bin 0: in_first must say which are in it
    for b, v in ((bins, np.array([-1.0, 0.0, 0.99, 1.0, 5.0, 1e9])),
                 (share, np.array([-0.1, 0.0, 1e-9, 0.5, 2.0]))):
        np.testing.assert_array_equal(b.in_first(v), b.index(v) == 0)


def test_accumulator_merge_equals_one_pass():
    rng = np.random.default_rng(0)
    region, sector, material = ["A", "A", "B"], ["x", "y", "x"], ["m", "m", "n"]
    n, T = 40, 5
    demand = rng.uniform(1, 10, (n, T, 3)).astype(np.float32)
    arrays = dict(demand_t=demand, unmet_t=demand * rng.uniform(0, 1, (n, T, 3)).astype(np.float32),
                  shipped_t=rng.uniform(0, 5, (n, T, 2)).astype(np.float32),
                  stockpile_t=rng.uniform(0, 5, (n, T, 1)).astype(np.float32))
    spec = SummarySpec(month_block=2)
    one = SummaryAccumulator.of(region, sector, material, T, 2, 1, spec)
    one.add(arrays)
    a = SummaryAccumulator.of(region, sector, material, T, 2, 1, spec)
    b = SummaryAccumulator.of(region, sector, material, T, 2, 1, spec)
    a.add({k: v[:15] for k, v in arrays.items()})
    b.add({k: v[15:] for k, v in arrays.items()})
    a.merge(b)
    assert a.paths == one.paths == n and a.nbytes() == one.nbytes()
    for name in one.counts:
        np.testing.assert_array_equal(a.counts[name], one.counts[name])
    for name in one.sums:
        np.testing.assert_allclose(a.sums[name], one.sums[name], rtol=1e-12)
    # world total per month: the sum of all three rows
    sl, _ = one.groups[()]
    np.testing.assert_allclose(one.sums["demand"][:, sl][:, 0],
                               demand.astype(float).sum(axis=(0, 2)), rtol=1e-12)


def test_streamed_run_resumes_from_a_checkpoint(scenario, runs, tmp_path):
    _, small, _ = runs
    first = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=256, store="summary",
                               checkpoint=tmp_path)
    again = supplysim.simulate(scenario, runs=512, seed=11, chunk_size=256, store="summary",
                               checkpoint=tmp_path)
    assert first.meta["resumed_chunks"] == 0 and again.meta["resumed_chunks"] == 2
    for res in (first, again):
        for name, counts in small.summaries.counts.items():
            np.testing.assert_array_equal(res.summaries.counts[name], counts, err_msg=name)
