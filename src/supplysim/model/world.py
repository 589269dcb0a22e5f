"""World: one read-only DataFrame per table of the embedded (or a user's) world data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from supplysim.model.vocabulary import Vocabulary

#: Tables of a world, in load order.
TABLES = (
    "sources", "countries", "materials", "mines", "ore_splits", "separators", "metal_plants",
    "magnet_plants", "plants", "recipes", "demand", "trade_links", "inventories", "stockpiles",
    "prices", "recyclers", "parameters", "market", "demand_response", "estimates",
    "tech_dependence",
)

#: Tables a world folder must provide; the others are empty when their file is absent.
REQUIRED_TABLES = ("sources", "countries", "materials", "recipes", "demand", "trade_links",
                   "parameters")

#: Facility tables and the node kind each one makes ("" : the kind is the row's ``kind``).
FACILITY_TABLES = {
    "mines": "mine",
    "separators": "separator",
    "metal_plants": "metal_plant",
    "magnet_plants": "magnet_plant",
    "plants": "",
}

#: Tables that are shared by all minerals (never filtered by :meth:`World.select`).
SHARED_TABLES = ("sources", "countries", "parameters", "estimates")


@dataclass(frozen=True)
class World:
    """The world tables, indexed by ``id``; read-only after load.

    Attributes
    ----------
    tables : Mapping[str, pandas.DataFrame]
        One frame per name in :data:`TABLES`.
    schema : pandas.DataFrame
        ``table, attribute, dtype, unit, default, description``.
    name : str
        Folder name of the world, e.g. ``world_2024``.
    base_minerals : tuple of str
        Minerals a scenario carries when it names none (those of the folder's own tables;
        minerals added from ``minerals/<name>/`` subfolders are carried only on request).
    """

    tables: Mapping[str, pd.DataFrame]
    schema: pd.DataFrame
    name: str = "world"
    meta: Mapping[str, str] = field(default_factory=dict)
    base_minerals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    @cached_property
    def estimate_cells(self) -> dict[tuple[str, str, str], tuple[str, float, float, float]]:
        """``(dist, low, mode, high)`` of each estimated cell by ``(table, row_id, column)``
        (the first row of the estimates table that names the cell)."""
        cells: dict = {}
        cols = ["table", "row_id", "column", "dist", "low", "mode", "high"]
        for table, row_id, column, *dist in self.tables["estimates"][cols].itertuples(index=False):
            cells.setdefault((table, row_id, column), tuple(dist))
        return cells

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def unit(self, table: str, attribute: str) -> str:
        """Unit of ``table.attribute`` as declared in the schema."""
        row = self.schema[(self.schema.table == table) & (self.schema.attribute == attribute)]
        return str(row.unit.iloc[0]) if len(row) else ""

    def parameter(self, name: str) -> float:
        """A scalar model parameter from ``parameters.csv`` [unit in that table]."""
        return float(self.tables["parameters"].loc[name, "value"])

    @property
    def minerals(self) -> tuple[str, ...]:
        """Minerals of the world, in table order (``materials.mineral``)."""
        return tuple(dict.fromkeys(self.tables["materials"].mineral))

    def facility_kinds(self) -> frozenset[str]:
        """Node kinds of the facility tables that have rows."""
        kinds = set()
        for table, kind in FACILITY_TABLES.items():
            frame = self.tables[table]
            kinds |= set(frame["kind"]) if not kind else ({kind} if len(frame) else set())
        return frozenset(kinds)

    def select(self, minerals) -> World:
        """The world restricted to the chains of ``minerals``.

        Materials of other minerals are dropped, with every row that names one (ore splits,
        recipes, demand, trade links, stocks, any table with a ``material`` column), the mines
        whose ore yields none of the kept materials and the plants whose process makes none.
        Rows with material ``*`` are kept. Order of the kept rows is unchanged.

        Parameters
        ----------
        minerals : iterable of str
            Names among :attr:`minerals`.
        """
        minerals = set(minerals)
        if set(self.minerals) <= minerals:
            return self
        t = dict(self.tables)
        mats = t["materials"][t["materials"].mineral.isin(minerals)]
        keep = set(mats.index)
        recipes = t["recipes"][t["recipes"].output_material.isin(keep)]
        processes = set(recipes.process)
        out = {}
        for name, frame in t.items():
            if name in SHARED_TABLES:
                out[name] = frame
            elif name == "materials":
                out[name] = mats
            elif name == "recipes":
                out[name] = recipes
            elif "material" in frame.columns:
                out[name] = frame[frame.material.isin(keep | {"*"})]
            elif "element" in frame.columns:
                out[name] = frame[frame.element.isin(set(mats.element))]
            else:
                out[name] = frame
        ore_types = set(out["ore_splits"].ore_type)
        for name in FACILITY_TABLES:
            frame = out[name]
            mask = (frame.ore_type.isin(ore_types) if "ore_type" in frame.columns
                    else frame.process.isin(processes))
            out[name] = frame[mask]
        return World(tables=out, schema=self.schema, name=self.name, meta=self.meta,
                     base_minerals=tuple(m for m in self.base_minerals if m in minerals))

    def vocabulary(self) -> Vocabulary:
        """Names a scenario may use."""
        t = self.tables
        return Vocabulary(
            countries=frozenset(t["countries"].index),
            regions=frozenset(t["countries"].region),
            elements=frozenset(t["materials"].element),
            stages=frozenset(t["materials"].stage),
            materials=frozenset(t["materials"].index),
            sectors=frozenset(t["demand"].sector),
            facility_kinds=self.facility_kinds(),
            ore_types=frozenset(t["ore_splits"].ore_type),
            minerals=frozenset(self.minerals),
        )
