"""The plain metric functions over DataArrays."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from supplysim.results import metrics


@pytest.mark.parametrize(
    ("q", "name"), [(0.05, "p05"), (0.5, "p50"), (0.95, "p95"), (0.0, "p00"), (1.0, "p100"),
                    (0.025, "p2.5")]
)
def test_quantile_name(q, name):
    assert metrics.quantile_name(q) == name


def test_check_quantiles():
    assert metrics.check_quantiles([0.1, 0.9]) == (0.1, 0.9)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.check_quantiles([-0.1])
    with pytest.raises(ValueError, match="duplicate"):
        metrics.check_quantiles([0.5, 0.5])


def test_path_stats():
    da = xr.DataArray(np.array([[10.0], [20.0], [30.0], [40.0]], dtype=np.float32),
                      dims=("path", "month"))
    stats = metrics.path_stats(da, (0.05, 0.5))
    assert list(stats) == ["mean", "p05", "p50"]
    assert float(stats["mean"][0]) == pytest.approx(25.0)
    assert float(stats["p05"][0]) == pytest.approx(11.5)
    assert stats["mean"].dtype == np.float64
    assert list(metrics.path_stats(da, ())) == ["mean"]


def test_share_zero_demand_is_zero():
    unmet = xr.DataArray([0.0, 5.0, 0.0], dims="x")
    demand = xr.DataArray([0.0, 10.0, 4.0], dims="x")
    with np.errstate(all="raise"):
        out = metrics.share(unmet, demand)
    assert out.values.tolist() == [0.0, 0.5, 0.0]


def test_exceed_probabilities():
    share = xr.DataArray([[0.0, 0.2], [0.3, 0.0], [0.0, 0.0], [0.1, 0.1]],
                         dims=("path", "month"))
    assert metrics.exceed_prob(share, 0.1).values.tolist() == [0.25, 0.25]
    assert float(metrics.any_exceed_prob(share, 0.1)) == pytest.approx(0.5)
    assert float(metrics.any_exceed_prob(share, 0.1, months=1)) == pytest.approx(0.25)


def test_sum_to():
    da = xr.DataArray(np.ones((2, 3, 4), dtype=np.float32), dims=("path", "a", "b"))
    out = metrics.sum_to(da, ("path", "b"))
    assert out.dims == ("path", "b") and float(out[0, 0]) == 3.0
    assert out.dtype == np.float64
    assert metrics.sum_to(da, ("path", "a", "b")).dims == ("path", "a", "b")


def test_group_along():
    da = xr.DataArray(np.array([[1.0, 2.0, 4.0]]), dims=("path", "flow"))
    keys = {"exporter": ["B", "A", "B"], "material": ["x", "x", "x"]}
    out = metrics.group_along(da, "flow", keys)
    assert out.dims == ("path", "group")
    assert out["exporter"].values.tolist() == ["A", "B"]
    assert out.values.tolist() == [[2.0, 5.0]]
    total = metrics.group_along(da, "flow", {})
    assert total.values.tolist() == [[7.0]]


def test_tidy_drops_masked_rows():
    cols = {"v": xr.DataArray([[1.0, 2.0]], dims=("m", "r"), coords={"r": ["a", "b"]})}
    keep = xr.DataArray([[True, False]], dims=("m", "r"))
    df = metrics.tidy(cols, ("m", "r"), keep)
    assert df["r"].tolist() == ["a"] and df["v"].tolist() == [1.0]
    scalar = metrics.tidy({"v": xr.DataArray(3.0)}, ())
    assert scalar["v"].tolist() == [3.0]
