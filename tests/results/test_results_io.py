"""Files written by write_tables and write_plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from supplysim.results import write_plots, write_tables
from supplysim.results.io import atomic_write, slug

TABLE_NAMES = ["shortage_curve", "shortage_by_region", "prob_shortage", "flows", "stockpiles", "prices",
               "payments", "tariff_revenue"]


def test_write_tables(results, tmp_path):
    out = tmp_path / "out"
    written = write_tables(results, out)
    names = {p.name for p in written}
    expected = {f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")}
    assert names == expected | {"summary.csv", "run.json"}
    assert all(p.is_file() for p in written)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    for table in TABLE_NAMES:
        from_csv = pd.read_csv(out / f"{table}.csv")
        from_parquet = pd.read_parquet(out / f"{table}.parquet")
        assert list(from_csv.columns) == list(from_parquet.columns)
        assert len(from_csv) == len(from_parquet)
    curve = pd.read_parquet(out / "shortage_curve.parquet")
    assert list(curve.columns[:4]) == ["month", "region", "sector", "material"]
    assert curve.attrs["units"]["mean"] == "t/month"
    by_region = pd.read_parquet(out / "shortage_by_region.parquet")
    assert "sector" not in by_region.columns
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 3


def test_run_json(results, tmp_path):
    write_tables(results, tmp_path)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["scenario"] == "synthetic_test"
    assert run["scenario_hash"] == "0123456789abcdef"
    assert run["seed"] == "12345678901234567890"
    assert run["chunk_size"] == 2
    assert run["seconds"] == 0.5
    assert set(run["versions"]) == {"numpy", "pandas", "xarray", "supplysim"}
    assert run["versions"]["supplysim"] == "0.1.0"
    assert run["meta"]["paths"] == 4


def test_write_tables_netcdf(results, tmp_path):
    written = write_tables(results, tmp_path, netcdf=True)
    assert tmp_path / "results.nc" in written
    assert (tmp_path / "results.nc").stat().st_size > 0
    with xr.open_dataset(tmp_path / "results.nc") as back:
        assert float(back["unmet_t"].sum()) == pytest.approx(float(results.ds["unmet_t"].sum()))
    default = write_tables(results, tmp_path / "default")
    assert "results.nc" not in {p.name for p in default}
    assert not (tmp_path / "default" / "results.nc").exists()


def test_write_tables_without_stockpiles(results_factory, tmp_path):
    write_tables(results_factory(n_stockpiles=0), tmp_path)
    assert pd.read_parquet(tmp_path / "stockpiles.parquet").empty


def test_write_plots(results, tmp_path):
    written = write_plots(results, tmp_path)
    assert sorted(p.name for p in written) == [
        "shortage_japan_magnet_hre.png",
        "shortage_japan_magnet_std.png",
        "shortage_united_states_magnet_hre.png",  # no magnet_std demand there
        "supply_by_origin_japan.png",
        "supply_by_origin_united_states.png",
    ]
    for p in written:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_plots_leaves_no_pyplot_figures(results, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    write_plots(results, tmp_path)
    assert plt.get_fignums() == before


def test_atomic_write_cleans_up_on_failure(tmp_path):
    target = tmp_path / "x.csv"

    def fail(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write("partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_write(target, fail)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("old")
    atomic_write(target, lambda tmp: Path(tmp).write_text("new"))
    assert target.read_text() == "new"


@pytest.mark.parametrize(("text", "expected"),
                         [("United States", "united_states"), ("Rest of world", "rest_of_world"),
                          ("magnet_hre", "magnet_hre")])
def test_slug(text, expected):
    assert slug(text) == expected
