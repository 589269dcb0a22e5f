"""Chunk plans: runs cut into chunks made of whole random blocks.

A chunk is ``(first, n)``: paths ``[first, first + n)``. Every chunk but the last holds a whole
number of blocks of :data:`supplysim.seeding.BLOCK_PATHS` paths, so a chunk's numbers depend on
the network, the root seed, ``first`` and ``n`` alone.
"""

from __future__ import annotations

import numpy as np

from supplysim.seeding import BLOCK_PATHS

#: Default paths per chunk [paths]; a multiple of the random block size.
DEFAULT_CHUNK = 1024
#: Link-path cells of a default chunk at most [1]: 1,024 paths of a network of 384 links. A
#: larger network gets fewer paths per chunk (never fewer than one random block), so that its
#: (links, paths) arrays stay about as large as those of the bundled scenarios (233-344 links).
CHUNK_CELLS = 1024 * 384
#: On the ``"cuda"`` backend a chunk is one launch of one GPU thread per path, and holds 64
#: times as many paths and cells: 65,536 paths of the bundled scenarios.
GPU_SCALE = 64


def default_chunk(n_links: int | None = None, backend: str = "numpy") -> int:
    """Default paths per chunk for a network of ``n_links`` links (None: :data:`DEFAULT_CHUNK`)
    on ``backend``.

    Examples
    --------
    >>> default_chunk(260), default_chunk(536), default_chunk(2144)
    (1024, 512, 256)
    >>> default_chunk(260, "cuda")
    65536
    """
    scale = GPU_SCALE if backend == "cuda" else 1
    if not n_links:
        return DEFAULT_CHUNK * scale
    paths = min(DEFAULT_CHUNK, CHUNK_CELLS // n_links) * scale
    return max(BLOCK_PATHS, paths // BLOCK_PATHS * BLOCK_PATHS)


def chunk_length(chunk_size: int | None, n_links: int | None = None,
                 backend: str = "numpy") -> int:
    """Paths per chunk once rounded up to whole random blocks.

    Parameters
    ----------
    chunk_size : int or None
        Requested paths per chunk; None means :func:`default_chunk` of ``n_links`` and
        ``backend``.
    n_links : int, optional
        Links of the network, for the default.
    backend : str
        The backend that runs the chunks, for the default.

    Returns
    -------
    int
        A positive multiple of :data:`~supplysim.seeding.BLOCK_PATHS`.
    """
    size = chunk_size or default_chunk(n_links, backend)
    if size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {size}")
    return -(-size // BLOCK_PATHS) * BLOCK_PATHS


def chunk_plan(runs: int, chunk_size: int | None, n_links: int | None = None,
               backend: str = "numpy") -> list[tuple[int, int]]:
    """``(first, n)`` of each chunk; chunk sizes are rounded up to whole random blocks.

    Parameters
    ----------
    runs : int
        Number of paths, >= 1.
    chunk_size : int or None
        Requested paths per chunk (see :func:`chunk_length`).
    n_links : int, optional
        Links of the network, for the default chunk size.
    backend : str
        The backend that runs the chunks, for the default chunk size.

    Returns
    -------
    list of tuple of int
        The chunks in path order.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    size = chunk_length(chunk_size, n_links, backend)
    return [(a, min(size, runs - a)) for a in range(0, runs, size)]


#: Arrays a chunk returns, each shaped (paths, months, k), float32.
OUTPUTS = ("demand_t", "unmet_t", "shipped_t", "stockpile_t", "origin_share", "price_usd_per_kg",
           "payment_usd", "tariff_usd", "contract_t", "recycled_t")


def new_outputs(net, lay, paths: int, months: int) -> dict[str, np.ndarray]:
    """Zeroed :data:`OUTPUTS` of ``paths`` paths and ``months`` months, shaped
    (paths, months, k), float32; ``lay`` is the network's
    :class:`~supplysim.engines.layout.Layout`."""
    mk = net.market
    width = dict(demand_t=len(lay.d_slot), unmet_t=len(lay.d_slot),
                 shipped_t=lay.link_by_flow.n_groups - 1, stockpile_t=len(lay.sp_slot),
                 origin_share=len(lay.od_slot), price_usd_per_kg=len(mk.price0),
                 payment_usd=len(mk.floor_names), tariff_usd=len(mk.tariff_names),
                 contract_t=lay.n_contracts, recycled_t=len(lay.rec_out))
    return {k: np.zeros((paths, months, width[k]), np.float32) for k in OUTPUTS}


def rows_of(arrays: dict[str, np.ndarray], chunk: tuple[int, int]) -> dict[str, np.ndarray]:
    """Views of the paths ``[first, first + n)`` of a run's ``arrays``, for ``chunk = (first,
    n)``."""
    first, n = chunk
    return {k: a[first:first + n] for k, a in arrays.items()}
