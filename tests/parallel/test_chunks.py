"""Chunk plans: whole random blocks, re-exported from supplysim.run."""

from __future__ import annotations

import numpy as np
import pytest

import supplysim
from supplysim import run
from supplysim.parallel import chunks
from supplysim.seeding import BLOCK_PATHS


def test_run_reexports_chunk_plan():
    assert run.chunk_plan is chunks.chunk_plan
    assert run.DEFAULT_CHUNK == chunks.DEFAULT_CHUNK


@pytest.mark.parametrize(("runs", "size"), [(1, None), (3072, 256), (1000, 300), (700, 1)])
def test_chunks_are_whole_blocks(runs, size):
    plan = chunks.chunk_plan(runs, size)
    assert plan[0][0] == 0 and sum(n for _, n in plan) == runs
    assert all(first % BLOCK_PATHS == 0 for first, _ in plan)
    assert all(n == chunks.chunk_length(size) for _, n in plan[:-1])
    assert all(a + n == b for (a, n), (b, _) in zip(plan, plan[1:]))


def test_bad_plans():
    with pytest.raises(ValueError, match="runs"):
        chunks.chunk_plan(0, None)
    with pytest.raises(ValueError, match="chunk_size"):
        chunks.chunk_plan(10, -5)


def test_default_chunk_shrinks_with_the_network():
    sizes = [chunks.default_chunk(n) for n in (None, 74, 260, 344, 536, 1072, 2144, 10**6)]
    assert sizes[:4] == [chunks.DEFAULT_CHUNK] * 4  # every bundled scenario keeps 1,024
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == BLOCK_PATHS
    assert all(s % BLOCK_PATHS == 0 for s in sizes)
    assert chunks.chunk_plan(2048, None, 2144)[:2] == [(0, 256), (256, 256)]
    assert chunks.chunk_plan(2048, 300, 2144)[0] == (0, 512)  # a given size wins


def test_gpu_chunks_are_larger():
    """One GPU launch runs a chunk, one thread per path: 64 times the paths, same rule."""
    for n in (None, 260, 2144, 10**6):
        cpu, gpu = chunks.default_chunk(n), chunks.default_chunk(n, "cuda")
        assert gpu % BLOCK_PATHS == 0 and gpu >= cpu
    assert chunks.default_chunk(260, "cuda") == 64 * chunks.DEFAULT_CHUNK
    assert chunks.default_chunk(2144, "cuda") * 2144 <= 64 * chunks.CHUNK_CELLS
    assert chunks.default_chunk(260, "numba") == chunks.DEFAULT_CHUNK
    assert chunks.chunk_plan(70_000, None, 260, "cuda")[:2] == [(0, 65536), (65536, 4464)]


def test_simulate_takes_the_networks_default_chunk(licensing, monkeypatch):
    full = supplysim.simulate(licensing, runs=512, seed=3, chunk_size=512)
    monkeypatch.setattr(chunks, "CHUNK_CELLS", 256 * 260)  # the default world: 256 paths
    small = supplysim.simulate(licensing, runs=512, seed=3)
    assert small.ds.attrs["chunk_size"] == 256 and full.ds.attrs["chunk_size"] == 512
    np.testing.assert_array_equal(small.ds["unmet_t"].values, full.ds["unmet_t"].values)
