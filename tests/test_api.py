"""The public contract: names, columns and errors the README promises."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import supplysim
from supplysim.errors import ScenarioError


@pytest.fixture(scope="module")
def results():
    return supplysim.simulate("china_licensing_2025", runs=256, seed=1)


def test_bundled_scenarios_are_listed():
    names = [n for n, _ in supplysim.list_scenarios()]
    for name in ("baseline_2024", "china_licensing_2025", "china_heavy_ree_stop", "allied_capacity"):
        assert name in names


def test_meta(results):
    for key in ("paths", "steps", "nodes", "seconds"):
        assert key in results.meta
    assert results.meta["paths"] == 256 and results.meta["steps"] == 36


def test_shortage_curve_columns(results):
    df = results.shortage_curve(by=["region", "sector", "material"])
    assert list(df.columns) == ["month", "region", "sector", "material", "mean", "p05", "p50",
                                "p95", "share_mean"]
    assert (df.p05 <= df.p50 + 1e-9).all() and (df.p50 <= df.p95 + 1e-9).all()
    assert df.share_mean.between(0, 1).all()


def test_flows_columns(results):
    df = results.flows()
    assert list(df.columns) == ["month", "exporter", "destination", "material", "mean", "p05", "p95"]


def test_prob_shortage_and_stockpiles(results):
    p = results.prob_shortage(0.1)
    assert p.prob.between(0, 1).all()
    assert {"month", "stockpile", "mean"} <= set(results.stockpiles().columns)
    assert results.to_xarray().unmet_t.dims == ("path", "month", "region", "sector", "material")


def test_bad_scenario_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: baseline_2024\npolicies:\n  - type: export_ban\n"
                   "    name: b\n    exporter: Japn\n    elements: [Dy]\n    start: 2024-03\n")
    with pytest.raises(ScenarioError) as err:
        supplysim.load_scenario(bad)
    assert err.value.line == 6 and err.value.field == "policies[0].exporter"
    assert str(bad) in str(err.value) and "Japan" in str(err.value)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        supplysim.simulate("baseline_2024", runs=10, engine="quantum")


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "supplysim", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_cli_run_writes_tables_and_plots(tmp_path):
    out = tmp_path / "out"
    proc = _cli("run", "china_licensing_2025", "--runs", "256", "--seed", "3", "--out", str(out),
                "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (out / "shortage_curve.csv").exists() and (out / "shortage_curve.parquet").exists()
    assert list(out.glob("*.png"))
    curve = pd.read_parquet(out / "shortage_curve.parquet")
    assert {"month", "region", "mean", "p95", "share_mean"} <= set(curve.columns)


def test_cli_bad_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon:\n  start: 2025-01\n  months: -3\n")
    proc = _cli("validate", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "bad.yaml:4" in proc.stderr and "horizon.months" in proc.stderr


def test_cli_list_and_validate():
    assert "china_licensing_2025" in _cli("list").stdout
    proc = _cli("validate", "allied_capacity")
    assert proc.returncode == 0 and proc.stdout.startswith("OK")
