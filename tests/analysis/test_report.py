"""The HTML report."""

from __future__ import annotations

import pandas as pd
import pytest

import supplysim
from supplysim.analysis import write_report
from supplysim.analysis.report import difference_table

RUNS = 64


@pytest.fixture(scope="module")
def runs():
    lic = supplysim.simulate("china_licensing_2025", runs=RUNS, seed=0)
    base = supplysim.simulate("baseline_2024", runs=RUNS, seed=0)
    return lic, base


def test_report_is_self_contained(runs, tmp_path):
    lic, base = runs
    sens = pd.DataFrame({"input": ["policies.mofcom_no18.approval_prob"], "mu_star": [0.2],
                         "mu_star_conf": [0.05], "sigma": [0.1]})
    path = write_report(lic, tmp_path, base=base, sensitivity=sens)
    assert path == tmp_path / "report.html"
    page = path.read_text()
    assert "<h2>Prices</h2>" in page and "ex-China markets" in page
    assert page.count("data:image/png;base64,") >= 10
    assert "mofcom_no18" in page and lic.ds.attrs["scenario_hash"] in page
    assert "baseline_2024 -&gt; china_licensing_2025" in page  # lineage
    assert "Versus baseline_2024" in page and "other months" in page
    assert "Sensitivity" in page and "src=\"http" not in page
    for name in ("summary.csv", "shortage_curve.parquet", "run.json", "difference.csv"):
        assert (tmp_path / name).is_file()


def test_report_without_extras(runs, tmp_path):
    path = write_report(runs[1], tmp_path / "new")
    page = path.read_text()
    assert "Versus" not in page and "Sensitivity" not in page


def test_difference_table(runs):
    lic, base = runs
    df = difference_table(lic, base)
    row = df[(df.region == "Japan") & (df.material == "magnet_hre")].iloc[0]
    assert row["unmet_t_diff"] == pytest.approx(row["unmet_t"] - row["unmet_t_base"])
