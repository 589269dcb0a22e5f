"""Markets compiled to arrays: price indices, element content, demand response, floors, cuts.

Two markets: ``china`` (the nodes of countries whose ``bloc`` is ``china``) and ``ex_china``
(all others). An index is kept per (market, element) for the elements priced in
``prices.csv``; row ``m * E + e`` of the arrays below is market ``m``, element ``e``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from supplysim.model.world import World
from supplysim.network.params import ParamTable
from supplysim.network.policies import active_months, material_scope

MARKETS = ("china", "ex_china")
#: Market names of prices.csv for each market.
PRICE_MARKET = {"china": "china_domestic", "ex_china": "ex_china"}


@dataclass(frozen=True)
class MarketArrays:
    """Positional arrays of the markets (see the module docstring for row order).

    Shapes: ``price0 (ME,)`` [USD/kg], ``slot_content (ME, S)`` [t oxide-eq/t] (the element's
    own products, its separated oxide and metal, in commercial slots only),
    ``demand_content (ME, D)`` [t oxide-eq/t], ``demand_weight (D, ME)`` [1]
    (value shares of a demand line's rare-earth content, its market's rows only),
    ``elasticity, subst_max, subst_lag, subst_threshold (D,)``, ``floor_row (F,)``,
    ``floor_slots (F, S)`` [1], ``floor_active (F, T)``, ``cut_rows (C, ME)``,
    ``cut_active (C, T)``, ``link_content (L, E)`` [t oxide-eq/t], ``tariff_scope (R, L)`` [1]
    (1 on taxed links), ``tariff_active (R, T)``,
    ``fs_scope (G, L)`` (trade links into the buyers), ``fs_preferred (G, L)`` (those from the
    preferred bloc), ``fs_active (G, T)``.
    """

    elements: tuple[str, ...]
    price0: np.ndarray
    slot_content: sparse.csr_matrix
    demand_content: np.ndarray
    demand_weight: np.ndarray
    response: bool
    elasticity: np.ndarray
    subst_max: np.ndarray
    subst_lag: np.ndarray
    subst_threshold: np.ndarray
    rule: dict
    floor_names: tuple[str, ...]
    floor_row: np.ndarray
    floor_slots: np.ndarray  # float 0/1, so that the monthly close multiplies without casting
    floor_active: np.ndarray
    cut_rows: np.ndarray
    cut_active: np.ndarray
    link_content: np.ndarray
    tariff_names: tuple[str, ...]
    tariff_scope: np.ndarray  # float 0/1, as floor_slots
    tariff_active: np.ndarray
    fs_scope: np.ndarray
    fs_preferred: np.ndarray
    fs_active: np.ndarray

    @property
    def steers_links(self) -> bool:
        """Whether any tariff or friend-shoring policy can change link shares."""
        return bool(self.tariff_active.any() or self.fs_active.any())

    @property
    def labels(self) -> list[tuple[str, str]]:
        """``(market, element)`` of each row."""
        return [(m, e) for m in MARKETS for e in self.elements]


def element_content(world: World, elements) -> pd.DataFrame:
    """Oxide-equivalent content of each material [t oxide of element / t material].

    Separated oxides hold 1 t of their own element; a metal or magnet holds what its recipe
    inputs hold, per tonne (recipe losses included). Ores count 0: the market is one for
    separated products.

    Examples
    --------
    >>> from supplysim import load_world
    >>> w = load_world()
    >>> c = element_content(w, _elements(w))
    >>> bool((c.sum(axis=1) > 1.0).any()) and float(c.to_numpy().min()) >= 0.0
    True
    """
    mats, rec = world.tables["materials"], world.tables["recipes"]
    out = pd.DataFrame(0.0, index=mats.index, columns=list(elements))
    stage = index_stage(world)
    for m in mats.sort_values("stage_order").index:
        if mats.stage[m] == stage and mats.element[m] in out.columns:
            out.loc[m, mats.element[m]] = 1.0
        for r in rec[rec.output_material == m].itertuples():
            out.loc[m] += r.input_t_per_t * out.loc[r.input_material]
    return out


def own_content(world: World, content: pd.DataFrame) -> pd.DataFrame:
    """``content`` kept only where a material is the element's own product [t oxide-eq/t].

    A material is an element's own product when its ``element`` is that element (its separated
    oxide and its metal); magnets, which hold several elements, count 0. The price index of an
    element answers the stock and the uncovered planned input of these products only.
    """
    element = world.tables["materials"].element.reindex(content.index)
    return content.where(element.to_numpy()[:, None] == content.columns.to_numpy()[None, :], 0.0)


def index_stage(world: World) -> str:
    """Stage the price indices are kept at: the earliest stage priced in ``prices.csv``."""
    order = world.tables["materials"].groupby("stage").stage_order.min()
    priced = [s for s in dict.fromkeys(world.tables["prices"].stage) if s in order.index]
    return min(priced, key=lambda s: order[s]) if priced else ""


def _elements(world: World) -> tuple[str, ...]:
    prices = world.tables["prices"]
    known = list(dict.fromkeys(world.tables["materials"].element))
    return tuple(e for e in known if e in set(prices.element))


def _price0(world: World, elements) -> np.ndarray:
    """2024 (baseline-year) oxide price of each (market, element); ex-China where China lacks one."""
    p = world.tables["prices"]
    year = int(world.parameter("baseline_year"))
    p = p[(p.year == year) & (p.stage == index_stage(world))]
    out = []
    for m in MARKETS:
        for e in elements:
            hit = p[(p.element == e) & (p.market == PRICE_MARKET[m])]
            if hit.empty:
                hit = p[(p.element == e) & (p.market == "ex_china")]
            out.append(float(hit.price_usd_per_kg.iloc[0]))
    return np.array(out)


def market_of_country(world: World, countries) -> np.ndarray:
    """Market index of each country (or demand region named like a country)."""
    bloc = world.tables["countries"].bloc
    return np.array([0 if bloc.get(c, "") == "china" else 1 for c in countries], int)


def compile_market(world: World, scenario, topo, months: pd.DatetimeIndex,
                   params: ParamTable) -> MarketArrays:
    """Compile the markets, demand response, price floors and export price cuts."""
    elements = _elements(world)
    E, S = len(elements), len(topo.slots)
    content = element_content(world, elements)
    slots = topo.slots
    slot_m = market_of_country(world, slots.country)
    commercial = (slots.kind != "stockpile").to_numpy()
    c = own_content(world, content).loc[slots.material].to_numpy()  # (S, E)
    rows = slot_m[:, None] * E + np.arange(E)[None, :]
    keep = commercial[:, None] & (c > 0)
    slot_content = sparse.csr_matrix((c[keep], (rows[keep], np.nonzero(keep)[0])),
                                     shape=(len(MARKETS) * E, S))
    d = topo.demand
    d_m = market_of_country(world, d.region)
    dc = content.loc[d.material].to_numpy()  # (D, E)
    demand_content = np.zeros((len(MARKETS) * E, len(d)))
    for j in range(len(d)):
        demand_content[d_m[j] * E:(d_m[j] + 1) * E, j] = dc[j]
    price0 = _price0(world, elements)
    value = demand_content.T * price0[None, :]
    weight = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    resp = world.tables["demand_response"].set_index("sector")
    sector = lambda col, default: np.array([float(resp[col].get(s, default)) for s in d.sector])
    on = bool(getattr(scenario, "demand_response", False))
    rule = {k: world.tables["market"].loc[k, "value"] for k in world.tables["market"].index}
    floors = [p for p in scenario.policies if p.type == "price_floor"]
    cuts = [p for p in scenario.policies if p.type == "export_price_cut"]
    tariffs = [p for p in scenario.policies if p.type == "tariff"]
    friends = [p for p in scenario.policies if p.type == "friend_shoring"]
    _declare(params, floors, cuts)
    params.add("tariff_rate_share", [p.rate_share.mean() for p in tariffs],
               dict(enumerate(p.rate_share for p in tariffs)))
    params.add("fs_max_premium_share", [p.max_premium_share.mean() for p in friends],
               dict(enumerate(p.max_premium_share for p in friends)))
    links = topo.links
    T = len(months)
    cut_rows = np.zeros((len(cuts), len(MARKETS) * E), bool)
    for k, p in enumerate(cuts):
        for e in p.elements:
            if e in elements:
                cut_rows[k, MARKETS.index("ex_china") * E + elements.index(e)] = True
    return MarketArrays(
        elements=elements, price0=price0, slot_content=slot_content,
        demand_content=demand_content, demand_weight=weight, response=on,
        elasticity=sector("elasticity", 0.0) * on, subst_max=sector("subst_max_share", 0.0) * on,
        subst_lag=sector("subst_lag_months", 1.0), subst_threshold=sector("subst_threshold_ratio", 1.0),
        rule=rule, floor_names=tuple(p.name for p in floors),
        floor_row=np.array([MARKETS.index(p.market) * E + elements.index(p.element) for p in floors], int),
        floor_slots=np.array([_producer_slots(world, slots, p) for p in floors], float).reshape(len(floors), S),
        floor_active=np.array([active_months(months, p.start, p.end) for p in floors], bool).reshape(len(floors), T),
        cut_rows=cut_rows,
        cut_active=np.array([active_months(months, p.start, p.end) for p in cuts], bool).reshape(len(cuts), T),
        link_content=content.loc[links.material].to_numpy(),
        tariff_names=tuple(p.name for p in tariffs),
        tariff_scope=np.array([_tariff_scope(world, links, p) for p in tariffs], float).reshape(len(tariffs), len(links)),
        tariff_active=np.array([active_months(months, p.start, p.end) for p in tariffs], bool).reshape(len(tariffs), T),
        fs_scope=np.array([_buyer_links(world, links, p) for p in friends], bool).reshape(len(friends), len(links)),
        fs_preferred=np.array([_buyer_links(world, links, p) & _from_bloc(world, links, p.bloc)
                               for p in friends], bool).reshape(len(friends), len(links)),
        fs_active=np.array([active_months(months, p.start, p.end) for p in friends], bool).reshape(len(friends), T),
    )


def _tariff_scope(world: World, links: pd.DataFrame, policy) -> np.ndarray:
    """Trade links from the exporter to the taxing importers, of materials in scope."""
    mats = material_scope(world, policy.stages, policy.elements)
    dest = policy.destinations
    to_dest = np.ones(len(links), bool) if dest == "all" else links.importer.isin(list(dest))
    return ((links.exporter == policy.exporter) & ~links.home & (links.kind == "trade")
            & links.material.isin(mats) & to_dest).to_numpy()


def _buyer_links(world: World, links: pd.DataFrame, policy) -> np.ndarray:
    """Trade links into the buyers of a friend-shoring policy, of materials in scope."""
    mats = material_scope(world, policy.stages, policy.elements)
    into = np.ones(len(links), bool) if policy.buyers == "all" else links.importer.isin(list(policy.buyers))
    return ((links.kind == "trade") & links.material.isin(mats) & into).to_numpy()


def _from_bloc(world: World, links: pd.DataFrame, bloc: str) -> np.ndarray:
    return (links.exporter.map(world.tables["countries"].bloc) == bloc).to_numpy()


def _producer_slots(world: World, slots: pd.DataFrame, policy) -> np.ndarray:
    """Output slots of the producer country holding ``stage`` of the floor's element."""
    mats = world.tables["materials"]
    wanted = mats.index[(mats.stage == policy.stage) & (mats.element == policy.element)]
    return ((slots.country == policy.producer) & (slots.role == "out")
            & slots.material.isin(wanted)).to_numpy()


def _declare(params: ParamTable, floors: list, cuts: list) -> None:
    for name, field in (("floor_usd_per_kg", "floor_usd_per_kg"),
                        ("floor_covered_t_per_month", "covered_t_per_month"),
                        ("floor_covered_share", "covered_share")):
        params.add(name, [getattr(p, field).mean() for p in floors],
                   dict(enumerate(getattr(p, field) for p in floors)))
    params.add("price_cut_share", [p.cut_share.mean() for p in cuts],
               dict(enumerate(p.cut_share for p in cuts)))
