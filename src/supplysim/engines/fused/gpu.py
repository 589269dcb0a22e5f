"""A chunk of paths on an NVIDIA GPU (``backend="cuda"``).

numba's CUDA target compiles the month of :mod:`supplysim.engines.fused.month` a second time,
from the same Python source: one GPU thread runs one path as a block of width one, and its
scratch rows are one column of ``(k, paths)`` arrays in device memory, so the threads of a warp
read adjacent columns. State, per-path parameters and outputs stay on the GPU for the whole
chunk. Each month the host sends what :func:`~supplysim.engines.fused.inputs.month_inputs`
decided and reads back the flows the market close needs. A guard kernel checks every path's
balance on the GPU; if one fails, the host repeats the check on a copy to name the node.

Experimental (:data:`~supplysim.engines.backends.CUDA_CAVEAT`): run by numba's CUDA simulator,
these kernels give the numpy backend's numbers bit for bit; on a GPU (an H200) single paths
differ from numpy's as much as a 2-ulp change of the inputs makes them differ on the CPU, and
the means agree (``benchmarks/README.md``, "GPU backend").
"""

from __future__ import annotations

import time
import types

import numpy as np
from numba import cuda

from supplysim.engines.balance import BalanceLog
from supplysim.engines.fused import guard, kernels, month
from supplysim.engines.fused.inputs import month_inputs, pack_params
from supplysim.engines.fused.month import Flows, Work
from supplysim.engines.fused.pack import pack_topology
from supplysim.engines.fused.run import check_on_host, split_outputs, state_view
from supplysim.engines.market import close_month
from supplysim.engines.vector import init_state
from supplysim.seeding import Streams

#: GPU threads (paths) per thread block.
THREADS = 128


def _month_kernel(t, T, V, M, St, F, R, W):
    """Month ``t`` of path ``p`` (one thread); ``_column(W, p)`` is the path's scratch, one
    column of every scratch array (defined by :func:`_compile`)."""
    p = cuda.grid(1)
    if p < St.stock.shape[1]:
        block_month(uidx(p), 1, t, T, V, M, St, F, R, _column(W, p))  # noqa: F821


def _guard_kernel(t, T, St, F, start, bad, w):
    """``bad[p]``: the balance guard's code of path ``p`` (one thread;
    :func:`supplysim.engines.fused.guard.block_guard`); its scratch is column ``p`` of ``w``
    ``(2, paths)``."""
    p = cuda.grid(1)
    if p < St.stock.shape[1]:
        block_guard(uidx(p), 1, t, T, St, F, start, bad, w[:, p:])  # noqa: F821


def _rebind(f, space: dict):
    """``f`` (a plain or numba-compiled function) with its global names looked up in ``space``."""
    f = getattr(f, "py_func", f)
    return types.FunctionType(f.__code__, space, f.__name__, f.__defaults__, f.__closure__)


_COMPILED: dict = {}


def _compile() -> dict:
    """The month and guard kernels, compiled on first use: the month's functions are rebound
    to one another's device versions, then compiled for the GPU."""
    if _COMPILED:
        return _COMPILED
    views = ", ".join(f"W.{f}[:, p:]" if f not in ("va", "vc") else f"W.{f}[p:]"
                      for f in Work._fields)
    space = {**vars(kernels), **vars(month), **vars(guard), "cuda": cuda}
    exec(f"def _column(W, p):\n    return Work({views})\n", space)
    device = {name: cuda.jit(device=True)(_rebind(f, space)) for name, f in (
        ("capped", kernels.capped), ("share_of", kernels.share_of), ("mix", kernels.mix),
        ("group_sum", kernels.group_sum), ("allocate", kernels.allocate),
        ("apply_exports", kernels.apply_exports), ("put_rows", month.put_rows),
        ("receive", month.receive),
        ("run_lines", month.run_lines), ("resource_pass", month.resource_pass),
        ("block_month", month.block_month), ("block_guard", guard.block_guard),
        ("_column", space["_column"]))}
    space.update(device)
    _COMPILED.update(month=cuda.jit(_rebind(_month_kernel, space)),
                     guard=cuda.jit(_rebind(_guard_kernel, space)))
    return _COMPILED


def _to_device(tup):
    """A NamedTuple with its arrays copied to the GPU (scalars kept)."""
    return type(tup)(*(cuda.to_device(np.ascontiguousarray(a)) if isinstance(a, np.ndarray)
                       else a for a in tup))


def _scratch(rows: tuple, n: int) -> Work:
    """Scratch of ``n`` paths on the GPU, as :func:`month.new_work` of ``rows + (n,)`` lays
    it out: approvals 1, delays 0, nothing fired."""
    one = month.new_work.py_func(*rows, 1)  # one path: the rows and types of every array
    return Work(*(cuda.to_device(np.full(a.shape[:-1] + (n,), a.flat[0], a.dtype))
                  if f in ("approval", "delay", "fired") and a.size
                  else cuda.device_array(a.shape[:-1] + (n,), a.dtype)
                  for f, a in zip(Work._fields, one)))


def available() -> bool:
    """Whether numba sees a CUDA GPU."""
    return cuda.is_available()


class _Laps:
    """Seconds of each part of the month loop, added to ``into`` by name (None: not timed).
    A timed run waits for the GPU at each lap."""

    def __init__(self, into: dict | None):
        self.into, self.t = into, time.perf_counter()

    def __call__(self, name: str) -> None:
        if self.into is None:
            return
        cuda.synchronize()
        now = time.perf_counter()
        self.into[name] = self.into.get(name, 0.0) + now - self.t
        self.t = now


def run_chunk_gpu(net, root, first: int, n: int, lay, months: int, log: BalanceLog | None,
                  out: dict[str, np.ndarray], timings: dict | None = None
                  ) -> dict[str, np.ndarray]:
    """Simulate paths ``[first, first + n)`` for ``months`` months on the GPU into ``out``,
    as :func:`~supplysim.engines.fused.run.run_chunk_compiled` does; returns ``out``.
    ``timings``, if given, receives the seconds of ``compile``, ``setup``, ``inputs`` (the
    month's decisions on the host), ``to_gpu`` (their copy to the GPU), ``kernel`` (the month
    kernel), ``close`` (copies back and the market close), ``guard`` and ``outputs``."""
    lap = _Laps(timings)
    k = _compile()
    lap("compile")
    streams = Streams(root, first, n)
    state, pp = init_state(net, lay, n, streams)
    topo = pack_topology(net, lay, pp.lag_w)
    T, V = _to_device(topo), _to_device(pack_params(pp))
    v = {key: a.T for key, a in pp.values.items()}
    host = state_view(state)
    St = _to_device(host)
    S, L = lay.n_slots, lay.n_links
    F = Flows(*(cuda.device_array((rows, n)) for rows in (S, S, S, S, S, L, S)))
    rec, market = split_outputs(out)
    R = _to_device(rec)
    grid = (n + THREADS - 1) // THREADS
    rows = (S, L, len(net.nodes), len(lay.line_node), len(lay.d_slot),
            host.short_share.shape[0], len(lay.sp_slot), 0,  # quotas: sized each month
            month.summed_rows.py_func(topo))
    W = _scratch(rows, n)
    start, bad = cuda.device_array_like(St.stock), cuda.device_array(n, np.int8)
    guard_w = cuda.device_array((2, n))
    lap("setup")
    for t in range(months):
        m = month_inputs(net, lay, pp, v, state.market, t, streams)
        lap("inputs")
        if m.quota_left.shape[0] != W.quota_left.shape[0]:  # the month's active quotas
            W = W._replace(quota_left=cuda.device_array((m.quota_left.shape[0], n)))
        M = _to_device(m)
        start.copy_to_device(St.stock)
        lap("to_gpu")
        k["month"][grid, THREADS](t, T, V, M, St, F, R, W)
        lap("kernel")
        host.stock[...] = St.stock.copy_to_host()  # the numpy engine's layout, as on the CPU
        got = {name: getattr(F, field).copy_to_host() for name, field in
               (("need", "planned_in"), ("short", "short_in"), ("made", "made"),
                ("sent", "sent"))}
        mm = close_month(net.market, state.market, v, t, dict(stock=host.stock, **got))
        for name in market:
            market[name][:, t] = getattr(mm, name).T
        lap("close")
        if log is not None:
            k["guard"][grid, THREADS](t, T, St, F, start, bad, guard_w)
            broken = int(np.count_nonzero(bad.copy_to_host()))
            if broken or log.keep:
                for view, d in zip(host, St):
                    view[...] = d.copy_to_host()
                check_on_host(log, state, lay, start.copy_to_host(),
                              Flows(*(d.copy_to_host() for d in F)), t, broken)
            lap("guard")
    for host_rec, d in zip(rec, R):
        d.copy_to_host(host_rec)
    lap("outputs")
    return out
