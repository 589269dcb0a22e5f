"""World: one read-only DataFrame per table of the embedded (or a user's) world data."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from supplysim.model.vocabulary import Vocabulary

#: Tables every world folder provides, in load order.
TABLES = (
    "sources", "countries", "materials", "mines", "ore_splits", "separators", "metal_plants",
    "magnet_plants", "recipes", "demand", "trade_links", "inventories", "stockpiles", "prices",
    "recyclers", "parameters", "estimates",
)

#: Facility tables and the node kind each one makes.
FACILITY_TABLES = {
    "mines": "mine",
    "separators": "separator",
    "metal_plants": "metal_plant",
    "magnet_plants": "magnet_plant",
}


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
    """

    tables: Mapping[str, pd.DataFrame]
    schema: pd.DataFrame
    name: str = "world"
    meta: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

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
            facility_kinds=frozenset(FACILITY_TABLES.values()),
            ore_types=frozenset(t["ore_splits"].ore_type),
        )
