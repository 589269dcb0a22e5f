"""Long runs: chunk plans, checkpoints that survive a killed process, and Dask cluster runs.

Nothing here imports Dask at import time; :mod:`supplysim.parallel.dask` imports it inside its
functions.
"""

from __future__ import annotations

from supplysim.parallel.checkpoint import Checkpoint, CheckpointError
from supplysim.parallel.chunks import DEFAULT_CHUNK, chunk_length, chunk_plan

__all__ = ["DEFAULT_CHUNK", "Checkpoint", "CheckpointError", "chunk_length", "chunk_plan"]
