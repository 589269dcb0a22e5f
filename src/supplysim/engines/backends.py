"""Backends of the vector engine: who runs a chunk's months.

``"numpy"`` is :func:`supplysim.run.run_chunk`'s own loop over months of whole-chunk array
operations. ``"numba"`` compiles each month into one loop over paths
(:mod:`supplysim.engines.fused`); its numbers are those of ``"numpy"`` bit for bit. numba is an
optional dependency (``pip install "supplysim[numba]"``), imported only when that backend is
asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from supplysim.errors import BackendUnavailable

#: Names accepted by ``simulate(..., backend=)`` and ``supplysim run --backend``.
BACKENDS = ("numpy", "numba")

#: The module of the compiled chunk runner (imported on first use of ``"numba"``).
_COMPILED = "supplysim.engines.fused.run"


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

    The runner is :func:`supplysim.engines.fused.run.run_chunk_compiled`, called as
    ``runner(net, root, first, n, layout, months, log)``.

    Raises
    ------
    ValueError
        For an unknown name.
    BackendUnavailable
        (an ImportError) for ``"numba"`` when numba is not installed.
    """
    if check_backend(name) == "numpy":
        return None
    try:
        from supplysim.engines.fused.run import run_chunk_compiled
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "numba":
            raise
        raise BackendUnavailable(f"backend {name!r} needs numba, which is not installed: "
                                 'pip install "supplysim[numba]"') from None
    return run_chunk_compiled


def fork_is_safe() -> bool:
    """Whether worker processes may be forked from this one: not once the compiled backend has
    been loaded here, since its threads (OpenMP) do not survive a fork."""
    return _COMPILED not in sys.modules
