"""Random streams keyed to fixed blocks of paths and to a purpose, never to chunks or workers.

Paths are grouped in blocks of :data:`BLOCK_PATHS`. Block ``b`` draws from
``SeedSequence(entropy, spawn_key=(b, purpose))``, so the numbers of a path depend on the root
seed, its block and the purpose alone: any chunking made of whole blocks gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Paths per random block [paths]. Chunks are whole multiples of it.
BLOCK_PATHS = 256

#: Stream purposes; each gets its own independent stream per block.
PURPOSES = ("sampling", "outages", "licences", "leads", "rule_sampling", "content_licences",
            "content_leads", "levers")

SeedLike = int | np.random.SeedSequence | None


def root_seed(seed: SeedLike) -> np.random.SeedSequence:
    """Return the root SeedSequence; ``None`` draws fresh OS entropy (recorded in results)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or (seed is not None and not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int, a SeedSequence or None, got {type(seed).__name__}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.SeedSequence(seed)


def block_generator(root: np.random.SeedSequence, block: int, purpose: str) -> np.random.Generator:
    """Generator for one block of paths and one purpose."""
    key = (*root.spawn_key, block, PURPOSES.index(purpose))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=key)))


@dataclass
class Streams:
    """Per-purpose random draws for the paths ``[first, first + n)`` of a run.

    ``first`` must be a multiple of :data:`BLOCK_PATHS`. Each draw makes one call per block,
    into that block's rows of one array, then trims the last block, so a path's numbers never
    depend on ``n``.
    """

    root: np.random.SeedSequence
    first: int
    n: int

    def __post_init__(self) -> None:
        if self.first % BLOCK_PATHS:
            raise ValueError(f"chunk start {self.first} is not a multiple of {BLOCK_PATHS}")
        b0 = self.first // BLOCK_PATHS
        b1 = -(-(self.first + self.n) // BLOCK_PATHS)
        self._gens = {
            p: [block_generator(self.root, b, p) for b in range(b0, b1)] for p in PURPOSES
        }

    def uniform(self, purpose: str, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform [0, 1) draws of shape ``(n, *shape)``."""
        out = np.empty((BLOCK_PATHS * len(self._gens[purpose]), *shape))
        for i, g in enumerate(self._gens[purpose]):  # each block's draws in place
            g.random(out=out[i * BLOCK_PATHS:(i + 1) * BLOCK_PATHS])
        return out[: self.n]
