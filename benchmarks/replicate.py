"""A world replicated ``k`` times: ``k`` disjoint copies of every country, facility, demand
row, trade link, inventory and stockpile, for scaling benchmarks in network size.

Copy 1 keeps the original names; copy ``c >= 2`` renames countries and regions to
``"<name> #c"`` and row ids to ``"<id>__c"``. Tables keyed by something else (materials,
ore splits, recipes, prices, parameters, sources) are shared. Trade links stay inside their
copy, so the copies never trade with each other and each has the original world's numbers;
scenario policies that name countries act on copy 1 only. Sites the trade table has no row
from (the compiler gives them zero-share links to every importer) get those links as explicit
zero-share rows inside their own copy, so nothing joins the copies and the network grows
linearly in ``k``.
"""

from __future__ import annotations

import pandas as pd

from supplysim.model.world import World

#: Table -> columns naming a country or region.
COUNTRY_COLUMNS = {
    "countries": ["region"],
    "mines": ["country"],
    "separators": ["country"],
    "metal_plants": ["country"],
    "magnet_plants": ["country"],
    "demand": ["region"],
    "trade_links": ["exporter", "importer"],
    "inventories": ["country"],
    "stockpiles": ["holder"],
}


def _rename(name: str, copy: int) -> str:
    return name if copy == 1 else f"{name} #{copy}"


def _rid(row_id: str, copy: int) -> str:
    return row_id if copy == 1 else f"{row_id}__{copy}"


def _relabel(frame: pd.DataFrame, copy: int, country_ids: bool) -> pd.DataFrame:
    """Row ids (index and ``id`` column) of one copy."""
    part = frame.copy()
    new = [(_rename if country_ids else _rid)(str(i), copy) for i in part.index]
    part.index = pd.Index(new, name=frame.index.name)
    if "id" in part.columns:
        part["id"] = new
    return part


def unknown_suppliers(world: World) -> list[tuple[str, str]]:
    """(country, material) sites that make a material the trade table has no row from.

    The network compiler links such sites to every importer of the material with zero share;
    in a replicated world that would join the copies, so :func:`replicate_world` names these
    links explicitly inside each copy.
    """
    t = world.tables
    recipes = t["recipes"]
    made = set()
    for name in ("separators", "metal_plants", "magnet_plants"):
        for country, process in zip(t[name].country, t[name].process):
            made |= {(country, m) for m in recipes.output_material[recipes.process == process]}
    splits = t["ore_splits"]
    for country, ore in zip(t["mines"].country, t["mines"].ore_type):
        made |= {(country, m) for m in splits.material[splits.ore_type == ore]}
    known = set(zip(t["trade_links"].exporter, t["trade_links"].material))
    return sorted(made - known)


def _explicit_zero_links(world: World) -> pd.DataFrame:
    """The compiler's zero-share links of :func:`unknown_suppliers` as trade-table rows."""
    table = world.tables["trade_links"]
    rows = []
    for country, material in unknown_suppliers(world):
        same = table[table.material == material]
        intl = same[same.exporter != same.importer].lead_time_months
        lead = float(intl.median()) if len(intl) else 1.0
        for importer in sorted(set(same.importer) | {country}):
            rid = f"zero_{country}_{importer}_{material}".replace(" ", "_").lower()
            rows.append(dict(id=rid, exporter=country, importer=importer, material=material,
                             share=0.0, lead_time_months=0.5 if importer == country else lead,
                             source=table.source.iloc[0], note="zero-share link (replication)"))
    return pd.DataFrame(rows).set_index(pd.Index([r["id"] for r in rows])) if rows else table[:0]


def replicate_world(world: World, k: int) -> World:
    """``world``'s base minerals with ``k`` disjoint copies of their network.

    Parameters
    ----------
    world : World
        The world to copy.
    k : int
        Number of copies, >= 1.

    Returns
    -------
    World
        A new World named ``<name>_x<k>``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    world = world.select(world.base_minerals)
    if k == 1:
        return world
    base = dict(world.tables)
    base["trade_links"] = pd.concat([base["trade_links"], _explicit_zero_links(world)])
    tables = dict(base)
    for name, cols in COUNTRY_COLUMNS.items():
        frame = base[name]
        copies = []
        for c in range(1, k + 1):
            part = _relabel(frame, c, name == "countries")
            for col in cols:
                part[col] = part[col].map(lambda v, c=c: _rename(v, c))
            copies.append(part)
        tables[name] = pd.concat(copies)
    est = base["estimates"]
    extra = []
    for c in range(2, k + 1):
        part = _relabel(est[est.table.isin(list(COUNTRY_COLUMNS))], c, False)
        part["row_id"] = [_rename(r, c) if t == "countries" else _rid(r, c)
                          for t, r in zip(part.table, part.row_id)]
        extra.append(part)
    tables["estimates"] = pd.concat([est, *extra])
    return World(tables=tables, schema=world.schema, name=f"{world.name}_x{k}",
                 meta=dict(world.meta), base_minerals=world.base_minerals)
