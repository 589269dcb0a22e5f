"""The SimPy world of one path: clock, stocks as containers, random streams and pending receipts.

Time runs in days from the horizon start; month ``t`` is ``[t * DAYS_PER_MONTH,
(t + 1) * DAYS_PER_MONTH)``. Every slot of the network is a :class:`Stock` (a SimPy container
that tolerates rounding), so a process can only take goods that are physically there.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import simpy

from supplysim.engines.des.event_log import EventLog
from supplysim.seeding import BLOCK_PATHS, PURPOSES

#: Length of a simulated month [d].
DAYS_PER_MONTH = 365.25 / 12

#: Production batches and demand draws per month [1/month].
BATCHES_PER_MONTH = 4

#: Half-width of the uniform spread of a shipment's lead time around its mean [1].
LEAD_SPREAD = 0.25

#: Mean outage duration (exponential) [d].
OUTAGE_MEAN_DAYS = DAYS_PER_MONTH

#: Months before the horizon whose outages may still be running at its start [months].
OUTAGE_WARMUP_MONTHS = 4

#: Relative rounding a container forgives when goods are taken [1].
RTOL = 1e-9

#: Amounts below this are not moved or logged [t].
TINY_T = 1e-9


class Stock(simpy.Container):
    """A container of one slot [t] that treats a shortfall within rounding as enough.

    A get waits until the level covers the whole amount (less ``RTOL`` of it); the level never
    goes below zero.
    """

    def _do_get(self, event):
        if self._level >= event.amount * (1.0 - RTOL) - TINY_T:
            self._level = max(self._level - event.amount, 0.0)
            event.succeed()
            return True
        return None

    def take(self, amount: float):
        """Take ``amount`` [t] at once when it is there and nobody waits; else a get to yield.

        Returns None when taken, otherwise the get event (first come, first served).
        """
        if not self.get_queue and self._level >= amount * (1.0 - RTOL) - TINY_T:
            self._level = max(self._level - amount, 0.0)
            return None
        return self.get(amount)

    def add(self, amount: float) -> None:
        """Add ``amount`` [t] (no capacity limit) and wake the gets it covers."""
        self._level += amount
        if self.get_queue:
            self._trigger_get(None)


def path_generators(root: np.random.SeedSequence, path: int) -> dict[str, np.random.Generator]:
    """One generator per purpose for ``path``, keyed like :mod:`supplysim.seeding` blocks.

    The key is ``(block, purpose, path within block)``, so a path's draws depend on the root
    seed and its index alone.
    """
    block, within = divmod(path, BLOCK_PATHS)
    out = {}
    for purpose in ("outages", "licences", "leads", "content_licences"):
        key = (*root.spawn_key, block, PURPOSES.index(purpose), within)
        seq = np.random.SeedSequence(root.entropy, spawn_key=key)
        out[purpose] = np.random.Generator(np.random.PCG64(seq))
    return out


@dataclass
class PathWorld:
    """Environment, stocks, event log, random streams and receipts of one path.

    Attributes
    ----------
    env : simpy.Environment
        The clock [d].
    stocks : list of Stock
        One container per slot [t].
    log : EventLog
        Events of the path.
    rng : dict of numpy.random.Generator
        Streams by purpose (``outages``, ``licences``, ``leads``, ``content_licences``).
    receipts : list
        Heap of ``(arrival day, seq, link, tonnes, Chinese-origin tonnes)`` whose arrival time
        is known [d, -, -, t, t].
    """

    env: simpy.Environment
    stocks: list
    log: EventLog
    rng: dict
    receipts: list = field(default_factory=list)
    _seq: int = 0

    @classmethod
    def new(cls, stock_t: np.ndarray, log: EventLog, rng: dict) -> PathWorld:
        """A world whose slots start at ``stock_t`` [t]."""
        env = simpy.Environment()
        return cls(env, [Stock(env, init=max(float(s), 0.0)) for s in stock_t], log, rng)

    def expect(self, day: float, link: int, tonnes: float, china_t: float = 0.0) -> None:
        """Record goods due on ``link`` at ``day`` for the planner's books [d, t].

        ``china_t`` is their Chinese-origin part [t].
        """
        self._seq += 1
        heapq.heappush(self.receipts, (day, self._seq, link, tonnes, china_t))

    def due_before(self, day: float, n_links: int) -> tuple[np.ndarray, np.ndarray]:
        """Pop the receipts due before ``day``; return tonnes and their Chinese-origin part
        per link, each (links, 1) [t]."""
        out, china = np.zeros((n_links, 1)), np.zeros((n_links, 1))
        while self.receipts and self.receipts[0][0] < day:
            _, _, link, tonnes, china_t = heapq.heappop(self.receipts)
            out[link, 0] += tonnes
            china[link, 0] += china_t
        return out, china

    def lead_days(self, lead_months: float) -> float:
        """A sampled lead time: uniform within +-LEAD_SPREAD of the mean [d]."""
        u = self.rng["leads"].random()
        return lead_months * DAYS_PER_MONTH * (1.0 + LEAD_SPREAD * (2.0 * u - 1.0))

    def wait_until(self, day: float):
        """A timeout that fires at ``day`` (at once if it has passed)."""
        return self.env.timeout(max(day - self.env.now, 0.0))
