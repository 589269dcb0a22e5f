"""Monthly decisions of one path: the vector engine's step for a single path, on the books.

At each month start the planner takes the goods due this month into its books, sets capacity
(outages by their share of the month, projects by their ramp), runs the lines from last month's
orders, places orders, allocates (round one, export policies, round two re-sourcing with
triggered stockpiles) and serves demand, in the order and with the rules of
:func:`supplysim.engines.vector.step`. Arrays are shaped ``(k, 1)`` (one path). What it decides
is then carried out by the processes of :mod:`supplysim.engines.des.processes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from supplysim.engines.balance import check_slots
from supplysim.engines.des.environment import DAYS_PER_MONTH, TINY_T
from supplysim.engines.market import close_month, input_short, link_shares, open_books, respond
from supplysim.engines.month import (
    apply_quotas,
    contract_delivered,
    fired_stockpiles,
    link_classes,
    link_orders,
    project_schedule,
    recycler_capacity,
    resource,
    run_lines,
    short_share,
    technology_cut,
)
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.demand import demand_at
from supplysim.rules.inventory import order_up_to
from supplysim.rules.origin import mix, needs_licence
from supplysim.rules.production import project_capacity


@dataclass
class Books:
    """The planner's view of one path: stocks, goods under way, last orders, unmet shares."""

    stock: np.ndarray        # (slots, 1) [t]
    transit: np.ndarray      # (links, 1) shipped or held for a licence, not yet received [t]
    demanded: np.ndarray     # (slots, 1) orders received by suppliers last month [t/month]
    short_share: np.ndarray  # (stockpiles + recipients, 1) last month's unmet share of need [1]
    origin: np.ndarray = None  # (slots, 1) Chinese-origin share of each stock [1]
    made: np.ndarray = None  # (slots, 1) output last month [t]


@dataclass
class Lot:
    """One licensed lot: an application, and goods that leave only when approved."""

    link: int
    tonnes: float        # [t] goods of the lot (requested share when refused)
    filed: float         # [d]
    approved: bool
    policy: int          # licence policy (then content rule) whose desk reviews it
    china: float = 0.0   # [1] Chinese-origin share of the goods


@dataclass
class MonthPlan:
    """What the planner decided for month ``t`` (one path); quantities [t]."""

    t: int
    used: np.ndarray
    made: np.ndarray
    ships: list = field(default_factory=list)   # (link, tonnes, depart day, lead days)
    lots: list = field(default_factory=list)
    served_slot: np.ndarray = None
    demand: np.ndarray = None
    unmet: np.ndarray = None
    shipped: np.ndarray = None
    stockpile: np.ndarray = None
    origin_share: np.ndarray = None
    price: np.ndarray = None
    payment: np.ndarray = None
    tariff: np.ndarray = None
    contract: np.ndarray = None
    recycled: np.ndarray = None


class Exports:
    """Export policies of one month for one path: classes, bans, licensed lots, quotas.

    A licensed link files ``applications_per_month`` lots; each is approved when its uniform
    draw is below ``approval_prob`` of every active licence covering the link, so the approved
    share of a month is Binomial(n, p) / n as in the vector engine. A link an active content
    rule reaches is licensed this month when the Chinese-origin share ``origin`` (slots, 1) of
    its exporting stock exceeds the rule's threshold; its lots draw from ``rng_content``. Rows of
    export licences come first in ``lic_rows`` (``n_plain`` of them), then rows licensed only
    under a content rule.
    """

    def __init__(self, net, lay, t: int, v: dict, rng: np.random.Generator, delay_days,
                 origin=None, rng_content=None, content_days=None) -> None:
        pol = net.policies
        self.classes = link_classes(lay, pol.home_first[t])
        self.open = ~pol.banned[t]
        active = np.flatnonzero(pol.lic_active[:, t])
        self.lic_rows = np.flatnonzero(pol.lic_scope[active].any(axis=0))
        self.n_plain = len(self.lic_rows)
        hits = []
        if origin is not None:
            for c in np.flatnonzero(pol.content_active[:, t]):
                cand = np.flatnonzero(pol.content_scope[c])
                hit = cand[needs_licence(origin[lay.link_src[cand], 0], pol.content_threshold[c])]
                hits.append((c, hit))
        extra = np.setdiff1d(np.concatenate([h for _, h in hits] or [np.zeros(0, int)]), self.lic_rows)
        self.lic_rows = np.concatenate([self.lic_rows, extra]).astype(int)
        n = int(max(pol.lic_applications[active].max(initial=1),
                    pol.content_applications[[c for c, _ in hits]].max(initial=1)))
        self.lots = np.ones((len(self.lic_rows), n), bool)
        self.policy = np.zeros(len(self.lic_rows), int)
        longest = np.full(len(self.lic_rows), -1.0)
        for q in active:
            rows = pol.lic_scope[q, self.lic_rows]
            self.lots[rows] &= rng.random((int(rows.sum()), n)) < v["lic_approval_prob"][q, 0]
            later = rows & (delay_days[q] > longest)
            self.policy[later], longest[later] = q, delay_days[q]
        for c, hit in hits:
            rows = np.isin(self.lic_rows, hit)
            draws = rng_content.random((int(rows.sum()), n))
            self.lots[rows] &= draws < v["content_approval_prob"][c, 0]
            later = rows & (content_days[c] > longest)
            self.policy[later], longest[later] = len(pol.lic_names) + c, content_days[c]
        self.share = self.lots.mean(axis=1) if len(self.lic_rows) else np.ones(0)
        self.asked = np.zeros(len(self.lic_rows))
        self.quota_cols = [pol.quota_scope[z] for z in np.flatnonzero(pol.quota_active[:, t])]
        self.quota_left = v["quota_t_per_month"][pol.quota_active[:, t]].copy()

    def apply(self, alloc: np.ndarray) -> np.ndarray:
        """What leaves the exporter of an allocation (links, 1) [t]; scales it in place."""
        if len(self.lic_rows):
            self.asked += alloc[self.lic_rows, 0]
            alloc[self.lic_rows, 0] *= self.share
        apply_quotas(alloc, self.quota_cols, self.quota_left)
        return alloc


class Planner:
    """Decides each month of one path with the rules, on its :class:`Books`.

    Parameters
    ----------
    ctx : RunContext
        Network, layout and link tables shared by the paths of a run.
    values : dict of ndarray
        Sampled parameters of this path, each ``(K,)``.
    built : ndarray (projects,) bool
        Projects that reached FID.
    batch_down : ndarray (nodes, months, batches)
        Share of each batch interval a facility is under an outage [1].
    world : PathWorld
        Receipts, random streams and the event log of the path.
    """

    def __init__(self, ctx, values: dict, built, batch_down, world) -> None:
        self.ctx, self.net, self.lay, self.w = ctx, ctx.net, ctx.lay, world
        self.v = {k: np.asarray(a, float)[:, None] for k, a in values.items()}
        self.built = np.asarray(built, float)[:, None]
        self.online = project_schedule(self.net.policies.project_announced, values)[1][:, None]
        self.batch_down = batch_down
        self.down = batch_down.mean(axis=2)
        self.desks: list = []
        use = self.net.slots.baseline_use_t.to_numpy(float)
        stock = self.v["cover_months"] * use[:, None]
        stock[self.lay.sp_slot] = self.v["sp_initial_t"]
        self.books = Books(stock, np.zeros((self.lay.n_links, 1)), (use * self.lay.out_slot)[:, None],
                           np.zeros((self.lay.watch_demand.shape[0], 1)),
                           self.lay.origin0[:, None].copy(), np.zeros((self.lay.n_slots, 1)))
        self.market = open_books(self.net.market, stock)

    def batch_weights(self, node: int, t: int) -> np.ndarray:
        """Share of a month's output made in each batch: available capacity per batch [1]."""
        avail = 1.0 - self.v["outage_loss"][node, 0] * self.batch_down[node, t]
        total = avail.sum()
        return avail / total if total > 0 else np.full(len(avail), 1.0 / len(avail))

    def _receive(self, t: int) -> np.ndarray:
        arrived, china = self.w.due_before((t + 1) * DAYS_PER_MONTH, self.lay.n_links)
        self.books.transit -= arrived
        received = self.lay.link_by_dst.sum_rows(arrived)
        b = self.books
        b.origin = mix(b.stock, b.origin, received, self.lay.link_by_dst.sum_rows(china))
        b.stock += received
        return received

    def _capacity(self, t: int, dem_slot: np.ndarray) -> np.ndarray:
        v, lay = self.v, self.lay
        cap = v["capacity_t_per_month"].copy()
        if len(lay.project_node):
            add = project_capacity(t + 0.5, v["project_capacity_t_per_yr"], self.built, self.online,
                                   v["project_ramp_months"])
            np.add.at(cap, lay.project_node, add)
        if self.net.outages:
            cap *= 1.0 - v["outage_loss"] * self.down[:, t:t + 1]
        technology_cut(cap, self.net.policies, v, t)
        if len(lay.rec_node):
            cap[lay.rec_node] = recycler_capacity(lay, v, self.net.policies.rec_ramp[:, t],
                                                  self.books.made, dem_slot)
        return cap

    def month(self, t: int) -> MonthPlan:
        """Decide month ``t``; update the books and return the plan to carry out."""
        b, lay, v, net = self.books, self.lay, self.v, self.net
        adjust = net.order_adjust_months
        start = b.stock.copy()
        received = self._receive(t)
        dem = demand_at(v["demand_t_per_month"], v["growth_per_yr"], net.years_from_base[t])
        dem = respond(net.market, self.market, dem)
        dem_slot = lay.demand_by_slot.sum_rows(dem)
        cap = self._capacity(t, dem_slot)
        planned_in, used, made = run_lines(b.stock, b.demanded, lay, v, cap, adjust, b.origin)
        short_in = input_short(planned_in, used, made, b.stock)
        b.made = made
        transit_in = lay.link_by_dst.sum_rows(b.transit)
        order = order_up_to(planned_in + dem_slot, v["cover_months"] + lay.supply_line_months[:, None],
                            b.stock, transit_in, adjust) * lay.consumer[:, None]
        pol = net.policies
        sp_active = pol.sp_active[:, t]
        link_order = link_orders(lay, v, b.stock, order, sp_active, pol.contract_active[:, t],
                                 link_shares(net.market, lay, self.market, v, t))
        ex = Exports(net, lay, t, v, self.w.rng["licences"], self.ctx.delay_days(v), b.origin,
                     self.w.rng["content_licences"], v["content_delay_days"][:, 0])
        alloc = allocate_by_class(b.stock * lay.out_slot[:, None], link_order * ex.open[:, None],
                                  ex.classes, lay.link_by_src)
        sent = ex.apply(alloc)
        fired = fired_stockpiles(lay, v, sp_active, b.short_share, dem_slot, b.stock,
                                 pol.sharing_active[:, t])
        sent2, asked2 = resource(b.stock, lay, v, ex, order, sent, fired, planned_in + dem_slot,
                                 sp_active)
        sent += sent2
        b.demanded = lay.link_by_src.sum_rows(link_order + asked2)
        shipped = lay.link_by_src.sum_rows(sent)
        b.stock -= shipped
        plan = MonthPlan(t, used[:, 0], made[:, 0])
        self._dispatch(plan, sent, ex)
        received = received + self._receive(t)
        plan.origin_share = b.origin[lay.od_slot, 0].copy()
        served = allocate_by_class(b.stock, dem, lay.d_class, lay.demand_by_slot)
        served_slot = lay.demand_by_slot.sum_rows(served)
        b.stock -= served_slot
        b.short_share = short_share(lay, dem_slot, served_slot)
        mm = close_month(net.market, self.market, v, t,
                         dict(stock=b.stock, need=planned_in, short=short_in, made=made, sent=sent))
        check_slots(net, t, start.T, received.T, made.T, used.T, shipped.T, served_slot.T, b.stock.T)
        plan.served_slot, plan.demand, plan.unmet = served_slot[:, 0], dem[:, 0], (dem - served)[:, 0]
        plan.shipped = lay.link_by_flow.sum_rows(sent)[:-1, 0]
        plan.stockpile = b.stock[lay.sp_slot, 0].copy()
        plan.price, plan.payment = mm.price_usd_per_kg[:, 0], mm.payment_usd[:, 0]
        plan.tariff = mm.tariff_usd[:, 0]
        plan.contract = contract_delivered(lay, sent)[:, 0]
        plan.recycled = made[lay.rec_out, 0]
        return plan

    def _dispatch(self, plan: MonthPlan, sent: np.ndarray, ex: Exports) -> None:
        """Departure days and lead times of the month's shipments; licensed lots to file."""
        w, day0, lead = self.w, plan.t * DAYS_PER_MONTH, self.ctx.lead_months
        self.books.transit += sent
        china = self.books.origin[self.lay.link_src, 0]
        licensed = np.zeros(self.lay.n_links, bool)
        licensed[ex.lic_rows] = True
        u = w.rng["leads"].random(self.lay.n_links)
        for link in np.flatnonzero((sent[:, 0] > TINY_T) & ~licensed):
            depart = day0 + u[link] * DAYS_PER_MONTH
            days = w.lead_days(lead[link])
            w.expect(depart + days, int(link), float(sent[link, 0]), float(sent[link, 0] * china[link]))
            plan.ships.append((int(link), float(sent[link, 0]), depart, days))
        n = ex.lots.shape[1]
        for r, link in enumerate(ex.lic_rows):
            if ex.asked[r] <= TINY_T:
                continue
            ok = ex.lots[r]
            each = sent[link, 0] / ok.sum() if ok.any() else 0.0
            rng = w.rng["licences"] if r < ex.n_plain else w.rng["content_licences"]
            days = day0 + (np.arange(n) + rng.random(n)) / n * DAYS_PER_MONTH
            plan.lots += [Lot(int(link), each if a else ex.asked[r] / n, float(d), bool(a),
                              int(ex.policy[r]), float(china[link])) for a, d in zip(ok, days)]
