"""``to_dataset``: label the engines' monthly output arrays as an :class:`xarray.Dataset`.

Each output group (demand, flows, stockpiles, origin, markets, contracts, recycling, finance)
has a function that returns its variables and coordinates; ``to_dataset`` joins them in order.
"""

from __future__ import annotations

from importlib.metadata import version as _pkg_version
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from supplysim.engines.layout import Layout
from supplysim.network import Network

__all__ = ["to_dataset"]

#: Variables and coordinates of one output group, as taken by :class:`xarray.Dataset`.
Group = tuple[dict, dict]


class _Grid(NamedTuple):
    """Paths, months and the demand's regions, sectors and materials, in coordinate order."""

    paths: int
    months: int
    regions: list[str]
    sectors: list[str]
    materials: list[str]


def to_dataset(net: Network, arrays: dict[str, np.ndarray], seed, chunk_size: int) -> xr.Dataset:
    """Label engine arrays: dense (region, sector, material) demand, flows and stockpiles."""
    d = net.demand
    paths, T = arrays["demand_t"].shape[:2]
    grid = _Grid(paths, T, list(dict.fromkeys(d.region)), list(dict.fromkeys(d.sector)),
                 list(dict.fromkeys(d.material)))
    markets = list(dict.fromkeys(m for m, _ in net.market.labels))
    price = arrays["price_usd_per_kg"].reshape(paths, T, len(markets), len(net.market.elements))
    groups = (_demand(net, arrays, grid), _flows(net, arrays), _stockpiles(net, arrays),
              _origin(net, arrays, grid), _markets(net, arrays, markets, price),
              _contracts(net, arrays, grid, markets, price), _recycling(net, arrays, grid),
              _finance(net))
    data, coords = {}, dict(path=np.arange(paths), month=pd.DatetimeIndex(net.months))
    for group_data, group_coords in groups:
        data.update(group_data)
        coords.update(group_coords)
    attrs = dict(scenario=net.scenario_name, scenario_hash=net.scenario_hash, seed=str(seed),
                 version=_pkg_version("supplysim"), engine="vector", chunk_size=chunk_size)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _demand(net: Network, arrays: dict, grid: _Grid) -> Group:
    """Demand and unmet demand on the dense (region, sector, material) grid [t/month]."""
    d = net.demand
    cells = (len(grid.regions), len(grid.sectors), len(grid.materials))
    cell = np.ravel_multi_index((d.region.map(grid.regions.index).to_numpy(),
                                 d.sector.map(grid.sectors.index).to_numpy(),
                                 d.material.map(grid.materials.index).to_numpy()), cells)
    pick = np.full(np.prod(cells), len(d))  # the demand line of each cell; len(d): none
    pick[cell] = np.arange(len(d))
    dims = ("path", "month", "region", "sector", "material")

    def dense(a: np.ndarray) -> np.ndarray:
        # a gather from the lines and a zero column: 4x faster than scattering the lines
        lines = np.zeros((grid.paths, grid.months, len(d) + 1), np.float32)
        lines[:, :, :-1] = a
        return np.take(lines, pick, axis=2).reshape(grid.paths, grid.months, *cells)

    data = {"demand_t": (dims, dense(arrays["demand_t"]), _attrs("t/month", "demand")),
            "unmet_t": (dims, dense(arrays["unmet_t"]), _attrs("t/month", "unmet demand"))}
    coords = dict(region=grid.regions, sector=grid.sectors, material=grid.materials,
                  mineral=("material", _minerals_of(d, grid.materials)))
    return data, coords


def _flows(net: Network, arrays: dict) -> Group:
    """Tonnes shipped along each flow [t/month]."""
    f = net.flows
    data = {"shipped_t": (("path", "month", "flow"), arrays["shipped_t"],
                          _attrs("t/month", "shipped"))}
    coords = dict(exporter=("flow", f.exporter.to_numpy(str)),
                  destination=("flow", f.destination.to_numpy(str)),
                  flow_material=("flow", f.material.to_numpy(str)))
    return data, coords


def _stockpiles(net: Network, arrays: dict) -> Group:
    """Stockpile levels at month end [t]."""
    sp = net.stockpiles
    data = {"stockpile_t": (("path", "month", "stockpile"), arrays["stockpile_t"],
                            _attrs("t", "stockpile held at month end"))}
    coords = dict(stockpile=sp.name.to_numpy(str), holder=("stockpile", sp.holder.to_numpy(str)),
                  stockpile_material=("stockpile", sp.material.to_numpy(str)))
    return data, coords


def _origin(net: Network, arrays: dict, grid: _Grid) -> Group:
    """Chinese-origin share of the stock each region's demand draws on [1] (NaN: no demand)."""
    d = net.demand
    od = net.slots.iloc[np.unique(d.slot.to_numpy())]
    origin = np.full((grid.paths, grid.months, len(grid.regions), len(grid.materials)), np.nan,
                     np.float32)
    if "origin_share" in arrays:
        origin[:, :, od.country.map(grid.regions.index).to_numpy(),
               od.material.map(grid.materials.index).to_numpy()] = arrays["origin_share"]
    data = {"origin_share": (("path", "month", "region", "material"), origin,
                             _attrs("1", "Chinese-origin share of the stock demand draws on "
                                         "(NaN: no demand of the material in the region)"))}
    return data, {}


def _markets(net: Network, arrays: dict, markets: list[str], price: np.ndarray) -> Group:
    """Oxide price indices [USD/kg], price floor payments and tariff revenue [USD/month]."""
    mk = net.market
    data = {"price_usd_per_kg": (("path", "month", "market", "element"), price,
                                 _attrs("USD/kg", "oxide price index at month end")),
            "payment_usd": (("path", "month", "floor"), arrays["payment_usd"],
                            _attrs("USD/month", "price floor payments")),
            "tariff_usd": (("path", "month", "tariff"), arrays["tariff_usd"],
                           _attrs("USD/month", "tariff revenue"))}
    coords = dict(market=markets, element=list(mk.elements),
                  floor=np.array(mk.floor_names, dtype=str),
                  tariff=np.array(mk.tariff_names, dtype=str))
    return data, coords


def _contracts(net: Network, arrays: dict, grid: _Grid, markets: list[str],
               price: np.ndarray) -> Group:
    """Tonnes shipped under each offtake contract [t/month] and its price [USD/kg]."""
    c = net.contracts
    dims = ("path", "month", "contract")
    empty = np.zeros((grid.paths, grid.months, len(c)), np.float32)
    data = {"contract_t": (dims, arrays.get("contract_t", empty),
                           _attrs("t/month", "shipped under offtake contracts")),
            "contract_usd_per_kg": (
                dims, _contract_prices(net, price, markets, grid.paths, grid.months),
                _attrs("USD/kg", "offtake contract price: the policy's, else the 2024 ex-China "
                                 "price moved with the ex-China index of the element"))}
    coords = dict(contract=c.name.to_numpy(str),
                  contract_buyer=("contract", c.buyer.to_numpy(str)),
                  contract_seller=("contract", c.seller.to_numpy(str)),
                  contract_material=("contract", c.material.to_numpy(str)),
                  contract_price_usd_per_kg=("contract", c.price_usd_per_kg.to_numpy(float)))
    return data, coords


def _contract_prices(net: Network, price: np.ndarray, markets: list[str], paths: int,
                     T: int) -> np.ndarray:
    """Price of each offtake contract per path and month (paths, T, contracts) [USD/kg].

    A contract with a price of its own keeps it; one without takes the world's 2024 ex-China
    price of its material times the ratio of the ex-China index of its element at the month's
    end to its 2024 level (unchanged when the element has no index).
    """
    c, mk = net.contracts, net.market
    out = np.empty((paths, T, len(c)), np.float32)
    out[:] = c.price_usd_per_kg.to_numpy(float)
    if not len(c) or "ex_china" not in markets:
        return out
    E, m = len(mk.elements), markets.index("ex_china")
    for j, (element, indexed) in enumerate(zip(c.element, c.indexed)):
        if indexed and element in mk.elements:
            e = mk.elements.index(element)
            base = float(mk.price0[m * E + e])
            if base > 0:
                out[:, :, j] *= price[:, :, m, e] / base
    return out


def _recycling(net: Network, arrays: dict, grid: _Grid) -> Group:
    """Metal recovered from magnet scrap per recycler and material [t/month]."""
    out = Layout.of(net).rec_out if len(net.recyclers) else np.zeros(0, int)
    rec_node = net.slots.node.to_numpy()[out]
    empty = np.zeros((grid.paths, grid.months, len(out)), np.float32)
    data = {"recycled_t": (("path", "month", "recycled"), arrays.get("recycled_t", empty),
                           _attrs("t/month", "metal recovered from magnet scrap "
                                             "(a source, like a mine)"))}
    coords = dict(recycler=("recycled", net.nodes.name.to_numpy(str)[rec_node]),
                  recycler_country=("recycled", net.nodes.country.to_numpy(str)[rec_node]),
                  recycled_material=("recycled", net.slots.material.to_numpy(str)[out]))
    return data, coords


def _finance(net: Network) -> Group:
    """Budget cost of each project financing instrument [USD]."""
    fin = net.policies.finance
    data = {"finance_cost_usd": (("finance",), fin.cost_usd.to_numpy(float),
                                 _attrs("USD", "budget cost of project financing"))}
    coords = dict(finance=fin.name.to_numpy(str),
                  finance_project=("finance", fin.project.to_numpy(str)),
                  finance_instrument=("finance", fin.instrument.to_numpy(str)),
                  finance_amount_usd=("finance", fin.amount_usd.to_numpy(float)),
                  finance_month=("finance",
                                 pd.DatetimeIndex(net.months)[fin.month.to_numpy(int)]))
    return data, coords


def _minerals_of(demand, materials: list[str]) -> np.ndarray:
    """Mineral chain of each material (``""`` where the demand frame has no mineral column)."""
    if "mineral" not in demand:
        return np.full(len(materials), "", dtype=object).astype(str)
    of = dict(zip(demand.material, demand.mineral))
    return np.array([of[m] for m in materials], dtype=str)


def _attrs(units: str, long_name: str) -> dict:
    return {"units": units, "long_name": long_name}
