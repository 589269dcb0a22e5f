"""Nodes, slots, lines, links and demand lines of a network, built from the world tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from supplysim.model.world import FACILITY_TABLES, World
from supplysim.network.baseline import baseline_use
from supplysim.network.levers import (
    append_links,
    contract_links,
    declare_recyclers,
    recycle_links,
    recycler_rows,
    scrap_content,
    sharing_links,
)
from supplysim.network.links import build_links
from supplysim.network.params import ParamTable

MONTHS_PER_YEAR = 12.0


@dataclass
class Scaled:
    """A distribution multiplied by a constant factor (e.g. t/yr -> t/month)."""

    base: object
    factor: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles of the scaled distribution."""
        return self.base.ppf(u) * self.factor

    def mean(self) -> float:
        """Mean of the scaled distribution."""
        return float(self.base.mean()) * self.factor


@dataclass
class Const:
    """A known value in the parameter table (``dist == "fixed"``)."""

    value: float
    dist: str = "fixed"

    def mean(self) -> float:
        """The value."""
        return self.value


def world_estimate(world: World, table: str, row_id: str, column: str):
    """The distribution of an estimated world cell (scipy frozen), or ``None``."""
    cell = world.estimate_cells.get((table, row_id, column))
    return None if cell is None else _frozen(*cell)


@lru_cache(maxsize=None)
def _frozen(dist: str, low: float, mode: float, high: float):
    """A frozen uniform or triangular distribution, shared by every caller (only its
    ``ppf`` and ``mean`` are used)."""
    if dist == "uniform":
        return stats.uniform(loc=low, scale=high - low)
    return stats.triang((mode - low) / (high - low), loc=low, scale=high - low)


def _scaled(dist, factor: float):
    if dist is None:
        return None
    if getattr(dist, "dist", None) == "fixed":
        return Const(float(dist.mean()) * factor)
    return Scaled(dist, factor)


@dataclass(frozen=True, kw_only=True)
class Topology:
    """Label frames of a compiled network (see :mod:`supplysim.network`)."""

    nodes: pd.DataFrame
    slots: pd.DataFrame
    lines: pd.DataFrame
    out_pairs: pd.DataFrame
    in_pairs: pd.DataFrame
    links: pd.DataFrame
    demand: pd.DataFrame
    stockpiles: pd.DataFrame
    projects: pd.DataFrame
    flows: pd.DataFrame
    contracts: pd.DataFrame = None
    recipients: pd.DataFrame = None
    recyclers: pd.DataFrame = None
    notes: tuple[str, ...] = ()


def _facility_nodes(world: World) -> list[dict]:
    rows = []
    for table, kind in FACILITY_TABLES.items():
        for r in world.tables[table].itertuples():
            rows.append(dict(name=r.id, kind=kind or r.kind, country=r.country, table=table,
                             process=getattr(r, "process", "mining"),
                             ore_type=getattr(r, "ore_type", ""), material="",
                             capacity=r.capacity_t_per_yr / MONTHS_PER_YEAR,
                             outage_prob=r.outage_prob_per_month, outage_loss=r.outage_loss_share))
    return rows


def _project_nodes(world: World, scenario, rows: list[dict]) -> list[dict]:
    """Attach each capacity project to its (kind, country[, ore type]) node, or make one."""
    projects = []
    for p in _of_type(scenario, "capacity_project"):
        match = [i for i, n in enumerate(rows) if n["kind"] == p.kind and n["country"] == p.country
                 and (p.kind != "mine" or n["ore_type"] == p.ore_type)]
        if match:
            node = match[0]
        else:
            peers = [n for n in rows if n["kind"] == p.kind]
            rows.append(dict(name=f"{p.name}_site", kind=p.kind, country=p.country, table="",
                             material="", process=peers[0]["process"] if peers else "mining",
                             ore_type=p.ore_type or "", capacity=0.0,
                             outage_prob=float(np.mean([n["outage_prob"] for n in peers] or [0.0])),
                             outage_loss=float(np.mean([n["outage_loss"] for n in peers] or [0.0]))))
            node = len(rows) - 1
        projects.append(dict(name=p.name, node=node, announced=p.announced, policy=p))
    return projects


def _of_type(scenario, kind: str) -> list:
    return [p for p in scenario.policies if p.type == kind]


def _stockpile_rows(world: World, scenario) -> list[dict]:
    rows = [dict(name=r.id, holder=r.holder, material=r.material, origin="world", policy=None)
            for r in world.tables["stockpiles"].itertuples()]
    rows += [dict(name=p.name, holder=p.holder, material=p.material, origin="scenario", policy=p)
             for p in _of_type(scenario, "stockpile")]
    return rows


def build_topology(world: World, scenario, params: ParamTable) -> Topology:
    """Build the label frames and declare node, line, demand and stockpile parameters."""
    facility = _facility_nodes(world)
    projects = _project_nodes(world, scenario, facility)
    regions = list(dict.fromkeys(world.tables["demand"].region))
    sp_rows = _stockpile_rows(world, scenario)
    blank = dict(process="", ore_type="", material="", capacity=0.0, outage_prob=0.0,
                 outage_loss=0.0)
    node_rows = facility + [dict(blank, name=f"demand_{r}", kind="demand", country=r,
                                 table="demand") for r in regions]
    node_rows += [dict(blank, name=s["name"], kind="stockpile", country=s["holder"],
                       table="stockpiles", material=s["material"]) for s in sp_rows]
    sp_first = len(node_rows) - len(sp_rows)
    rec_rows = recycler_rows(world, scenario)
    node_rows += [{k: v for k, v in r.items() if k != "policy"} for r in rec_rows]
    nodes = pd.DataFrame(node_rows)
    stage = world.tables["materials"].stage_order
    nodes["level"] = _node_levels(world, nodes, stage)
    _declare_node_params(world, nodes, params)

    slots = _SlotIndex()
    lines, out_pairs, in_pairs = _lines(world, nodes, slots, params)
    demand = _demand_lines(world, scenario, nodes, slots, params)
    for k, s in enumerate(sp_rows):
        s["node"] = sp_first + k
        s["slot"] = slots.get(sp_first + k, s["material"], "store")
    slot_frame = slots.frame(nodes, stage)

    links, flows, notes = build_links(world, nodes, slot_frame, sp_rows)
    use = baseline_use(slot_frame, lines, out_pairs, in_pairs, links, demand, params.values)
    slot_frame["baseline_use_t"] = use
    _declare_slot_params(world, nodes, slot_frame, params)
    stockpiles = _declare_stockpiles(world, sp_rows, params)
    project_frame = _declare_projects(projects, params)
    recyclers = declare_recyclers(world, scenario, rec_rows, sp_first + len(sp_rows), params,
                                  world_estimate, _scaled)
    c_rows, contracts = contract_links(world, scenario, nodes, slot_frame, params)
    s_rows, recipients = sharing_links(world, scenario, slot_frame, sp_rows, params)
    r_rows = recycle_links(nodes, slot_frame, recyclers)
    links, flows = append_links(links, flows, c_rows + s_rows + r_rows)
    return Topology(nodes=nodes, slots=slot_frame, lines=lines, out_pairs=out_pairs,
                    in_pairs=in_pairs, links=links, demand=demand, stockpiles=stockpiles,
                    projects=project_frame, flows=flows, contracts=contracts,
                    recipients=recipients, recyclers=recyclers, notes=tuple(notes))


def _node_levels(world: World, nodes: pd.DataFrame, stage: pd.Series) -> np.ndarray:
    """Level of a node = stage order of what it supplies (demand: one past the last stage)."""
    recipes, splits = world.tables["recipes"], world.tables["ore_splits"]
    top = int(stage.max()) + 1
    levels = []
    for n in nodes.itertuples():
        if n.kind == "mine":
            outs = splits[splits.ore_type == n.ore_type].material
        elif n.kind == "demand":
            outs = None
        elif n.kind == "stockpile":
            outs = pd.Series([n.material])
        elif n.kind == "recycler":
            outs = pd.Series(list(scrap_content(world, _scrap_process(world, n.name))))
        else:
            outs = recipes[recipes.process == n.process].output_material
        levels.append(top if outs is None else int(stage[list(outs)].max()))
    return np.array(levels, dtype=int)


class _SlotIndex:
    """Assigns slot numbers to (node, material, role) on first use."""

    def __init__(self) -> None:
        self.index: dict[tuple[int, str], int] = {}
        self.role: list[str] = []

    def get(self, node: int, material: str, role: str) -> int:
        key = (node, material)
        if key not in self.index:
            self.index[key] = len(self.role)
            self.role.append(role)
        return self.index[key]

    def frame(self, nodes: pd.DataFrame, stage: pd.Series) -> pd.DataFrame:
        keys = list(self.index)
        frame = pd.DataFrame(keys, columns=["node", "material"])
        frame["role"] = self.role
        frame["kind"] = nodes.kind.to_numpy()[frame.node]
        frame["country"] = nodes.country.to_numpy()[frame.node]
        frame["stage_order"] = stage[frame.material].to_numpy()
        return frame


def _declare_node_params(world: World, nodes: pd.DataFrame, params: ParamTable) -> None:
    cap, prob, loss = {}, {}, {}
    for i, n in enumerate(nodes.itertuples()):
        if n.table in FACILITY_TABLES:
            cap[i] = _scaled(world_estimate(world, n.table, n.name, "capacity_t_per_yr"),
                             1 / MONTHS_PER_YEAR)
            prob[i] = world_estimate(world, n.table, n.name, "outage_prob_per_month")
            loss[i] = world_estimate(world, n.table, n.name, "outage_loss_share")
    params.add("capacity_t_per_month", nodes.capacity, cap)
    params.add("outage_prob", nodes.outage_prob, prob)
    params.add("outage_loss", nodes.outage_loss, loss)


def _scrap_process(world: World, recycler: str) -> str:
    """Process whose products recycler ``recycler`` takes as scrap (world ``recyclers.csv``)."""
    return str(world.tables["recyclers"].loc[recycler, "scrap_process"])


def _lines(world: World, nodes: pd.DataFrame, slots: _SlotIndex, params: ParamTable):
    recipes, splits = world.tables["recipes"], world.tables["ore_splits"]
    lines, outs, ins = [], [], []
    out_d, in_d = {}, {}
    for i, n in enumerate(nodes.itertuples()):
        if n.kind == "mine":
            line = len(lines)
            lines.append(dict(node=i, output=f"ore({n.ore_type})"))
            for s in splits[splits.ore_type == n.ore_type].itertuples():
                out_d[len(outs)] = world_estimate(world, "ore_splits", s.id, "share")
                outs.append(dict(line=line, slot=slots.get(i, s.material, "out"), value=s.share))
        elif n.kind == "recycler":
            line = len(lines)
            lines.append(dict(node=i, output="recycled metal"))
            recovery = float(world.tables["recyclers"].loc[n.name, "recovery_share"])
            for material, content in scrap_content(world, _scrap_process(world, n.name)).items():
                outs.append(dict(line=line, slot=slots.get(i, material, "out"),
                                 value=content * recovery))
        elif n.kind not in ("demand", "stockpile"):
            rec = recipes[recipes.process == n.process]
            for material, group in rec.groupby("output_material", sort=False):
                line = len(lines)
                lines.append(dict(node=i, output=material))
                outs.append(dict(line=line, slot=slots.get(i, material, "out"), value=1.0))
                for r in group.itertuples():
                    in_d[len(ins)] = world_estimate(world, "recipes", r.id, "input_t_per_t")
                    ins.append(dict(line=line, slot=slots.get(i, r.input_material, "in"),
                                    value=r.input_t_per_t))
    out_frame, in_frame = pd.DataFrame(outs), pd.DataFrame(ins)
    params.add("out_yield", out_frame.value, out_d)
    params.add("in_ratio", in_frame.value, in_d)
    return pd.DataFrame(lines), out_frame.drop(columns="value"), in_frame.drop(columns="value")


def _demand_lines(world: World, scenario, nodes, slots: _SlotIndex, params: ParamTable):
    rows, base_d, growth_d, growth = [], {}, {}, []
    node_of = {c: i for i, (c, k) in enumerate(zip(nodes.country, nodes.kind)) if k == "demand"}
    mineral = world.tables["materials"].mineral
    override = dict(scenario.demand_growth)
    shared: dict[str, object] = {}
    for j, r in enumerate(world.tables["demand"].itertuples()):
        node = node_of[r.region]
        rows.append(dict(region=r.region, sector=r.sector, material=r.material,
                         mineral=mineral[r.material], priority_class=int(r.priority_class),
                         slot=slots.get(node, r.material, "in")))
        base_d[j] = _scaled(world_estimate(world, "demand", r.id, "demand_t_per_yr"), 1 / 12)
        growth.append(r.growth_per_yr)
        if r.sector in override:
            growth_d[j] = shared.setdefault(r.sector, override[r.sector])
        else:
            growth_d[j] = world_estimate(world, "demand", r.id, "growth_per_yr")
    demand = pd.DataFrame(rows)
    params.add("demand_t_per_month", world.tables["demand"].demand_t_per_yr / 12, base_d)
    params.add("growth_per_yr", growth, growth_d)
    return demand


def _declare_slot_params(world: World, nodes, slots: pd.DataFrame, params: ParamTable) -> None:
    first: dict[tuple, tuple] = {}  # the first inventory row of each (country, kind, material)
    for row in world.tables["inventories"].itertuples(index=False):
        first.setdefault((row.country, row.kind, row.material), row)
    default = world.parameter("default_cover_months")
    values, dists = [], {}
    for k, s in enumerate(slots.itertuples()):
        row = first.get((s.country, s.kind, s.material)) or first.get((s.country, s.kind, "*"))
        if s.kind == "stockpile" or row is None:
            values.append(0.0 if s.kind == "stockpile" else default)
            continue
        values.append(row.cover_months)
        dists[k] = world_estimate(world, "inventories", row.id, "cover_months")
    params.add("cover_months", values, dists)


def _declare_stockpiles(world: World, sp_rows: list[dict], params: ParamTable) -> pd.DataFrame:
    names = ("initial_t", "target_t", "release_trigger_share", "release_t_per_month",
             "replenish_t_per_month")
    values = {k: [] for k in names}
    dists: dict[str, dict] = {k: {} for k in names}
    table = world.tables["stockpiles"]
    for j, s in enumerate(sp_rows):
        for k in names:
            if s["policy"] is None:
                values[k].append(float(table.loc[s["name"], k]))
                dists[k][j] = world_estimate(world, "stockpiles", s["name"], k)
            else:
                dist = getattr(s["policy"], k)
                if k == "target_t" and dist is None:
                    dist = s["policy"].initial_t
                values[k].append(float(dist.mean()))
                dists[k][j] = dist
    for k in names:
        params.add(f"sp_{k}", values[k], dists[k])
    frame = pd.DataFrame([{k: s[k] for k in ("name", "holder", "material", "origin", "node", "slot")}
                          for s in sp_rows],
                         columns=["name", "holder", "material", "origin", "node", "slot"])
    frame["start"] = [getattr(s["policy"], "start", None) for s in sp_rows]
    frame["end"] = [getattr(s["policy"], "end", None) for s in sp_rows]
    return frame


def _declare_projects(projects: list[dict], params: ParamTable) -> pd.DataFrame:
    names = {"capacity_t_per_yr": 1 / MONTHS_PER_YEAR, "fid_prob": 1.0,
             "construction_months": 1.0, "ramp_months": 1.0}
    for k, factor in names.items():
        dists = {j: _scaled(getattr(p["policy"], k), factor) for j, p in enumerate(projects)}
        params.add(f"project_{k}", [d.mean() for d in dists.values()], dists)
    return pd.DataFrame([{k: p[k] for k in ("name", "node", "announced")} for p in projects],
                        columns=["name", "node", "announced"])
