"""Chunk plans: whole random blocks, re-exported from supplysim.run."""

from __future__ import annotations

import pytest

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
