"""SimPy processes of one path: what happens, day by day, once the planner has decided.

Each generator takes goods from a :class:`~supplysim.engines.des.environment.Stock` only in
the amounts the planner granted and waits there until they are physically present.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from supplysim.engines.des.environment import BATCHES_PER_MONTH, DAYS_PER_MONTH, TINY_T

WEEK_DAYS = 7.0


def shipment(w, ctx, link: int, tonnes: float, depart: float, lead: float):
    """Goods leave the supplier at ``depart`` [d] (or when there) and arrive ``lead`` days later."""
    src, dst = ctx.link_src[link], ctx.link_dst[link]
    yield w.wait_until(depart)
    wait = w.stocks[src].take(tonnes)
    if wait is not None:
        yield wait
    released = ctx.link_kind[link] in ("release", "shared_release")
    kind = "stockpile_release" if released else "shipment_departed"
    w.log.add(w.env.now, kind, ctx.slot_node[src], ctx.slot_node[dst], ctx.material[link],
              tonnes, ctx.link_kind[link])
    yield w.env.timeout(lead)
    yield from arrival(w, ctx, link, tonnes, w.env.now, ctx.link_kind[link])


def arrival(w, ctx, link: int, tonnes: float, day: float, detail: str):
    """Goods of ``link`` reach the buyer's stock at ``day`` [d]."""
    yield w.wait_until(day)
    dst = ctx.link_dst[link]
    w.stocks[dst].add(tonnes)
    w.log.add(w.env.now, "shipment_arrived", ctx.slot_node[dst], ctx.slot_node[ctx.link_src[link]],
              ctx.material[link], tonnes, detail)


def production(w, node: int, t: int, ins: list, outs: list, weights: np.ndarray):
    """The month's batches of a facility: each takes its inputs, then adds its outputs.

    ``ins`` and ``outs`` are ``(slot, tonnes for the month)``; batch ``k`` starts at day
    ``(t + k / BATCHES_PER_MONTH) * DAYS_PER_MONTH`` and moves ``weights[k]`` of them.
    """
    for k, share in enumerate(weights):
        yield w.wait_until((t + k / BATCHES_PER_MONTH) * DAYS_PER_MONTH)
        for slot, tonnes in ins:
            wait = w.stocks[slot].take(tonnes * share) if tonnes * share > TINY_T else None
            if wait is not None:
                yield wait
        made = 0.0
        for slot, tonnes in outs:
            if tonnes * share > TINY_T:
                w.stocks[slot].add(tonnes * share)
                made += tonnes * share
        if made > TINY_T:
            w.log.add(w.env.now, "production", node, tonnes=made, detail=f"batch {k + 1}")


def demand_draws(w, node: int, slot: int, material: str, t: int, tonnes: float):
    """Users of a region take the month's served demand in equal draws through the month."""
    each = tonnes / BATCHES_PER_MONTH
    if each <= TINY_T:
        return
    for k in range(BATCHES_PER_MONTH):
        yield w.wait_until((t + (k + 0.5) / BATCHES_PER_MONTH) * DAYS_PER_MONTH)
        wait = w.stocks[slot].take(each)
        if wait is not None:
            yield wait
        w.log.add(w.env.now, "demand_draw", node, material=material, tonnes=each)


def licence_lot(w, ctx, lot, desk):
    """File an application, wait for the decision, then ship the lot if approved."""
    src, dst = ctx.link_src[lot.link], ctx.link_dst[lot.link]
    ends = (ctx.slot_node[src], ctx.slot_node[dst], ctx.material[lot.link])
    yield w.wait_until(lot.filed)
    wait = w.stocks[src].take(lot.tonnes) if lot.approved and lot.tonnes > TINY_T else None
    if wait is not None:
        yield wait  # into the exporter's bonded hold
    w.log.add(w.env.now, "licence_filed", *ends, lot.tonnes, desk.name)
    yield from desk.review(w, ends, lot.tonnes)
    w.log.add(w.env.now, "licence_decision", *ends, lot.tonnes,
              "approved" if lot.approved else "denied")
    if not lot.approved or lot.tonnes <= TINY_T:
        return
    lead = w.lead_days(ctx.lead_months[lot.link])
    w.expect(w.env.now + lead, lot.link, lot.tonnes, lot.tonnes * lot.china)
    w.log.add(w.env.now, "shipment_departed", *ends, lot.tonnes, "licensed")
    yield from arrival(w, ctx, lot.link, lot.tonnes, w.env.now + lead, "licensed")


class ReviewDesk:
    """The licence authority of one policy in one path.

    With ``capacity`` None every application is reviewed at once and decided ``review_days``
    later. Otherwise applications queue first-come first-served and ``capacity`` of them are
    taken up each week (from day 0), each decided ``review_days`` after it is taken up. After a
    review, a "request for more information" (probability ``rfi_prob``) sends the application
    back to the applicant for ``rfi_days``, then into the queue again. ``stream`` names the
    random stream of its RFI draws (content-rule desks draw from their own).
    """

    def __init__(self, w, name: str, review_days: float, capacity, rfi_prob: float,
                 rfi_days: float, stream: str = "licences") -> None:
        self.name, self.review_days, self.capacity = name, review_days, capacity
        self.rfi_prob, self.rfi_days, self.stream = rfi_prob, rfi_days, stream
        self.queue: deque = deque()
        if capacity is not None:
            w.env.process(self._take_up(w))

    def review(self, w, ends: tuple, tonnes: float):
        """Wait in the queue and under review until decided (RFI rounds included)."""
        while True:
            if self.capacity is not None:
                ticket = w.env.event()
                self.queue.append(ticket)
                yield ticket
                w.log.add(w.env.now, "licence_review", *ends, tonnes, self.name)
            yield w.env.timeout(self.review_days)
            if not w.rng[self.stream].random() < self.rfi_prob:
                return
            w.log.add(w.env.now, "licence_rfi", *ends, tonnes, self.name)
            yield w.env.timeout(self.rfi_days)

    def _take_up(self, w):
        while True:
            for _ in range(min(self.capacity, len(self.queue))):
                self.queue.popleft().succeed()
            yield w.env.timeout(WEEK_DAYS)


def outage(w, node: int, start: float, end: float, loss: float):
    """An outage at a facility from ``start`` to ``end`` [d] (before the horizon: from day 0)."""
    yield w.wait_until(start)
    w.log.add(w.env.now, "outage_start", node, detail=f"loss {round(100 * loss)} %")
    yield w.wait_until(end)
    w.log.add(w.env.now, "outage_end", node, detail=f"loss {round(100 * loss)} %")


def project(w, node: int, fid_month: float, built: bool, online_month: float, ramp_months: float,
            capacity: float):
    """Milestones of a capacity project: FID, construction done, ramp-up in quarter steps."""
    yield w.wait_until(fid_month * DAYS_PER_MONTH)
    w.log.add(w.env.now, "project_fid", node, tonnes=capacity,
              detail="approved" if built else "declined")
    if not built:
        return
    yield w.wait_until(online_month * DAYS_PER_MONTH)
    w.log.add(w.env.now, "construction_done", node, tonnes=0.0)
    for k in range(1, 5):
        yield w.wait_until((online_month + ramp_months * k / 4) * DAYS_PER_MONTH)
        w.log.add(w.env.now, "ramp_step", node, tonnes=capacity * k / 4, detail=f"{25 * k} %")


def month_cycle(w, planner, ctx, records: list):
    """The planner at each month start, then the month's processes it sets going."""
    for t in range(ctx.n_months):
        yield w.wait_until(t * DAYS_PER_MONTH)
        plan = planner.month(t)
        records.append(plan)
        start_month(w, ctx, planner, plan)


def start_month(w, ctx, planner, plan) -> None:
    """Start the processes that carry out ``plan``."""
    env, t = w.env, plan.t
    for node, ins, outs in ctx.node_slots:
        i = [(s, plan.used[s]) for s in ins if plan.used[s] > TINY_T]
        o = [(s, plan.made[s]) for s in outs if plan.made[s] > TINY_T]
        if o or i:
            env.process(production(w, node, t, i, o, planner.batch_weights(node, t)))
    for link, tonnes, depart, lead in plan.ships:
        env.process(shipment(w, ctx, link, tonnes, depart, lead))
    for lot in plan.lots:
        env.process(licence_lot(w, ctx, lot, planner.desks[lot.policy]))
    for slot in ctx.demand_slots:
        if plan.served_slot[slot] > TINY_T:
            env.process(demand_draws(w, ctx.slot_node[slot], slot, ctx.slot_material[slot], t,
                                     float(plan.served_slot[slot])))
    for d in np.flatnonzero(plan.unmet > 1e-6):
        w.log.add((t + 1) * DAYS_PER_MONTH - 1e-6, "shortage", ctx.demand_node[d],
                  material=ctx.demand_material[d], tonnes=float(plan.unmet[d]),
                  detail=ctx.demand_sector[d])
