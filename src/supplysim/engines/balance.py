"""Mass balance of every node and month, and the guards that stop a run that breaks it.

For each node: ``start + inflow = outflow + end + losses``, where inflow is what arrived plus
outside inputs (ore extracted, metal recovered from magnet scrap at recyclers, iron and boron in
magnets), outflow is what was shipped or consumed by demand, and losses are conversion losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from supplysim.errors import InvariantError

#: Relative tolerance of balance checks [1] (scaled by the magnitudes involved).
RTOL = 1e-9


@dataclass
class BalanceLog:
    """Receives per-node balance terms each month; ``keep`` stores them for inspection.

    ``terms[name]`` is a list of ``(paths, nodes)`` arrays, one per month, for the names
    ``start, inflow, outflow, end, losses`` [t].
    """

    net: object
    keep: bool = False
    terms: dict = field(default_factory=lambda: {k: [] for k in ("start", "inflow", "outflow", "end", "losses")})


def _fail(net, t: int, slot: int, what: str) -> None:
    s = net.slots.iloc[slot]
    month = net.months[t].strftime("%Y-%m")
    raise InvariantError(f"step {t} ({month}): node {net.nodes.name.iloc[s.node]!r}, "
                         f"material {s.material!r}: {what}")


def check_slots(net, t: int, start, received, made, used, shipped, served, end) -> None:
    """Finite, non-negative stocks and the balance of every slot; arrays (paths, slots) [t].

    Raises :class:`InvariantError` naming step, node and material.
    """
    resid = start + received + made - used - shipped - served - end
    scale = np.abs(start) + np.abs(received) + np.abs(made) + np.abs(used) + np.abs(end) + 1.0
    for bad, what in ((~np.isfinite(end), "stock is not finite"),
                      (end < -RTOL * scale, "stock is negative"),
                      (np.abs(resid) > 1e-7 * scale, "mass balance broken")):
        if bad.any():
            _fail(net, t, int(np.argwhere(bad)[0][1]), what)


def check_step(log: BalanceLog, state, lay, start, received, used, made, sent, served, t: int):
    """Check one month of a chunk; raise :class:`InvariantError` naming step, node and material."""
    end = state.stock_t
    shipped = lay.link_by_src.sum(sent)
    check_slots(log.net, t, start, received, made, used, shipped, served, end)
    pipe = state.pipe_t.sum(axis=0)
    if not np.allclose(pipe, state.transit_t, rtol=1e-9, atol=1e-6):
        link = int(np.argwhere(~np.isclose(pipe, state.transit_t, rtol=1e-9, atol=1e-6))[0][1])
        _fail(log.net, t, int(lay.link_src[link]), "pipeline does not match goods in transit")
    if log.keep:
        node = lay.slot_by_node.sum
        net_made = node(made - used)
        for name, value in (("start", node(start)), ("inflow", node(received) + np.maximum(net_made, 0)),
                            ("outflow", node(shipped + served)), ("end", node(end)),
                            ("losses", np.maximum(-net_made, 0))):
            log.terms[name].append(value)


def check_origin(net, t: int, origin, pipe_cn, pipe) -> None:
    """Chinese-origin shares (paths, slots) are finite and in [0, 1], and the Chinese-origin
    part of the goods due next month in the pipeline (lags, paths, links) lies within them [t].

    Every shipment is checked once, at the end of the month before it arrives (goods shipped
    and received within one month never stay in the pipeline).
    """
    bad = ~np.isfinite(origin) | (origin < -RTOL) | (origin > 1.0 + RTOL)
    if bad.any():
        _fail(net, t, int(np.argwhere(bad)[0][1]), "Chinese-origin share outside [0, 1]")
    h = (t + 1) % pipe.shape[0]
    due, due_cn = pipe[h], pipe_cn[h]
    if (due_cn < -1e-9).any() or (due_cn > due + 1e-9 * (1.0 + np.abs(due))).any():
        raise InvariantError(f"step {t}: Chinese-origin goods in transit exceed the goods")
