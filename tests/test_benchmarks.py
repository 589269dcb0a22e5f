"""The benchmark scripts in smoke mode: they run, and their JSON has positive figures.

No wall-clock figure is asserted. The fused reference and the numba backend need numba (an
optional extra); without it the scripts record a skip note instead.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    """Import a benchmark script as a module."""
    monkeypatch.syspath_prepend(str(BENCH))

    def load(name: str):
        return importlib.import_module(name)

    return load


def positive(row: dict, *keys: str) -> None:
    for key in keys:
        assert row[key] > 0, (key, row[key])


def test_scaling_sweeps_smoke(bench, tmp_path, capsys):
    out = tmp_path / "scaling.json"
    assert bench("scaling").main(["--smoke", "--skip", "policies", "des", "fused",
                                  "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert {"machine", "config", "paths", "network", "months"} <= set(report)
    assert report["machine"]["cpus"] >= 1 and report["machine"]["utc"]
    for key in ("paths", "network", "months"):
        assert len(report[key]) == 2
        for row in report[key]:
            positive(row, "median_s", "node_steps_per_s", "peak_traced_mib", "nodes", "months")
    assert [r["k"] for r in report["network"]] == [1, 2]
    assert report["network"][1]["nodes"] == 2 * report["network"][0]["nodes"]
    assert out.with_suffix(".png").stat().st_size > 0
    assert "node-steps/s" in capsys.readouterr().out


def test_scaling_all_policies_smoke(bench, tmp_path):
    out = tmp_path / "scaling.json"
    assert bench("scaling").main(["--smoke", "--skip", "paths", "network", "months", "des",
                                  "fused", "--no-memory", "--out", str(out)]) == 0
    pol = json.loads(out.read_text())["all_policies"]
    assert {"CapacityProject", "ExportLicensing"} <= set(pol["policies"])
    positive(pol, "node_steps_per_s", "projects", "stockpiles")


def test_scaling_des_smoke(bench, tmp_path, capsys):
    out = tmp_path / "scaling.json"
    assert bench("scaling").main(["--smoke", "--skip", "paths", "network", "months", "policies",
                                  "fused", "--no-memory", "--out", str(out)]) == 0
    des = json.loads(out.read_text())["des"]
    positive(des, "des_seconds_per_path", "vector_seconds_per_path", "vector_over_des_speed")
    assert "vector/DES" in capsys.readouterr().out


def test_scaling_without_numba_notes_the_skip(bench, monkeypatch, capsys):
    scaling = bench("scaling")
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "fused_reference", raising=False)
    note = scaling.fused(64, 2, 1)
    assert "skipped" in note and "numba" in note["skipped"]
    assert "fused reference skipped" in capsys.readouterr().out


def test_fused_reference_smoke(bench, tmp_path):
    pytest.importorskip("numba", reason="numba not installed: the fused reference is skipped")
    out = tmp_path / "fused.json"
    assert bench("fused_reference").main(["--smoke", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["results"]
    positive(row, "fused_node_steps_per_s", "engine_node_steps_per_s", "fraction_of_fused",
             "threads")
    assert 0 <= row["fused_mean_unmet_share"] < 1


@pytest.fixture(scope="module")
def licensing_net(world):
    import supplysim
    from supplysim.network import compile_network

    return compile_network(world, supplysim.load_scenario("china_licensing_2025", world))


@pytest.mark.xdist_group("numba")  # compiled by one worker (tests/engines/test_backends.py)
def test_throughput_numba_backend(bench, licensing_net):
    pytest.importorskip("numba", reason="numba not installed: the numba backend is skipped")
    row = bench("throughput").numba_engine(licensing_net, 256, 2025, 1, 1.0)
    positive(row, "numba_node_steps_per_s", "numba_over_numpy")
    assert len(row["numba_engine_seconds"]) == 1


def test_throughput_without_numba_notes_the_skip(bench, licensing_net, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "supplysim.engines.fused.run", None)  # cannot be imported
    row = bench("throughput").numba_engine(licensing_net, 256, 2025, 1, 1.0)
    assert set(row) == {"numba_skipped"}
    assert "numba backend skipped" in capsys.readouterr().out


def test_stream_memory_smoke(bench, tmp_path):
    out = tmp_path / "stream.json"
    assert bench("stream_memory").main(["--smoke", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["store"] == "summary" and len(report["results"]) == 2
    for row in report["results"]:
        positive(row, "peak_rss_mib", "rss_before_mib", "summary_mib", "node_steps_per_s",
                 "paths_store_bytes_per_path")
    assert report["results"][0]["summary_mib"] == report["results"][1]["summary_mib"]


def test_replicated_world_is_k_disjoint_copies(bench):
    import supplysim
    from supplysim.network import compile_network

    replicate = bench("replicate")
    world = supplysim.load_world()
    w2 = replicate.replicate_world(world, 2)
    assert replicate.replicate_world(world, 1).tables["demand"].equals(world.select(world.base_minerals).tables["demand"])
    assert len(w2.tables["countries"]) == 2 * len(world.tables["countries"])
    assert "China #2" in set(w2.tables["trade_links"].exporter)
    net = compile_network(w2, supplysim.load_scenario("baseline_2024", w2))
    country = net.slots.country.to_numpy()
    copy = ["#2" in str(c) for c in country]
    links = net.links
    assert not any(copy[a] != copy[b] for a, b in zip(links.src_slot, links.dst_slot))
    with pytest.raises(ValueError):
        replicate.replicate_world(world, 0)


def test_gpu_agreement_statistics(bench):
    compare = bench("gpu").compare
    rng = np.random.default_rng(1)
    a = {"unmet_t": rng.random((64, 5, 3)).astype(np.float32),
         "payment_usd": np.zeros((64, 5, 0), np.float32)}
    regions = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    same = compare(a, a, regions)
    assert same == dict(max_rel_diff={"unmet_t": 0.0}, equal_share={"unmet_t": 1.0},
                        max_z_region_month=0.0)
    b = dict(a, unmet_t=a["unmet_t"] + np.array([0.0, 0.0, 1.0], np.float32))
    moved = compare(a, b, regions)
    assert moved["equal_share"]["unmet_t"] == pytest.approx(2 / 3)
    assert moved["max_z_region_month"] > 10
