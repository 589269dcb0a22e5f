"""Output folders: a different run's results are not overwritten unless asked."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from supplysim import cli
from supplysim.errors import SupplysimError
from supplysim.results import write_tables
from supplysim.results.io import OutputExistsError


def _synthetic():
    path = Path(__file__).parents[1] / "results" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_supplysim_synthetic_results_ow", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SYNTHETIC = _synthetic()


def test_write_tables_same_run_is_idempotent(tmp_path):
    results = SYNTHETIC.make_results()
    first = write_tables(results, tmp_path)
    assert write_tables(results, tmp_path) == first
    assert json.loads((tmp_path / "run.json").read_text())["runs"] == 4


@pytest.mark.parametrize(("key", "value"), [("seed", "1"), ("scenario_hash", "ffff"),
                                            ("runs", 99), ("version", "9.9")])
def test_write_tables_refuses_a_different_run(tmp_path, key, value):
    results = SYNTHETIC.make_results()
    write_tables(results, tmp_path)
    record = json.loads((tmp_path / "run.json").read_text())
    record[key] = value
    (tmp_path / "run.json").write_text(json.dumps(record))
    with pytest.raises(OutputExistsError, match=key) as info:
        write_tables(results, tmp_path)
    assert isinstance(info.value, SupplysimError) and str(tmp_path) in str(info.value)
    write_tables(results, tmp_path, overwrite=True)
    assert json.loads((tmp_path / "run.json").read_text())[key] != value


def test_unreadable_run_json_is_refused(tmp_path):
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(OutputExistsError, match="cannot be read"):
        write_tables(SYNTHETIC.make_results(), tmp_path)


def test_cli_refuses_then_overwrites(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", "baseline_2024", "--runs", "256", "--out", str(out), "--quiet"]
    assert cli.main([*argv, "--seed", "1"]) == 0
    assert cli.main([*argv, "--seed", "1"]) == 0  # same run: allowed
    capsys.readouterr()
    assert cli.main([*argv, "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out} holds the results of a different run")
    assert "seed 1 != 2" in err and len(err.splitlines()) == 1
    assert json.loads((out / "run.json").read_text())["seed"] == "1"
    assert cli.main([*argv, "--seed", "2", "--overwrite"]) == 0
    assert json.loads((out / "run.json").read_text())["seed"] == "2"
