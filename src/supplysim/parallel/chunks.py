"""Chunk plans: runs cut into chunks made of whole random blocks.

A chunk is ``(first, n)``: paths ``[first, first + n)``. Every chunk but the last holds a whole
number of blocks of :data:`supplysim.seeding.BLOCK_PATHS` paths, so a chunk's numbers depend on
the network, the root seed, ``first`` and ``n`` alone.
"""

from __future__ import annotations

from supplysim.seeding import BLOCK_PATHS

#: Default paths per chunk [paths]; a multiple of the random block size.
DEFAULT_CHUNK = 1024


def chunk_length(chunk_size: int | None) -> int:
    """Paths per chunk once rounded up to whole random blocks.

    Parameters
    ----------
    chunk_size : int or None
        Requested paths per chunk; None means :data:`DEFAULT_CHUNK`.

    Returns
    -------
    int
        A positive multiple of :data:`~supplysim.seeding.BLOCK_PATHS`.
    """
    size = chunk_size or DEFAULT_CHUNK
    if size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {size}")
    return -(-size // BLOCK_PATHS) * BLOCK_PATHS


def chunk_plan(runs: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``(first, n)`` of each chunk; chunk sizes are rounded up to whole random blocks.

    Parameters
    ----------
    runs : int
        Number of paths, >= 1.
    chunk_size : int or None
        Requested paths per chunk (see :func:`chunk_length`).

    Returns
    -------
    list of tuple of int
        The chunks in path order.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    size = chunk_length(chunk_size)
    return [(a, min(size, runs - a)) for a in range(0, runs, size)]


#: Arrays a chunk returns, each shaped (paths, months, k), float32.
OUTPUTS = ("demand_t", "unmet_t", "shipped_t", "stockpile_t", "origin_share", "price_usd_per_kg",
           "payment_usd", "tariff_usd", "contract_t", "recycled_t")
