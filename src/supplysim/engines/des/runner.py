"""Run the paths of a scenario one SimPy simulation at a time; collect monthly books and events."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from supplysim.engines.des import processes as proc
from supplysim.engines.des.environment import (BATCHES_PER_MONTH, DAYS_PER_MONTH,
                                               LEAD_SPREAD, OUTAGE_MEAN_DAYS,
                                               OUTAGE_WARMUP_MONTHS, PathWorld, path_generators)
from supplysim.engines.des.event_log import EventLog, Labels, to_frame
from supplysim.engines.des.planner import Planner
from supplysim.engines.layout import Layout
from supplysim.engines.month import project_schedule
from supplysim.seeding import BLOCK_PATHS, Streams

OUTPUTS = ("demand_t", "unmet_t", "shipped_t", "stockpile_t", "origin_share", "price_usd_per_kg",
           "payment_usd", "tariff_usd", "contract_t", "recycled_t")


@dataclass
class RunContext:
    """What every path of a run shares: network, layout, link and slot tables, licence desks."""

    net: object
    lay: Layout
    licences: list          # per licence policy: (name, capacity/week or None, rfi_prob, rfi_days)
    labels: Labels
    content: list = field(default_factory=list)  # the same per content rule

    def __post_init__(self) -> None:
        net, lay = self.net, self.lay
        self.n_months = net.n_months
        self.lead_months = lay.lead_months
        self.link_src, self.link_dst = lay.link_src.tolist(), lay.link_dst.tolist()
        self.link_kind = net.links.kind.astype(str).tolist()
        self.material = net.links.material.astype(str).tolist()
        self.slot_node = lay.slot_node.tolist()
        self.slot_material = net.slots.material.astype(str).tolist()
        d = net.demand
        self.demand_slots = np.unique(lay.d_slot).tolist()
        self.demand_node = lay.slot_node[lay.d_slot].tolist()
        self.demand_material, self.demand_sector = d.material.tolist(), d.sector.tolist()
        in_slot, out_slot = lay.consumer, lay.out_slot
        facility = ~net.nodes.kind.isin(["demand", "stockpile"])
        self.node_slots = [(n, np.flatnonzero((lay.slot_node == n) & in_slot).tolist(),
                            np.flatnonzero((lay.slot_node == n) & out_slot).tolist())
                           for n in np.flatnonzero(facility.to_numpy())]

    def delay_days(self, v: dict) -> np.ndarray:
        """Review time of each licence policy for a path [d]."""
        return v["lic_delay_days"][:, 0]


def licence_settings(scenario, names, kind: str = "export_licensing") -> list:
    """``(name, capacity per week, rfi_prob dist, rfi_delay_days dist)`` of each licence policy
    (or of each content rule with ``kind="content_rule"``)."""
    by_name = {p.name: p for p in scenario.policies if p.type == kind}
    return [(n, getattr(by_name[n], "review_capacity_per_week", None),
             getattr(by_name[n], "rfi_prob", None), getattr(by_name[n], "rfi_delay_days", None))
            for n in names]


def outage_schedule(rng: np.random.Generator, prob: np.ndarray, n_months: int):
    """Outages of every facility: ``[(node, start, end)]`` [d], merged when they overlap.

    In each month (from :data:`OUTAGE_WARMUP_MONTHS` before the horizon) an outage starts with
    probability ``prob`` [1/month] on a uniform day; it lasts an exponential time with mean
    :data:`OUTAGE_MEAN_DAYS`, so a facility is down on average ``prob`` of the time, as in the
    vector engine's monthly draws.
    """
    months = np.arange(-OUTAGE_WARMUP_MONTHS, n_months)
    hit = rng.random((len(prob), len(months))) < prob[:, None]
    start = (months[None, :] + rng.random(hit.shape)) * DAYS_PER_MONTH
    length = rng.exponential(OUTAGE_MEAN_DAYS, hit.shape)
    out = []
    for node in np.flatnonzero(hit.any(axis=1)):
        spans = sorted(zip(start[node, hit[node]], start[node, hit[node]] + length[node, hit[node]]))
        merged = [list(spans[0])]
        for a, e in spans[1:]:
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([a, e])
        out += [(int(node), a, e) for a, e in merged if e > 0]
    return out


def batch_down(outages: list, n_nodes: int, n_months: int) -> np.ndarray:
    """Share of each batch interval (nodes, months, batches) under an outage [1]."""
    edges = np.arange(n_months * BATCHES_PER_MONTH + 1) * DAYS_PER_MONTH / BATCHES_PER_MONTH
    down = np.zeros((n_nodes, n_months * BATCHES_PER_MONTH))
    for node, a, e in outages:
        down[node] += np.clip(np.minimum(edges[1:], e) - np.maximum(edges[:-1], a), 0.0, None)
    down /= DAYS_PER_MONTH / BATCHES_PER_MONTH
    return np.minimum(down, 1.0).reshape(n_nodes, n_months, BATCHES_PER_MONTH)


def run_path(ctx: RunContext, values: dict, built: np.ndarray, rng: dict) -> tuple[dict, dict]:
    """Simulate one path; return its monthly arrays ``(months, k)`` and its event columns."""
    net, lay, T = ctx.net, ctx.lay, ctx.n_months
    prob = values["outage_prob"][:lay.n_outage_nodes] * net.outages
    cuts = outage_schedule(rng["outages"], prob, T)
    log = EventLog(ctx.labels)
    probe = Planner(ctx, values, built, batch_down(cuts, lay.n_nodes, T), None)
    w = PathWorld.new(probe.books.stock[:, 0], log, rng)
    probe.w = w
    _start(w, ctx, probe, values, built, cuts)
    records: list = []
    w.env.process(proc.month_cycle(w, probe, ctx, records))
    w.env.run(until=T * DAYS_PER_MONTH)
    arrays = {"demand_t": np.array([r.demand for r in records]),
              "unmet_t": np.array([r.unmet for r in records]),
              "shipped_t": np.array([r.shipped for r in records]),
              "stockpile_t": np.array([r.stockpile for r in records]),
              "origin_share": np.array([r.origin_share for r in records]),
              "price_usd_per_kg": np.array([r.price for r in records]),
              "payment_usd": np.array([r.payment for r in records]),
              "tariff_usd": np.array([r.tariff for r in records]),
              "contract_t": np.array([r.contract for r in records]).reshape(T, -1),
              "recycled_t": np.array([r.recycled for r in records]).reshape(T, -1)}
    return arrays, log.arrays()


def _start(w, ctx: RunContext, planner: Planner, values: dict, built, cuts) -> None:
    """Desks, outages, project milestones and the goods under way at the start."""
    env, u = w.env, w.rng["licences"].random((len(ctx.licences), 2))
    for q, (name, cap, rfi_prob, rfi_days) in enumerate(ctx.licences):
        p = float(rfi_prob.ppf(u[q, 0])) if rfi_prob is not None else 0.0
        d = float(rfi_days.ppf(u[q, 1])) if rfi_days is not None else 0.0
        planner.desks.append(proc.ReviewDesk(w, name, float(values["lic_delay_days"][q]), cap, p, d))
    u = w.rng["content_licences"].random((len(ctx.content), 2))
    for c, (name, cap, rfi_prob, rfi_days) in enumerate(ctx.content):
        p = float(rfi_prob.ppf(u[c, 0])) if rfi_prob is not None else 0.0
        d = float(rfi_days.ppf(u[c, 1])) if rfi_days is not None else 0.0
        planner.desks.append(proc.ReviewDesk(w, name, float(values["content_delay_days"][c]), cap,
                                             p, d, stream="content_licences"))
    for node, a, e in cuts:
        env.process(proc.outage(w, node, a, e, float(values["outage_loss"][node])))
    pol = ctx.net.policies
    for j, node in enumerate(ctx.lay.project_node):
        online = project_schedule(pol.project_announced, values)[1][j]
        env.process(proc.project(w, int(node), max(pol.project_announced[j], 0.0), bool(built[j]),
                                 online, values["project_ramp_months"][j],
                                 values["project_capacity_t_per_yr"][j]))
    _fill_pipeline(w, ctx, planner)


def _fill_pipeline(w, ctx: RunContext, planner: Planner) -> None:
    """Baseline trade shipped before the horizon (in weekly lots) that has not yet arrived."""
    lay = ctx.lay
    use = ctx.net.slots.baseline_use_t.to_numpy(float)
    flow = use[lay.link_dst] * lay.share * lay.trade
    back = int(np.ceil(lay.max_lead_lag * (1 + LEAD_SPREAD))) + 1
    lots = np.arange(-back * BATCHES_PER_MONTH, 0)
    for link in np.flatnonzero(flow > 0):
        tonnes = float(flow[link]) / BATCHES_PER_MONTH
        for k in lots:
            day = (k + w.rng["leads"].random()) / BATCHES_PER_MONTH * DAYS_PER_MONTH
            day += w.lead_days(lay.lead_months[link])
            if day >= 0:
                w.expect(day, int(link), tonnes, tonnes * float(lay.origin0[lay.link_src[link]]))
                planner.books.transit[link, 0] += tonnes
                w.env.process(proc.arrival(w, ctx, int(link), tonnes, day, "pipeline"))


def run_des(net, scenario, root: np.random.SeedSequence, runs: int) -> tuple[dict, object]:
    """Simulate ``runs`` paths; return arrays ``(paths, months, k)`` (float32) and the event log.

    Per-path parameters and FID draws come from the same block streams as the vector engine
    (``sampling``, ``leads``); event-level draws from one generator per path and purpose.
    """
    lay = Layout.of(net)
    ctx = RunContext(net, lay, licence_settings(scenario, net.policies.lic_names),
                     Labels(net.nodes.name, net.nodes.country, net.slots.material),
                     licence_settings(scenario, net.policies.content_names, "content_rule"))
    nq, nj = len(net.policies.lic_names), len(lay.project_node)
    out = {k: [] for k in OUTPUTS}
    events = []
    for first in range(0, runs, BLOCK_PATHS):
        n = min(BLOCK_PATHS, runs - first)
        streams = Streams(root, first, n)
        values = net.params.sample_streams(streams)
        u_lead = streams.uniform("leads", (nq + 2 * nj,))
        built = u_lead[:, nq:nq + nj] < project_schedule(net.policies.project_announced, values)[0]
        for i in range(n):
            arrays, ev = run_path(ctx, {k: a[i] for k, a in values.items()}, built[i],
                                  path_generators(root, first + i))
            for k in OUTPUTS:
                out[k].append(arrays[k].astype(np.float32))
            events.append(ev)
    arrays = {k: np.stack(v) for k, v in out.items()}
    return arrays, to_frame(events, ctx.labels, net.months[0])
