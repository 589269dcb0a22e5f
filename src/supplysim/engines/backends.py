"""Backends of the vector engine: who runs a chunk's months.

``"numpy"`` is :func:`supplysim.run.run_chunk`'s own loop over months of whole-chunk array
operations. ``"numba"`` compiles each month into one loop over paths
(:mod:`supplysim.engines.fused`); its numbers are those of ``"numpy"`` bit for bit. ``"cuda"``
runs the same compiled month on an NVIDIA GPU, one thread per path
(:mod:`supplysim.engines.fused.gpu`, experimental); its rounding differs, which separates
single paths, and its distributions equal the others'. numba is an optional dependency
(``pip install "supplysim[numba]"``, or ``"supplysim[gpu]"`` with numba's CUDA target),
imported only when a compiled backend is asked for.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

from supplysim.errors import BackendUnavailable, ExperimentalWarning

#: Names accepted by ``simulate(..., backend=)`` and ``supplysim run --backend``.
BACKENDS = ("numpy", "numba", "cuda")

#: The module of the compiled chunk runner (imported on first use of a compiled backend).
_COMPILED = "supplysim.engines.fused.run"

_INSTALL = {"numba": '"supplysim[numba]"', "cuda": '"supplysim[gpu]"'}


def check_backend(name: str) -> str:
    """``name`` if it is a known backend.

    Raises
    ------
    ValueError
        For an unknown name (the message lists :data:`BACKENDS`).
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; available: "
                         + ", ".join(repr(b) for b in BACKENDS))
    return name


def compiled_runner(name: str) -> Callable | None:
    """The compiled chunk runner of backend ``name``, None for ``"numpy"``.

    The runner is :func:`supplysim.engines.fused.run.run_chunk_compiled` (``"numba"``) or
    :func:`supplysim.engines.fused.gpu.run_chunk_gpu` (``"cuda"``), called as
    ``runner(net, root, first, n, layout, months, log, out)`` (``out`` as
    :func:`supplysim.run.run_chunk` takes it).

    Raises
    ------
    ValueError
        For an unknown name.
    BackendUnavailable
        (an ImportError) when numba is not installed, or for ``"cuda"`` when numba sees no
        CUDA GPU.
    """
    if check_backend(name) == "numpy":
        return None
    try:
        if name == "numba":
            from supplysim.engines.fused.run import run_chunk_compiled as runner
        else:
            from supplysim.engines.fused.gpu import available, run_chunk_gpu as runner
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "numba":
            raise
        raise BackendUnavailable(f"backend {name!r} needs numba, which is not installed: "
                                 f"pip install {_INSTALL[name]}") from None
    if name == "cuda":
        if not available():
            raise BackendUnavailable("backend 'cuda' needs an NVIDIA GPU with its driver, and "
                                     "numba sees none (numba.cuda.is_available() is False)")
        warnings.warn(CUDA_CAVEAT, ExperimentalWarning, stacklevel=3)
    return runner


#: Why ``"cuda"`` warns (measured on an H200; see benchmarks/README.md, "GPU backend").
CUDA_CAVEAT = (
    "backend 'cuda' is experimental and measured on one GPU: its paths are not those of the CPU "
    "backends bit for bit (its rounding differs, and single paths flip a discrete decision at "
    "rounding level, as a 2-ulp change of the yields does on the CPU); the mean unmet demand "
    "by region and month agreed with the numpy backend's within 1.01 standard errors on all 17 "
    "bundled scenarios")


def fork_is_safe() -> bool:
    """Whether worker processes may be forked from this one: not once a compiled backend has
    been loaded here, since its threads (OpenMP) and a GPU context do not survive a fork."""
    return _COMPILED not in sys.modules
