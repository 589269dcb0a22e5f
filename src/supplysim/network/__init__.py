"""Compile a world and a scenario once into a frozen network of positional arrays.

Engines see integers and arrays; names come back at the results boundary through the label
frames kept here (``nodes``, ``slots``, ``links``, ``lines``, ``demand``, ``stockpiles``).

Vocabulary of the arrays:

- *node*: a facility aggregated by country (a mine, or a plant of any kind that the world's
  facility tables name), a demand region, or a stockpile;
- *slot*: an inventory of one material at one node;
- *line*: a conversion a node runs (activity in t/month), with output pairs ``(slot, yield)`` and
  input pairs ``(slot, t input per unit activity)``;
- *link*: a trade route from a supplier slot to a consumer slot, with a lead time;
- *demand line*: a (region, sector, material) demand drawn from a demand slot.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from supplysim.model.world import World
from supplysim.network.market import MarketArrays, compile_market
from supplysim.network.params import ParamTable
from supplysim.network.policies import PolicyArrays, compile_policies
from supplysim.network.topology import Topology, build_topology


@dataclass(frozen=True, kw_only=True)
class Network(Topology):
    """A compiled world + scenario: label frames and positional arrays, read-only."""

    months: pd.DatetimeIndex
    params: ParamTable
    policies: PolicyArrays
    market: MarketArrays
    years_from_base: np.ndarray
    outages: bool
    order_adjust_months: float
    scenario_name: str
    scenario_hash: str

    @property
    def n_nodes(self) -> int:
        """Number of nodes (facilities, demand regions, stockpiles)."""
        return len(self.nodes)

    @property
    def n_months(self) -> int:
        """Number of monthly steps."""
        return len(self.months)


def compile_network(world: World, scenario) -> Network:
    """Compile ``world`` and a validated ``scenario`` into a :class:`Network`.

    Parameters
    ----------
    world : World
        Tables of the world (see :func:`supplysim.load_world`).
    scenario : supplysim.scenario.Scenario
        A validated scenario.
    """
    world = world.select(scenario.minerals or world.base_minerals or world.minerals)
    months = pd.date_range(pd.Timestamp(scenario.horizon.start), periods=scenario.horizon.months,
                           freq="MS")
    params = ParamTable()
    topo = build_topology(world, scenario, params)
    policies = compile_policies(world, scenario, topo, months, params)
    market = compile_market(world, scenario, topo, months, params)
    base_mid = pd.Timestamp(int(world.parameter("baseline_year")), 7, 1)
    mid = months + pd.Timedelta(days=14)
    years = ((mid - base_mid) / pd.Timedelta(days=365.25)).to_numpy(float)
    return Network(
        **{f.name: getattr(topo, f.name) for f in fields(Topology)},
        months=months, params=params.freeze(), policies=policies, market=market, years_from_base=years,
        outages=bool(scenario.outages), order_adjust_months=world.parameter("order_adjust_months"),
        scenario_name=scenario.name, scenario_hash=scenario.hash,
    )
