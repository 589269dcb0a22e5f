"""Named consistency checks of a world; each raises :class:`DataError` when ``strict``.

With ``strict=False`` a check returns the list of problems instead of raising.
"""

from __future__ import annotations

import numpy as np

from supplysim.errors import DataError
from supplysim.model.world import FACILITY_TABLES, World


def _report(problems: list[str], strict: bool) -> list[str]:
    if problems and strict:
        raise DataError("; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
    return problems


def _unknown(world: World, table: str, column: str, known) -> list[str]:
    frame = world.tables[table]
    bad = frame[~frame[column].isin(set(known))]
    return [f"{table}.csv: row {i!r}: unknown {column} {v!r}" for i, v in bad[column].items()]


def check_references(world: World, strict: bool = True) -> list[str]:
    """Countries, materials, ore types, processes and source keys named in tables exist."""
    t = world.tables
    countries, materials = t["countries"].index, t["materials"].index
    problems = []
    for table in (*FACILITY_TABLES, "inventories", "recyclers", "tech_dependence"):
        problems += _unknown(world, table, "country", countries)
    problems += _unknown(world, "tech_dependence", "kind", set(FACILITY_TABLES.values()) - {"mine"})
    china = set(t["countries"].index[t["countries"].bloc == "china"])
    problems += [f"tech_dependence.csv: row {i!r}: a facility in China cannot depend on China"
                 for i, c in t["tech_dependence"].country.items() if c in china]
    problems += _unknown(world, "demand", "region", set(t["countries"].region))
    problems += _unknown(world, "mines", "ore_type", set(t["ore_splits"].ore_type))
    for table, col in [("ore_splits", "material"), ("recipes", "output_material"),
                       ("recipes", "input_material"), ("demand", "material"),
                       ("trade_links", "material"), ("stockpiles", "material")]:
        problems += _unknown(world, table, col, materials)
    for table in ("trade_links",):
        problems += _unknown(world, table, "exporter", countries)
        problems += _unknown(world, table, "importer", countries)
    problems += _unknown(world, "stockpiles", "holder", countries)
    problems += _unknown(world, "demand_response", "sector", set(t["demand"].sector))
    for table in FACILITY_TABLES:
        if "process" in t[table].columns:
            problems += _unknown(world, table, "process", set(t["recipes"].process))
    problems += [f"plants.csv: row {i!r}: empty kind" for i, k in t["plants"].kind.items() if not k]
    problems += [f"materials.csv: row {i!r}: empty mineral"
                 for i, m in t["materials"].mineral.items() if not m]
    return _report(problems + check_sources(world, strict=False), strict)


def check_sources(world: World, strict: bool = True) -> list[str]:
    """Every row names at least one source key, and every key is in ``sources.csv``."""
    keys = set(world.tables["sources"].index)
    problems = []
    for name, frame in world.tables.items():
        if name == "sources":
            continue
        for row_id, cell in frame["source"].items():
            used = [k.strip() for k in str(cell).split(";") if k.strip()]
            missing = [k for k in used if k not in keys]
            if not used or missing:
                problems.append(f"{name}.csv: row {row_id!r}: source {cell!r} not in sources.csv")
    return _report(problems, strict)


def check_link_shares_sum_to_one(world: World, strict: bool = True) -> list[str]:
    """For each (importer, material) the baseline link shares sum to 1."""
    sums = world.tables["trade_links"].groupby(["importer", "material"])["share"].sum()
    bad = sums[~np.isclose(sums, 1.0, atol=1e-6)]
    problems = [f"trade_links.csv: shares into {k} sum to {v:.6g}, not 1" for k, v in bad.items()]
    return _report(problems, strict)


def check_non_negative(world: World, strict: bool = True) -> list[str]:
    """Capacities, demands, shares, covers and stocks are finite and non-negative."""
    problems = []
    for name, frame in world.tables.items():
        numeric = frame.select_dtypes("number")
        for col in numeric.columns:
            vals = numeric[col].to_numpy(float)
            bad = ~np.isfinite(vals) | ((vals < 0) & (col not in _SIGNED))
            problems += [f"{name}.csv: row {i!r}: {col} = {v}" for i, v in numeric[col][bad].items()]
    return _report(problems, strict)


_SIGNED = {"value", "elasticity"}  # parameters/market values and price elasticities may be < 0


def check_estimates_cover_values(world: World, strict: bool = True) -> list[str]:
    """Each estimate names a real cell, and the point value lies within [low, high]."""
    problems = []
    for est in world.tables["estimates"].itertuples():
        frame = world.tables.get(est.table)
        if frame is None or est.row_id not in frame.index or est.column not in frame.columns:
            problems.append(f"estimates.csv: {est.id!r} names no cell {est.table}.{est.row_id}.{est.column}")
            continue
        value = float(frame.loc[est.row_id, est.column])
        if not est.low <= value <= est.high or est.low >= est.high:
            problems.append(f"estimates.csv: {est.id!r}: {value} not in [{est.low}, {est.high}]")
    return _report(problems, strict)


def check_world(world: World, strict: bool = True) -> list[str]:
    """Run every named check; the first failing one raises when ``strict``."""
    problems: list[str] = []
    for check in (check_references, check_link_shares_sum_to_one, check_non_negative,
                  check_estimates_cover_values):
        problems += check(world, strict=strict)
    return problems
