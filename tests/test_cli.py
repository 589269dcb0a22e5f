"""The ``supplysim`` command line, with the library's entry points replaced by fakes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import supplysim
from supplysim import cli
from supplysim.errors import DataError, ScenarioError


def _synthetic():
    """The hand-made results module of tests/results (its conftest, loaded by path)."""
    path = Path(__file__).parent / "results" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_supplysim_synthetic_results", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SYNTHETIC = _synthetic()


def fake_scenario(name: str = "china_licensing_2025") -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        policies=(SimpleNamespace(name="mofcom_18"), SimpleNamespace(name="jogmec_dy")),
        horizon=SimpleNamespace(start=date(2025, 1, 1), months=36),
        lineage=("scenarios/baseline_2024.yaml", f"scenarios/{name}.yaml"),
        file=f"scenarios/{name}.yaml",
    )


@pytest.fixture
def fakes(monkeypatch):
    """Replace load_scenario/simulate/list_scenarios; record the calls."""
    calls: dict[str, object] = {}

    def load_scenario(path_or_name):
        calls["load"] = path_or_name
        return fake_scenario()

    def simulate(scenario, **kwargs):
        calls["simulate"] = (scenario, kwargs)
        return SYNTHETIC.make_results()

    def list_scenarios():
        return [("baseline_2024", "World as of 2024"), ("china_licensing_2025", "MOFCOM rules")]

    monkeypatch.setattr(supplysim, "load_scenario", load_scenario, raising=False)
    monkeypatch.setattr(supplysim, "simulate", simulate, raising=False)
    monkeypatch.setattr(supplysim, "list_scenarios", list_scenarios, raising=False)
    return calls


def test_run_writes_files_and_prints_summary(fakes, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["run", "china_licensing_2025", "--runs", "50", "--seed", "7",
                     "--out", str(out), "--chunk-size", "10", "--quiet"])
    assert code == 0
    assert fakes["load"] == "china_licensing_2025"
    _, kwargs = fakes["simulate"]
    assert kwargs == {"runs": 50, "seed": 7, "chunk_size": 10, "progress": False}
    assert (out / "summary.csv").is_file() and (out / "run.json").is_file()
    assert (out / "shortage_curve.parquet").is_file()
    assert (out / "supply_by_origin_japan.png").is_file()
    text = capsys.readouterr().out
    assert "magnet_hre" in text and "United States" in text
    assert "25.0%" in text  # Japan magnet_hre unmet share
    assert str(out) in text


def test_run_defaults(fakes, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "china_licensing_2025"]) == 0
    _, kwargs = fakes["simulate"]
    assert kwargs == {"runs": 1000, "seed": 0, "progress": True}
    assert (tmp_path / "results" / "china_licensing_2025" / "summary.csv").is_file()
    assert str(Path("results") / "china_licensing_2025") in capsys.readouterr().out


def test_format_summary_separators_and_percent():
    df = pd.DataFrame({"region": ["Japan"], "material": ["magnet_hre"], "demand_t": [1234567.4],
                       "unmet_t": [12345.0], "unmet_share": [0.01], "peak_month_share": [0.256],
                       "p_any_month_over_threshold": [0.5]})
    text = cli.format_summary(df)
    assert "1,234,567" in text and "12,345" in text
    assert "1.0%" in text and "25.6%" in text and "50.0%" in text
    assert len(text.splitlines()) == 2


def test_validate(fakes, capsys):
    assert cli.main(["validate", "china_licensing_2025"]) == 0
    assert capsys.readouterr().out.strip() == (
        "OK china_licensing_2025: 2 policies, horizon 2025-01 + 36 months, extends baseline_2024"
    )


def test_validate_without_parent(monkeypatch, capsys):
    scenario = fake_scenario("baseline_2024")
    scenario.lineage = ("scenarios/baseline_2024.yaml",)
    monkeypatch.setattr(supplysim, "load_scenario", lambda _: scenario, raising=False)
    assert cli.main(["validate", "baseline_2024"]) == 0
    assert capsys.readouterr().out.strip().endswith("extends none")


def test_list(fakes, capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(None, 1) == ["baseline_2024", "World as of 2024"]
    assert lines[1].startswith("china_licensing_2025  MOFCOM rules")


@pytest.mark.parametrize("command", ["run", "validate"])
def test_scenario_error_exit_2(monkeypatch, capsys, command):
    def load_scenario(_):
        raise ScenarioError("bad.yaml", 7, "policies[0].approval_prob",
                            "expected a probability in [0, 1], got 1.5")

    monkeypatch.setattr(supplysim, "load_scenario", load_scenario, raising=False)
    assert cli.main([command, "bad.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: bad.yaml:7: policies[0].approval_prob: expected a probability in [0, 1], "
        "got 1.5\n"
    )


def test_data_error_exit_2(monkeypatch, capsys):
    def load_scenario(_):
        raise DataError("trade_links.csv row 4: share: shares sum to 0.9")

    monkeypatch.setattr(supplysim, "load_scenario", load_scenario, raising=False)
    assert cli.main(["validate", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: trade_links.csv") and "Traceback" not in err


@pytest.mark.parametrize("argv", [[], ["run"], ["run", "x", "--runs", "0"],
                                  ["run", "x", "--seed", "abc"], ["fly"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_python_dash_m_help():
    src = Path(cli.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-m", "supplysim", "--help"], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "run" in proc.stdout and "validate" in proc.stdout and "list" in proc.stdout


def test_run_stream_asks_for_summaries(fakes, tmp_path):
    assert cli.main(["run", "china_licensing_2025", "--stream", "--quiet",
                     "--out", str(tmp_path)]) == 0
    _, kwargs = fakes["simulate"]
    assert kwargs["store"] == "summary"


def test_run_backend_is_passed_on(fakes, tmp_path):
    assert cli.main(["run", "china_licensing_2025", "--backend", "numba", "--quiet",
                     "--out", str(tmp_path)]) == 0
    _, kwargs = fakes["simulate"]
    assert kwargs["backend"] == "numba"
