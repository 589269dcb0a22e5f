"""Supply-side levers compiled onto a network: offtake contracts, stockpile sharing, financing.

Contracts and sharing add links to the link table (kinds ``contract`` and ``shared_release``);
financing changes project parameters. Nothing is added when a scenario uses none of them, so
the numbers of other scenarios do not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from supplysim.model.world import World
from supplysim.network.params import ParamTable

#: Financing instruments and the world parameters that set their effects.
INSTRUMENTS = ("grant", "loan", "guarantee")


def _of_type(scenario, kind: str) -> list:
    return [p for p in scenario.policies if p.type == kind]


def _lead(world: World, exporter: str, importer: str, material: str) -> float:
    """Lead time of the trade route, else the median international lead of the material [months]."""
    t = world.tables["trade_links"]
    hit = t[(t.exporter == exporter) & (t.importer == importer) & (t.material == material)]
    if len(hit):
        return float(hit.lead_time_months.iloc[0])
    intl = t[(t.material == material) & (t.exporter != t.importer)]
    return float(intl.lead_time_months.median()) if len(intl) else 1.0


def world_price(world: World, material: str) -> float | None:
    """2024 ex-China price of a material's element at its stage [USD/kg], or None if not listed.

    The 2024 row of ``prices.csv``: the base an offtake contract without a price of its own
    moves from with the ex-China index of its element (see
    :func:`supplysim.results.dataset.to_dataset`).
    """
    mats, prices = world.tables["materials"], world.tables["prices"]
    m = mats.loc[material]
    hit = prices[(prices.element == m.element) & (prices.stage == m.stage)
                 & (prices.market == "ex_china") & (prices.year == 2024)]
    return float(hit.price_usd_per_kg.iloc[0]) if len(hit) else None


def _sites(slots: pd.DataFrame, nodes: pd.DataFrame, country: str, material: str, role: str,
           kind: str | None) -> list[int]:
    hit = (slots.country == country) & (slots.material == material) & (slots.role == role)
    if kind is not None:
        hit &= slots.kind == kind
    return list(np.flatnonzero(hit.to_numpy()))


def contract_links(world: World, scenario, nodes: pd.DataFrame, slots: pd.DataFrame,
                   params: ParamTable):
    """Links of the offtake contracts and their table; declares ``contract_t_per_month``.

    Each contract gets one link from every seller site of the material to every buyer site;
    ``weight`` is the link's share of the contract volume: seller sites by capacity, buyer
    sites by their baseline use.

    Returns
    -------
    rows : list of dict
        Link rows (kind ``contract``, column ``contract``).
    frame : pandas.DataFrame
        ``name, buyer, seller, material, element, price_usd_per_kg, indexed, priority, start,
        end``; ``indexed``: no price in the policy, so the 2024 price follows the index.
    """
    rows, table, dists = [], [], {}
    cap = nodes.capacity.to_numpy(float)
    use = slots.baseline_use_t.to_numpy(float)
    for c, p in enumerate(_of_type(scenario, "offtake")):
        src = _sites(slots, nodes, p.seller, p.material, "out", p.seller_kind)
        dst = _sites(slots, nodes, p.buyer, p.material, "in", p.buyer_kind)
        if not src or not dst:
            side = "seller" if not src else "buyer"
            raise ValueError(f"offtake {p.name!r}: no {side} site of {p.material} in "
                             f"{p.seller if not src else p.buyer}")
        w_src = cap[slots.node.to_numpy()[src]]
        w_src = w_src / w_src.sum() if w_src.sum() > 0 else np.full(len(src), 1 / len(src))
        w_dst = use[dst]
        w_dst = w_dst / w_dst.sum() if w_dst.sum() > 0 else np.full(len(dst), 1 / len(dst))
        lead = _lead(world, p.seller, p.buyer, p.material)
        for s, ws in zip(src, w_src):
            for d, wd in zip(dst, w_dst):
                rows.append(dict(src_slot=int(s), dst_slot=int(d), material=p.material,
                                 exporter=p.seller, importer=p.buyer, share=0.0, lead_months=lead,
                                 kind="contract", contract=c, weight=float(ws * wd)))
        price = (p.price_usd_per_kg.mean() if p.price_usd_per_kg is not None
                 else world_price(world, p.material))
        if price is None:
            raise ValueError(f"offtake {p.name!r}: give price_usd_per_kg (no 2024 price of "
                             f"{p.material} in the world)")
        dists[c] = p.tonnes_per_month
        table.append(dict(name=p.name, buyer=p.buyer, seller=p.seller, material=p.material,
                          element=str(world.tables["materials"].loc[p.material, "element"]),
                          price_usd_per_kg=float(price), indexed=p.price_usd_per_kg is None,
                          priority=int(p.priority), start=p.start, end=p.end))
    params.add("contract_t_per_month", [d.mean() for d in dists.values()], dists, stream="levers")
    cols = ["name", "buyer", "seller", "material", "element", "price_usd_per_kg", "indexed",
            "priority", "start", "end"]
    return rows, pd.DataFrame(table, columns=cols)


def sharing_links(world: World, scenario, slots: pd.DataFrame, sp_rows: list[dict],
                  params: ParamTable):
    """Release links from each member's stockpiles to the other members' consumers.

    A *recipient* is a (sharing policy, member) pair: its links fire when that member's unmet
    share of demand exceeds the policy trigger. ``cap`` on a link is the share of the source
    stockpile's release rate open to partners (1 when pooled). Declares
    ``sharing_trigger_share`` per recipient.

    Returns
    -------
    rows : list of dict
        Link rows (kind ``shared_release``, columns ``recipient`` and ``cap``).
    frame : pandas.DataFrame
        ``policy, member, start, end`` per recipient.
    """
    rows, table, dists = [], [], {}
    for p in _of_type(scenario, "stockpile_sharing"):
        for member in p.members:
            r = len(table)
            table.append(dict(policy=p.name, member=member, start=p.start, end=p.end))
            dists[r] = p.release_trigger_share
            for sp in sp_rows:
                if sp["holder"] == member or sp["holder"] not in p.members:
                    continue
                if p.materials is not None and sp["material"] not in p.materials:
                    continue
                cap = 1.0 if p.rule == "pooled" else float(p.shares[sp["holder"]].mean())
                lead = _lead(world, sp["holder"], member, sp["material"])
                for d in _sites(slots, None, member, sp["material"], "in", None):
                    rows.append(dict(src_slot=int(sp["slot"]), dst_slot=int(d),
                                     material=sp["material"], exporter=sp["holder"],
                                     importer=member, share=0.0, lead_months=lead,
                                     kind="shared_release", recipient=r, cap=cap))
    params.add("sharing_trigger_share", [d.mean() for d in dists.values()], dists, stream="levers")
    return rows, pd.DataFrame(table, columns=["policy", "member", "start", "end"])


def append_links(links: pd.DataFrame, flows: pd.DataFrame, rows: list[dict]):
    """Add lever links to the link table; contract links count in the flows they serve."""
    links = links.copy()
    for col, default in (("contract", -1), ("weight", 0.0), ("recipient", -1), ("cap", 0.0)):
        links[col] = default
    if not rows:
        return links, flows
    extra = pd.DataFrame(rows)
    extra["home"] = False
    index = {tuple(k): i for i, k in enumerate(flows.itertuples(index=False))}
    new = []
    for e, i, m, kind in zip(extra.exporter, extra.importer, extra.material, extra.kind):
        key = (e, i, m)
        if kind != "contract":
            new.append(-1)
            continue
        if key not in index:
            index[key] = len(index)
            flows = pd.concat([flows, pd.DataFrame([dict(exporter=e, destination=i, material=m)])],
                              ignore_index=True)
        new.append(index[key])
    extra["flow"] = new
    for col, default in (("contract", -1), ("weight", 0.0), ("recipient", -1), ("cap", 0.0)):
        extra[col] = extra[col].fillna(default) if col in extra else default
    extra = extra.astype({"contract": int, "recipient": int})
    return pd.concat([links, extra[links.columns]], ignore_index=True), flows


def finance_params(world: World, scenario, projects: pd.DataFrame, months: pd.DatetimeIndex,
                   params: ParamTable, month_index) -> pd.DataFrame:
    """Declare ``project_fid_gap``, ``project_cut`` and ``project_finance_month``; cost table.

    An instrument of amount ``A`` closes ``g * min(1, A / finance_full_effect_usd)`` of the gap
    between the FID probability and 1, and cuts ``c * min(1, A / full)`` of the construction
    time left when the money is committed (``g``, ``c`` per instrument in the world
    parameters). Several instruments on one project combine as independent effects. The cost
    to the budget is ``A * finance_cost_share_<instrument>`` [USD], booked in the month of
    commitment.
    """
    J = len(projects)
    gap, cut, when = np.zeros(J), np.zeros(J), np.full(J, np.inf)
    index = {n: j for j, n in enumerate(projects.name)}
    rows = []
    for p in _of_type(scenario, "project_finance"):
        full = world.parameter("finance_full_effect_usd")
        j, scale = index[p.project], min(1.0, p.amount_usd / full)
        g = world.parameter(f"finance_fid_gap_{p.instrument}") * scale
        c = world.parameter(f"finance_construction_cut_{p.instrument}") * scale
        gap[j] = 1 - (1 - gap[j]) * (1 - g)
        cut[j] = 1 - (1 - cut[j]) * (1 - c)
        m = month_index(months, p.start)
        when[j] = min(when[j], m)
        cost = p.amount_usd * world.parameter(f"finance_cost_share_{p.instrument}")
        rows.append(dict(name=p.name, project=p.project, instrument=p.instrument,
                         amount_usd=float(p.amount_usd), cost_usd=float(cost),
                         month=int(np.clip(np.floor(m), 0, len(months) - 1)),
                         fid_gap_closed=g, construction_cut=c))
    params.add("project_fid_gap", gap)
    params.add("project_cut", cut)
    params.add("project_finance_month", np.where(np.isfinite(when), when, 0.0))
    cols = ["name", "project", "instrument", "amount_usd", "cost_usd", "month", "fid_gap_closed",
            "construction_cut"]
    return pd.DataFrame(rows, columns=cols)


def scrap_content(world: World, process: str) -> dict[str, float]:
    """Inputs recovered from a tonne of scrap of ``process``'s products [t/t]: its recipes
    weighted by demand.

    The mix of products in scrap is taken as the mix of their world demand (a proxy).
    """
    rec = world.tables["recipes"]
    rec = rec[rec.process == process]
    dem = world.tables["demand"].groupby("material")["demand_t_per_yr"].sum()
    w = dem.reindex(rec.output_material.unique()).fillna(0.0)
    w = w / w.sum()
    content = (rec.input_t_per_t * rec.output_material.map(w)).groupby(rec.input_material).sum()
    return {m: float(c) for m, c in content.items() if c > 0}


def recycler_rows(world: World, scenario) -> list[dict]:
    """Recycler nodes of the countries a ``recycling_growth`` policy switches on."""
    table = world.tables["recyclers"]
    rows = []
    for p in _of_type(scenario, "recycling_growth"):
        hit = table[table.country == p.country]
        if hit.empty:
            raise ValueError(f"recycling_growth {p.name!r}: no recycler of {p.country} in the "
                             f"world (recyclers.csv has {sorted(table.country)})")
        rid = hit.index[0]
        rows.append(dict(name=rid, kind="recycler", country=p.country, table="recyclers",
                         process="recycling", ore_type="", material="", capacity=0.0,
                         outage_prob=0.0, outage_loss=0.0, policy=p))
    return rows


def declare_recyclers(world: World, scenario, rows: list[dict], first_node: int,
                      params: ParamTable, estimate, scaled) -> pd.DataFrame:
    """Declare ``recycler_capacity_t_per_month``, ``recycler_swarf_share``,
    ``recycler_collection_rate`` (lever stream) and return the recycler table.

    The table has ``name, country, node, scrap_process, start_month, years`` (start in months
    from the horizon start, fractional). ``estimate`` gives a world cell's distribution and ``scaled``
    scales one (see :mod:`supplysim.network.topology`).
    """
    table = world.tables["recyclers"]
    cap, swarf, rate = {}, {}, {}
    caps, swarfs, rates = [], [], []
    for k, r in enumerate(rows):
        p = r["policy"]
        if p.capacity_t_per_yr is not None:
            cap[k] = scaled(p.capacity_t_per_yr, 1 / 12)
        else:
            cap[k] = scaled(estimate(world, "recyclers", r["name"], "capacity_t_per_yr"), 1 / 12)
        caps.append(float(p.capacity_t_per_yr.mean()) / 12 if p.capacity_t_per_yr is not None
                    else float(table.loc[r["name"], "capacity_t_per_yr"]) / 12)
        swarf[k] = estimate(world, "recyclers", r["name"], "swarf_share")
        swarfs.append(float(table.loc[r["name"], "swarf_share"]))
        rate[k] = p.collection_rate
        rates.append(float(p.collection_rate.mean()))
    params.add("recycler_capacity_t_per_month", caps, cap, stream="levers")
    params.add("recycler_swarf_share", swarfs, swarf, stream="levers")
    params.add("recycler_collection_rate", rates, rate, stream="levers")
    return pd.DataFrame(
        [dict(name=r["name"], country=r["country"], node=first_node + k,
              scrap_process=str(table.loc[r["name"], "scrap_process"]),
              start_month=scenario.month_index(r["policy"].start),
              years=float(r["policy"].years)) for k, r in enumerate(rows)],
        columns=["name", "country", "node", "scrap_process", "start_month", "years"])


def recycle_links(nodes: pd.DataFrame, slots: pd.DataFrame, recyclers: pd.DataFrame) -> list[dict]:
    """Links from each recycler's metal to the consumers of that metal in its own country.

    ``weight`` splits a recycler's stock over its buyers by their baseline use.
    """
    rows = []
    use = slots.baseline_use_t.to_numpy(float)
    for r in recyclers.itertuples():
        outs = slots[(slots.node == r.node) & (slots.role == "out")]
        for s, material in zip(outs.index, outs.material):
            dst = _sites(slots, nodes, r.country, material, "in", None)
            if not dst:
                continue
            w = use[dst]
            w = w / w.sum() if w.sum() > 0 else np.full(len(dst), 1 / len(dst))
            for d, wd in zip(dst, w):
                rows.append(dict(src_slot=int(s), dst_slot=int(d), material=material,
                                 exporter=r.country, importer=r.country, share=0.0, lead_months=0.0,
                                 kind="recycle", weight=float(wd)))
    return rows
