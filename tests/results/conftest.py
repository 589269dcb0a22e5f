"""A small hand-made results Dataset with known numbers.

4 paths x 3 months; regions Japan and United States; sectors ev_motors (magnet_hre) and
electronics (magnet_std).

Demand [t/month], constant over paths and months:
    Japan / ev_motors / magnet_hre            100
    Japan / electronics / magnet_std           50
    United States / ev_motors / magnet_hre    200
    United States / electronics / magnet_std    0   (no demand: rows dropped)
Unmet [t/month]:
    Japan hre: 10 * (path + 1) * month  -> month 1: 10, 20, 30, 40; month 2: 20, 40, 60, 80
    United States hre: 100 in path 3, month 2 only
Flows (t/month shipped = base * (path + 1)):
    f0 China->Japan hre 10, f1 China->Japan std 5, f2 Vietnam->Japan hre 2,
    f3 China->United States hre 20, f4 China->Japan hre 1
Stockpiles [t]: jogmec_dy (Japan, oxide_Dy) 300, 250, 200 - 100*path clipped at 0 in month 2
    -> month 2 values 200, 100, 0, 0; us_magnets (United States, magnet_hre) 100 constant.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")

PATHS, MONTHS = 4, 3
REGIONS = ["Japan", "United States"]
SECTORS = ["ev_motors", "electronics"]
MATERIALS = ["magnet_hre", "magnet_std"]
FLOWS = [
    ("China", "Japan", "magnet_hre", 10.0),
    ("China", "Japan", "magnet_std", 5.0),
    ("Vietnam", "Japan", "magnet_hre", 2.0),
    ("China", "United States", "magnet_hre", 20.0),
    ("China", "Japan", "magnet_hre", 1.0),
]


def _demand_unmet() -> tuple[np.ndarray, np.ndarray]:
    shape = (PATHS, MONTHS, len(REGIONS), len(SECTORS), len(MATERIALS))
    demand = np.zeros(shape, dtype=np.float32)
    unmet = np.zeros(shape, dtype=np.float32)
    demand[:, :, 0, 0, 0] = 100.0
    demand[:, :, 0, 1, 1] = 50.0
    demand[:, :, 1, 0, 0] = 200.0
    for p in range(PATHS):
        for m in range(MONTHS):
            unmet[p, m, 0, 0, 0] = 10.0 * (p + 1) * m
    unmet[3, 2, 1, 0, 0] = 100.0
    return demand, unmet


def _stock(n_stockpiles: int) -> xr.DataArray:
    values = np.zeros((PATHS, MONTHS, 2), dtype=np.float32)
    for p in range(PATHS):
        values[p, :, 0] = [300.0, 250.0, max(200.0 - 100.0 * p, 0.0)]
    values[:, :, 1] = 100.0
    names = ["jogmec_dy", "us_magnets"][:n_stockpiles]
    return xr.DataArray(
        values[:, :, :n_stockpiles],
        dims=("path", "month", "stockpile"),
        coords={
            "stockpile": names,
            "holder": ("stockpile", ["Japan", "United States"][:n_stockpiles]),
            "stockpile_material": ("stockpile", ["oxide_Dy", "magnet_hre"][:n_stockpiles]),
        },
        attrs={"units": "t", "long_name": "stockpile held at month end"},
    )


def make_dataset(n_stockpiles: int = 2) -> xr.Dataset:
    """The synthetic Dataset described in the module docstring."""
    demand, unmet = _demand_unmet()
    dims = ("path", "month", "region", "sector", "material")
    scale = np.arange(1, PATHS + 1, dtype=np.float32)[:, None, None]
    base = np.array([f[3] for f in FLOWS], dtype=np.float32)
    shipped = scale * np.ones((PATHS, MONTHS, len(FLOWS)), dtype=np.float32) * base
    ds = xr.Dataset(
        {
            "demand_t": (dims, demand, {"units": "t/month", "long_name": "demand"}),
            "unmet_t": (dims, unmet, {"units": "t/month", "long_name": "unmet demand"}),
            "shipped_t": (
                ("path", "month", "flow"),
                shipped,
                {"units": "t/month", "long_name": "shipped"},
            ),
            "stockpile_t": _stock(n_stockpiles),
        },
        coords={
            "path": np.arange(PATHS),
            "month": pd.date_range("2025-01-01", periods=MONTHS, freq="MS"),
            "region": REGIONS,
            "sector": SECTORS,
            "material": MATERIALS,
            "exporter": ("flow", [f[0] for f in FLOWS]),
            "destination": ("flow", [f[1] for f in FLOWS]),
            "flow_material": ("flow", [f[2] for f in FLOWS]),
        },
        attrs={
            "scenario": "synthetic_test",
            "scenario_hash": "0123456789abcdef",
            "seed": "12345678901234567890",
            "version": "0.1.0",
            "engine": "synthetic",
            "chunk_size": 2,
        },
    )
    return ds


def make_results(n_stockpiles: int = 2):
    """A Results object over :func:`make_dataset`."""
    from supplysim.results import Results

    meta = {"paths": PATHS, "steps": MONTHS, "nodes": 7, "seconds": 0.5,
            "scenario": "synthetic_test", "seed": 12345678901234567890}
    return Results(make_dataset(n_stockpiles), meta)


@pytest.fixture
def ds() -> xr.Dataset:
    return make_dataset()


@pytest.fixture
def results():
    return make_results()


@pytest.fixture
def results_factory():
    return make_results


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
