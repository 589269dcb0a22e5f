"""Tables of Results over the hand-made Dataset in conftest.py (numbers explained there)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from supplysim.results import Results, magnet_materials

JP, US = "Japan", "United States"
HRE, STD = "magnet_hre", "magnet_std"
M0, M1, M2 = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"), pd.Timestamp("2025-03-01")


def row(df: pd.DataFrame, **keys) -> pd.Series:
    """The single row of ``df`` matching ``keys``."""
    mask = np.ones(len(df), dtype=bool)
    for k, v in keys.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.sum() == 1, f"{mask.sum()} rows match {keys}"
    return df[mask].iloc[0]


def test_attributes(results, ds):
    assert results.meta["paths"] == 4
    assert results.to_xarray() is results.ds
    assert "synthetic_test" in repr(results)


def test_missing_variables_refused(ds):
    with pytest.raises(ValueError, match="unmet_t"):
        Results(ds.drop_vars("unmet_t"), {})


def test_shortage_curve_columns_and_values(results):
    df = results.shortage_curve()
    assert list(df.columns) == ["month", "region", "material", "mean", "p05", "p50", "p95",
                                "share_mean"]
    assert len(df) == 3 * 3  # US magnet_std has no demand: dropped
    r = row(df, month=M1, region=JP, material=HRE)
    assert r["mean"] == pytest.approx(25.0)
    assert r["p05"] == pytest.approx(11.5)
    assert r["p50"] == pytest.approx(25.0)
    assert r["p95"] == pytest.approx(38.5)
    assert r["share_mean"] == pytest.approx(0.25)
    assert row(df, month=M2, region=US, material=HRE)["share_mean"] == pytest.approx(0.125)
    assert df.attrs["units"] == {"mean": "t/month", "p05": "t/month", "p50": "t/month",
                                 "p95": "t/month", "share_mean": "1"}


def test_shortage_curve_zero_demand_rows_dropped(results):
    df = results.shortage_curve(by=("region", "material"))
    assert not ((df["region"] == US) & (df["material"] == STD)).any()
    # Japan magnet_std has demand but no shortage: kept with zeros
    r = row(df, month=M2, region=JP, material=STD)
    assert r["mean"] == 0.0 and r["share_mean"] == 0.0


def test_shortage_curve_by_variants(results):
    assert list(results.shortage_curve(by="region").columns[:2]) == ["month", "region"]
    df = results.shortage_curve(by=["material", "sector"])
    assert list(df.columns[:3]) == ["month", "material", "sector"]
    assert len(df) == 3 * 2  # only (hre, ev_motors) and (std, electronics) have demand
    world = results.shortage_curve(by=[])
    assert list(world.columns) == ["month", "mean", "p05", "p50", "p95", "share_mean"]
    assert world["mean"].tolist() == pytest.approx([0.0, 25.0, 75.0])
    # month 2 per-path world share: (20, 40, 60, 180) / 350
    assert world["share_mean"].iloc[2] == pytest.approx(300.0 / 4 / 350.0)


def test_shortage_curve_custom_quantiles(results):
    df = results.shortage_curve(by="region", quantiles=(0.25, 0.975))
    assert list(df.columns) == ["month", "region", "mean", "p25", "p97.5", "share_mean"]
    assert row(df, month=M1, region=JP)["p25"] == pytest.approx(17.5)


@pytest.mark.parametrize("by", [("country",), ("region", "region"), "exporter"])
def test_bad_by_refused(results, by):
    with pytest.raises(ValueError, match="by must be"):
        results.shortage_curve(by=by)


def test_bad_quantiles_refused(results):
    with pytest.raises(ValueError, match="quantiles"):
        results.shortage_curve(quantiles=(1.5,))


def test_prob_shortage_exact_fractions(results):
    df = results.prob_shortage(threshold=0.1)
    assert list(df.columns) == ["month", "region", "material", "prob"]
    assert row(df, month=M0, region=JP, material=HRE)["prob"] == 0.0
    assert row(df, month=M1, region=JP, material=HRE)["prob"] == pytest.approx(0.75)
    assert row(df, month=M2, region=JP, material=HRE)["prob"] == pytest.approx(1.0)
    assert row(df, month=M2, region=US, material=HRE)["prob"] == pytest.approx(0.25)
    assert row(df, month=M2, region=JP, material=STD)["prob"] == 0.0
    assert df.attrs["units"] == {"prob": "1"}


def test_prob_shortage_threshold(results):
    df = results.prob_shortage(threshold=0.5, by="region")
    # Japan month 2: per-path share of (hre + std) = (20, 40, 60, 80) / 150
    assert row(df, month=M2, region=JP)["prob"] == pytest.approx(0.25)


def test_prob_any(results):
    df = results.prob_any(threshold=0.1)
    assert list(df.columns) == ["region", "material", "prob"]
    assert row(df, region=JP, material=HRE)["prob"] == pytest.approx(1.0)
    assert row(df, region=US, material=HRE)["prob"] == pytest.approx(0.25)
    first_two = results.prob_any(threshold=0.1, months=2)
    assert row(first_two, region=JP, material=HRE)["prob"] == pytest.approx(0.75)
    assert row(first_two, region=US, material=HRE)["prob"] == 0.0
    high = results.prob_any(threshold=0.5)
    assert row(high, region=JP, material=HRE)["prob"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="months"):
        results.prob_any(months=0)


def test_expected_unmet(results):
    df = results.expected_unmet()
    assert list(df.columns) == ["region", "material", "mean_t", "p95_t"]
    r = row(df, region=JP, material=HRE)  # per-path totals 30, 60, 90, 120
    assert r["mean_t"] == pytest.approx(75.0)
    assert r["p95_t"] == pytest.approx(115.5)
    assert row(df, region=US, material=HRE)["mean_t"] == pytest.approx(25.0)
    world = results.expected_unmet(by=None)
    assert list(world.columns) == ["mean_t", "p95_t"]
    assert world["mean_t"].iloc[0] == pytest.approx(100.0)
    assert df.attrs["units"] == {"mean_t": "t", "p95_t": "t"}


def test_summary(results):
    df = results.summary(threshold=0.1)
    assert list(df.columns) == ["region", "material", "demand_t", "unmet_t", "unmet_share",
                                "peak_month_share", "p_any_month_over_threshold"]
    assert len(df) == 3
    r = row(df, region=JP, material=HRE)
    assert r["demand_t"] == pytest.approx(300.0)
    assert r["unmet_t"] == pytest.approx(75.0)
    assert r["unmet_share"] == pytest.approx(0.25)
    assert r["peak_month_share"] == pytest.approx(0.5)
    assert r["p_any_month_over_threshold"] == pytest.approx(1.0)
    u = row(df, region=US, material=HRE)
    assert u["unmet_share"] == pytest.approx(25.0 / 600.0)
    assert u["peak_month_share"] == pytest.approx(0.125)
    assert u["p_any_month_over_threshold"] == pytest.approx(0.25)
    assert row(df, region=JP, material=STD)["unmet_t"] == 0.0


def test_stockpiles(results):
    df = results.stockpiles()
    assert list(df.columns) == ["month", "stockpile", "holder", "material", "mean", "p05",
                                "p50", "p95", "p_empty"]
    assert len(df) == 3 * 2
    r = row(df, month=M2, stockpile="jogmec_dy")  # values 200, 100, 0, 0
    assert r["holder"] == JP and r["material"] == "oxide_Dy"
    assert r["mean"] == pytest.approx(75.0)
    assert r["p50"] == pytest.approx(50.0)
    assert r["p_empty"] == pytest.approx(0.5)
    assert row(df, month=M1, stockpile="jogmec_dy")["p_empty"] == 0.0
    assert row(df, month=M2, stockpile="us_magnets")["p05"] == pytest.approx(100.0)
    assert df.attrs["units"]["mean"] == "t"


def test_stockpiles_empty(results_factory):
    df = results_factory(n_stockpiles=0).stockpiles()
    assert df.empty
    assert list(df.columns) == ["month", "stockpile", "holder", "material", "mean", "p05",
                                "p50", "p95", "p_empty"]


def test_flows_default_grouping(results):
    df = results.flows()
    assert list(df.columns) == ["month", "exporter", "destination", "material", "mean", "p05",
                                "p95"]
    assert len(df) == 3 * 4  # f0 and f4 share a group
    r = row(df, month=M0, exporter="China", destination=JP, material=HRE)
    # per path (10 + 1) * (p + 1) = 11, 22, 33, 44
    assert r["mean"] == pytest.approx(27.5)
    assert r["p05"] == pytest.approx(11 + 0.15 * 11)
    assert r["p95"] == pytest.approx(33 + 0.85 * 11)


def test_flows_coarser_grouping(results):
    df = results.flows(by=("exporter", "destination"))
    assert list(df.columns) == ["month", "exporter", "destination", "mean", "p05", "p95"]
    assert row(df, month=M1, exporter="China", destination=JP)["mean"] == pytest.approx(40.0)
    by_exporter = results.flows(by="exporter")
    assert row(by_exporter, month=M1, exporter="China")["mean"] == pytest.approx(90.0)
    world = results.flows(by=())
    assert world["mean"].tolist() == pytest.approx([95.0] * 3)
    with pytest.raises(ValueError, match="by must be"):
        results.flows(by="region")


def test_to_frame(results):
    df = results.to_frame("shipped_t")
    assert len(df) == 4 * 3 * 5
    assert {"path", "month", "flow", "exporter", "destination", "flow_material",
            "shipped_t"} <= set(df.columns)
    assert df["shipped_t"].sum() == pytest.approx(38.0 * 10 * 3)
    assert df.attrs["units"] == {"shipped_t": "t/month"}
    assert len(results.to_frame("unmet_t")) == 4 * 3 * 2 * 2 * 2
    with pytest.raises(KeyError, match="no variable"):
        results.to_frame("nope")


def test_magnet_materials(ds):
    assert magnet_materials(ds) == ["magnet_hre", "magnet_std"]
    renamed = ds.assign_coords(material=["oxide_Dy", "metal_Dy"])
    assert magnet_materials(renamed) == ["oxide_Dy", "metal_Dy"]
