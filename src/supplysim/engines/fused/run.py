"""A chunk of paths on the compiled month (``backend="numba"``)."""

from __future__ import annotations

import numpy as np

from supplysim.engines.balance import BalanceLog, check_origin, check_step
from supplysim.engines.fused.inputs import month_inputs, pack_params
from supplysim.engines.fused.month import Flows, Records, State, chunk_month
from supplysim.engines.fused.pack import own, pack_topology
from supplysim.engines.market import close_month
from supplysim.engines.vector import VectorState, init_state
from supplysim.errors import InvariantError
from supplysim.seeding import Streams


def state_view(state: VectorState) -> State:
    """The compiled month's view of ``state``: its arrays shaped ``(k, paths)`` (the numpy
    engine's own memory, so the balance guard reads them as they change), and a
    ``(k, paths)`` copy of the short shares, which the numpy engine keeps ``(paths, k)``."""
    return State(stock=state.stock_t.T, origin=state.origin.T,
                 pipe=state.pipe_t.transpose(0, 2, 1), pipe_cn=state.pipe_cn_t.transpose(0, 2, 1),
                 transit=state.transit_t.T, demanded=own(state.demanded_t.T),
                 short_share=own(state.short_share.T), made_last=state.made_t.T)


def split_outputs(out: dict[str, np.ndarray]) -> tuple[Records, dict[str, np.ndarray]]:
    """A chunk's output arrays (see :func:`supplysim.parallel.chunks.new_outputs`) as those
    the compiled month writes and the market close's by name."""
    return (Records(**{k: out[k] for k in Records._fields}),
            {k: a for k, a in out.items() if k not in Records._fields})


def run_chunk_compiled(net, root, first: int, n: int, lay, months: int,
                       log: BalanceLog | None, out: dict[str, np.ndarray]
                       ) -> dict[str, np.ndarray]:
    """Simulate paths ``[first, first + n)`` for ``months`` months on the compiled month into
    ``out``, zeroed arrays shaped (paths, months, k), float32, as
    :func:`supplysim.run.run_chunk` fills them; returns ``out``."""
    streams = Streams(root, first, n)
    state, pp = init_state(net, lay, n, streams)
    topo, par = pack_topology(net, lay, pp.lag_w), pack_params(pp)
    v = {k: a.T for k, a in pp.values.items()}
    st = state_view(state)
    S, L = lay.n_slots, lay.n_links
    flows = Flows(*(np.zeros((k, n)) for k in (S, S, S, S, S, L, S)))
    rec, market = split_outputs(out)
    checked = log is not None
    start = np.empty((S, n) if checked else (0, 0))
    bad = np.zeros(n if checked else 0, np.int8)
    for t in range(months):
        m = month_inputs(net, lay, pp, v, state.market, t, streams)
        broken = chunk_month(t, topo, par, m, st, flows, rec, start, bad)
        mm = close_month(net.market, state.market, v, t,
                         dict(stock=st.stock, need=flows.planned_in, short=flows.short_in,
                              made=flows.made, sent=flows.sent))
        for name, a in market.items():
            a[:, t] = getattr(mm, name).T
        if checked and (broken or log.keep):
            check_on_host(log, state, lay, start, flows, t, broken)
    return out


def check_on_host(log: BalanceLog, state: VectorState, lay, start, flows: Flows, t: int,
                  broken: int) -> None:
    """The host's balance checks of month ``t`` (:mod:`supplysim.engines.balance`), which name
    step, node and material, on the state, the flows and the month's starting stocks
    ``start`` laid out ``(k, paths)``; they also keep the log's terms. ``broken`` paths failed
    the compiled guard (:mod:`~supplysim.engines.fused.guard`).

    Raises
    ------
    InvariantError
        From the host's checks, or, should they pass, for the ``broken`` paths.
    """
    check_step(log, state, lay, start.T, flows.received.T, flows.used.T, flows.made.T,
               flows.sent.T, flows.served_slot.T, t)
    check_origin(log.net, t, state.origin, state.pipe_cn_t, state.pipe_t)
    if broken:
        raise InvariantError(f"step {t}: the compiled balance guard failed on {broken} path(s) "
                             "that the host's checks pass")
