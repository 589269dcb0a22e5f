"""Hand-made months of four paths in which path 2 breaks one balance check, for the tests of
the compiled guard (:mod:`supplysim.engines.fused.guard`) on the CPU and in the CUDA simulator."""

from __future__ import annotations

import numpy as np

from supplysim.engines.fused.month import Flows, State
from supplysim.engines.fused.pack import Topology

#: Two slots, one link from slot 0, a pipeline of three months, four paths.
S, L, H, P = 2, 1, 3, 4


def broken_month(code: int):
    """``(T, St, F, start)`` of a month where path 2 breaks the check of guard ``code``
    (0: none; 1: a tonne from nowhere; 2: goods in the pipeline and not in transit; 3: a
    Chinese-origin share of 1.5)."""
    def z(*shape):
        return np.zeros(shape)

    # the guard reads the links of each slot; the real class keeps numba's cache loadable
    # by any process (a type of a test module would not be)
    unused = np.zeros(0, np.int64)
    T = Topology(*[unused] * len(Topology._fields))._replace(src_start=np.array([0, 1, 1]),
                                                             src_rows=np.array([0]))
    St = State(stock=np.full((S, P), 5.0), origin=np.full((S, P), 0.5), pipe=z(H, L, P),
               pipe_cn=z(H, L, P), transit=z(L, P), demanded=z(S, P), short_share=z(1, P),
               made_last=z(S, P))
    F = Flows(*(z(S, P) for _ in range(5)), z(L, P), z(S, P))
    start = St.stock.copy()
    if code == 1:
        St.stock[1, 2] = 6.0
    elif code == 2:
        St.pipe[1, 0, 2] = 1.0
    elif code == 3:
        St.origin[0, 2] = 1.5
    return T, St, F, start
