"""The analysis verbs of the command line, on real (tiny) runs."""

from __future__ import annotations

import pandas as pd
import pytest

from supplysim import cli


def test_compare(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = cli.main(["compare", "china_heavy_ree_stop", "--base", "baseline_2024",
                     "--runs", "32", "--seed", "2", "--out", str(out)])
    assert code == 0
    summary = pd.read_csv(out / "compare_summary.csv")
    assert {"baseline_2024", "china_heavy_ree_stop"} <= set(summary.columns)
    assert (out / "difference_china_heavy_ree_stop.csv").is_file()
    assert (out / "difference_china_heavy_ree_stop_japan.png").is_file()
    text = capsys.readouterr().out
    assert "china_heavy_ree_stop vs baseline_2024" in text and "Japan" in text


def test_sensitivity(tmp_path, capsys):
    out = tmp_path / "sens"
    code = cli.main(["sensitivity", "china_licensing_2025", "--method", "morris", "--n", "2",
                     "--runs", "32", "--metric", "expected_unmet", "--region", "Japan",
                     "--out", str(out)])
    assert code == 0
    df = pd.read_csv(out / "sensitivity.csv")
    assert list(df.columns) == ["input", "mu_star", "mu_star_conf", "sigma"]
    assert (out / "sensitivity.png").is_file()
    assert "approval_prob" in capsys.readouterr().out


def test_size_stockpile(tmp_path, capsys):
    out = tmp_path / "size"
    code = cli.main(["size-stockpile", "china_licensing_2025", "--holder", "Japan",
                     "--material", "oxide_Dy", "--target", "0.02", "--runs", "32",
                     "--max-t", "500", "--out", str(out)])
    assert code == 0
    curve = pd.read_csv(out / "cost_curve.csv")
    assert list(curve.columns) == ["size_t", "prob", "lo", "hi"]
    assert (out / "cost_curve.png").is_file()
    assert "infeasible" in capsys.readouterr().out


def test_report(tmp_path, capsys):
    out = tmp_path / "rep"
    code = cli.main(["report", "china_licensing_2025", "--vs", "baseline_2024", "--runs", "32",
                     "--out", str(out)])
    assert code == 0
    page = (out / "report.html").read_text()
    assert "Versus baseline_2024" in page and "other months" not in page
    assert str(out / "report.html") in capsys.readouterr().out


def test_bad_names_give_one_line_and_status_2(tmp_path, capsys):
    code = cli.main(["size-stockpile", "china_licensing_2025", "--holder", "Japn",
                     "--material", "oxide_Dy", "--runs", "8", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "Japn" in err and len(err.splitlines()) == 1
    code = cli.main(["sensitivity", "china_licensing_2025", "--region", "Atlantis", "--n", "1",
                     "--runs", "8", "--out", str(tmp_path)])
    assert code == 2
    assert "Atlantis" in capsys.readouterr().err
    assert cli.main(["compare", "nope_scenario", "--base", "baseline_2024"]) == 2
    with pytest.raises(SystemExit) as exc:  # --out is required
        cli.main(["report", "china_licensing_2025"])
    assert exc.value.code == 2
