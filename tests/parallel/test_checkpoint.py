"""Checkpointed runs: killed and resumed, identical numbers, refusals and corrupt chunks."""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np
import pandas as pd
import pytest
from parallel_helpers import assert_same_arrays, cli_argv, cli_env, run_cli

import supplysim
from supplysim.errors import SupplysimError
from supplysim.parallel.checkpoint import Checkpoint, CheckpointError
from supplysim.results import write_tables

RUNS, CHUNK, SEED = 3072, 256, 5
N_CHUNKS = RUNS // CHUNK


def _chunks(folder):
    return sorted(folder.glob("chunk_*.npz"))


def _wait_for_chunks(proc, folder, count, timeout=120.0):
    """Poll until ``count`` chunk files exist (or the process ended)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if len(_chunks(folder)) >= count:
            return
        time.sleep(0.02)


def test_killed_run_resumes_to_identical_results(licensing, tmp_path):
    ckpt, out, ref_out = tmp_path / "ckpt", tmp_path / "out", tmp_path / "ref"
    args = ("run", "china_licensing_2025", "--runs", RUNS, "--chunk-size", CHUNK, "--seed", SEED,
            "--checkpoint", ckpt, "--out", out, "--quiet")
    proc = subprocess.Popen(cli_argv(*args), env=cli_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _wait_for_chunks(proc, ckpt, 2)
        proc.kill()  # SIGKILL: no cleanup runs
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == -9, err.decode()
    written = _chunks(ckpt)
    assert 2 <= len(written) < N_CHUNKS and not (out / "run.json").exists()
    for path in written:  # nothing under a final name is half-written
        with np.load(path, allow_pickle=False) as z:
            assert {k: z[k].shape[0] for k in z.files} == dict.fromkeys(z.files, CHUNK)
    assert json.loads((ckpt / "manifest.json").read_text())["seed_entropy"] == SEED

    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert len(_chunks(ckpt)) == N_CHUNKS
    assert not [p for p in ckpt.iterdir() if p.name.startswith(".")]

    reference = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK)
    resumed = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK,
                                 checkpoint=ckpt)
    assert resumed.meta["resumed_chunks"] == N_CHUNKS
    assert_same_arrays(reference, resumed)
    write_tables(reference, ref_out)
    for table in ("shortage_curve", "prob_shortage", "flows", "stockpiles"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"),
                                      pd.read_parquet(ref_out / f"{table}.parquet"))


def test_partial_checkpoint_skips_finished_chunks(licensing, tmp_path):
    full = supplysim.simulate(licensing, runs=768, seed=3, chunk_size=256, checkpoint=tmp_path)
    assert full.meta["resumed_chunks"] == 0
    (tmp_path / "chunk_512_256.npz").unlink()
    again = supplysim.simulate(licensing, runs=768, seed=3, chunk_size=256, checkpoint=tmp_path)
    assert again.meta["resumed_chunks"] == 2
    assert_same_arrays(full, again)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "wrong_shape"])
def test_damaged_chunk_is_run_again(licensing, tmp_path, damage):
    first = supplysim.simulate(licensing, runs=512, seed=4, chunk_size=256, checkpoint=tmp_path)
    path = tmp_path / "chunk_256_256.npz"
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(data[:100] + b"\0" * (len(data) - 100))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.savez(path, **{k: np.zeros((3, 2, 1), np.float32) for k in first.ds.data_vars})
    again = supplysim.simulate(licensing, runs=512, seed=4, chunk_size=256, checkpoint=tmp_path)
    assert again.meta["resumed_chunks"] == 1
    assert_same_arrays(first, again)
    assert Checkpoint(tmp_path, {}).load(256, 256) is not None  # rewritten whole


def test_different_run_is_refused(licensing, tmp_path):
    supplysim.simulate(licensing, runs=256, seed=1, checkpoint=tmp_path)
    for change in ({"seed": 2}, {"runs": 300}, {"chunk_size": 512}):
        kwargs = {"runs": 256, "seed": 1, **change}
        with pytest.raises(CheckpointError, match="different run") as info:
            supplysim.simulate(licensing, checkpoint=tmp_path, **kwargs)
        assert isinstance(info.value, SupplysimError)
        assert next(iter(change)) in str(info.value) or "chunk_size" in str(info.value)
    other = supplysim.load_scenario("baseline_2024")
    with pytest.raises(CheckpointError, match="scenario_hash"):
        supplysim.simulate(other, runs=256, seed=1, checkpoint=tmp_path)


def test_restart_discards_a_different_run(licensing, tmp_path):
    supplysim.simulate(licensing, runs=512, seed=1, chunk_size=256, checkpoint=tmp_path)
    fresh = supplysim.simulate(licensing, runs=256, seed=2, checkpoint=tmp_path, restart=True)
    assert fresh.meta["resumed_chunks"] == 0
    assert [p.name for p in _chunks(tmp_path)] == ["chunk_0_256.npz"]
    assert json.loads((tmp_path / "manifest.json").read_text())["seed_entropy"] == 2
    assert_same_arrays(fresh, supplysim.simulate(licensing, runs=256, seed=2))


def test_cli_refuses_then_restarts(tmp_path):
    ckpt = tmp_path / "ckpt"
    base = ("run", "baseline_2024", "--runs", "256", "--checkpoint", ckpt, "--quiet")
    assert run_cli(*base, "--seed", "1", "--out", tmp_path / "a").returncode == 0
    refused = run_cli(*base, "--seed", "2", "--out", tmp_path / "b")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: checkpoint") and len(refused.stderr.splitlines()) == 1
    again = run_cli(*base, "--seed", "2", "--out", tmp_path / "b", "--restart")
    assert again.returncode == 0, again.stderr


def test_seed_none_is_drawn_once_and_reused(licensing, tmp_path):
    first = supplysim.simulate(licensing, runs=256, seed=None, checkpoint=tmp_path)
    entropy = json.loads((tmp_path / "manifest.json").read_text())["seed_entropy"]
    assert str(entropy) == first.meta["seed"]
    (tmp_path / "chunk_0_256.npz").unlink()
    second = supplysim.simulate(licensing, runs=256, seed=None, checkpoint=tmp_path)
    assert second.meta["seed"] == first.meta["seed"]
    assert_same_arrays(first, second)
    assert_same_arrays(first, supplysim.simulate(licensing, runs=256, seed=entropy))


def test_spawned_seed_sequence_is_refused(licensing, tmp_path):
    child = np.random.SeedSequence(1).spawn(1)[0]
    with pytest.raises(CheckpointError, match="spawn key"):
        supplysim.simulate(licensing, runs=256, seed=child, checkpoint=tmp_path)


def test_stale_temporaries_removed_and_foreign_chunks_refused(licensing, tmp_path):
    (tmp_path / ".chunk_0_256.npz.abc.tmp").write_bytes(b"half")
    (tmp_path / "chunk_0_256.npz").write_bytes(b"not ours")
    with pytest.raises(CheckpointError, match="no manifest.json"):
        supplysim.simulate(licensing, runs=256, seed=1, checkpoint=tmp_path)
    assert not (tmp_path / ".chunk_0_256.npz.abc.tmp").exists()
    res = supplysim.simulate(licensing, runs=256, seed=1, checkpoint=tmp_path, restart=True)
    assert res.meta["resumed_chunks"] == 0


def test_des_engine_has_no_checkpoint(licensing, tmp_path):
    with pytest.raises(ValueError, match="vector"):
        supplysim.simulate(licensing, runs=2, seed=1, engine="des", checkpoint=tmp_path)
