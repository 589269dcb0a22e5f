"""Export policies compiled to (policy, link) scope masks and (policy, month) activity masks.

A policy is active in a month when the month's 15th day lies in ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from supplysim.model.world import World
from supplysim.network.levers import finance_params
from supplysim.network.params import ParamTable
from supplysim.network.topology import world_estimate

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class PolicyArrays:
    """Masks and indices of the export policies and stockpile windows.

    Shapes: ``lic_scope (Q, L)``, ``lic_active (Q, T)``, ``lic_applications (Q,)``,
    ``banned (T, L)``, ``quota_scope (Z, L)``, ``quota_active (Z, T)``, ``home_first (T, L)``,
    ``sp_active (SP, T)``, ``project_announced (J,)`` [months from horizon start].
    Content rules: ``content_scope (C, L)`` (links of exporters other than China they may
    reach), ``content_active (C, T)``, ``content_threshold (C,)`` [1],
    ``content_applications (C,)``. Technology rules: ``tech_scope (R, N)`` (facilities outside
    China they reach), ``tech_active (R, T)``. Supply levers: ``contract_active (K, T)`` (per
    offtake contract), ``sharing_active (RS, T)`` (per sharing recipient), ``rec_ramp (RC, T)``
    (share of its target feed each recycler has reached [1]); ``finance`` lists the financing
    instruments and their cost (see :func:`~supplysim.network.levers.finance_params`).
    """

    lic_names: tuple[str, ...]
    lic_scope: np.ndarray
    lic_active: np.ndarray
    lic_applications: np.ndarray
    banned: np.ndarray
    quota_names: tuple[str, ...]
    quota_scope: np.ndarray
    quota_active: np.ndarray
    home_first: np.ndarray
    sp_active: np.ndarray
    project_announced: np.ndarray
    contract_active: np.ndarray = None
    sharing_active: np.ndarray = None
    finance: pd.DataFrame = None
    rec_ramp: np.ndarray = None
    content_names: tuple[str, ...] = ()
    content_scope: np.ndarray = None
    content_active: np.ndarray = None
    content_threshold: np.ndarray = None
    content_applications: np.ndarray = None
    tech_names: tuple[str, ...] = ()
    tech_scope: np.ndarray = None
    tech_active: np.ndarray = None


def element_content(world: World) -> dict[str, set[str]]:
    """Elements each material contains: its own, plus those of its recipe inputs, transitively."""
    mats = world.tables["materials"]
    recipes = world.tables["recipes"]
    recipes = recipes[recipes.input_t_per_t > 0]
    content = {m: {e} for m, e in mats.element.items()}
    for m in mats.sort_values("stage_order").index:
        for inp in recipes.input_material[recipes.output_material == m]:
            content[m] |= content[inp]
    return content


def material_scope(world: World, stages, elements) -> set[str]:
    """Materials whose stage is in ``stages`` and that contain one of ``elements``."""
    mats = world.tables["materials"]
    content = element_content(world)
    stages = set(stages or mats.stage)
    elements = set(elements or mats.element)
    return {m for m, s in mats.stage.items() if s in stages and content[m] & elements}


def active_months(months: pd.DatetimeIndex, start: date | None, end: date | None) -> np.ndarray:
    """Boolean ``(T,)``: months whose 15th day lies in ``[start, end)``."""
    mid = (months + pd.Timedelta(days=14)).date
    lo = start or date.min
    hi = end or date.max
    return np.array([lo <= d < hi for d in mid])


def _scope(world: World, links: pd.DataFrame, policy) -> np.ndarray:
    mats = material_scope(world, getattr(policy, "stages", None), getattr(policy, "elements", None))
    dest = policy.destinations
    to_dest = np.ones(len(links), bool) if dest in (None, "all") else links.importer.isin(list(dest))
    return ((links.exporter == policy.exporter) & ~links.home
            & ~links.kind.isin(["release", "shared_release"])
            & links.material.isin(mats) & to_dest).to_numpy()


def _content_scope(world: World, links: pd.DataFrame, policy) -> np.ndarray:
    """Links a content rule may reach: trade of other exporters in its material and destinations."""
    mats = material_scope(world, policy.stages, policy.elements)
    dest = policy.destinations
    to_dest = np.ones(len(links), bool) if dest in (None, "all") else links.importer.isin(list(dest))
    return ((links.exporter != policy.exporter) & ~links.home & (links.kind != "release")
            & links.material.isin(mats) & to_dest).to_numpy()


def _tech_scope(world: World, nodes: pd.DataFrame, policy) -> np.ndarray:
    """Facilities outside China of the rule's kinds and countries."""
    bloc = world.tables["countries"].bloc
    china = nodes.country.map(bloc).fillna("") == "china"
    where = (np.ones(len(nodes), bool) if policy.countries == "all"
             else nodes.country.isin(list(policy.countries)).to_numpy())
    return nodes.kind.isin(list(policy.kinds)).to_numpy() & where & ~china.to_numpy()


def _tech_dependence(world: World, nodes: pd.DataFrame, params: ParamTable, uncertain: bool) -> None:
    """Declare ``tech_dependence_share (N,)`` [1] from the world table (0 where none applies)."""
    table = world.tables["tech_dependence"]
    values, dists = np.zeros(len(nodes)), {}
    for i, n in enumerate(nodes.itertuples()):
        hit = table[(table.kind == n.kind) & (table.country == n.country)]
        if len(hit):
            values[i] = float(hit.share.iloc[0])
            if uncertain:
                dists[i] = world_estimate(world, "tech_dependence", hit.index[0], "share")
    params.add("tech_dependence_share", values, dists, stream="rules")


def _compile_rules(world: World, scenario, topo, months, params: ParamTable) -> dict:
    """Arrays and parameters of content and technology rules (empty when there are none)."""
    links, nodes, T = topo.links, topo.nodes, len(months)
    content = [p for p in scenario.policies if p.type == "content_rule"]
    tech = [p for p in scenario.policies if p.type == "technology_rule"]
    params.add("content_approval_prob", [p.approval_prob.mean() for p in content],
               dict(enumerate(p.approval_prob for p in content)), stream="rules")
    params.add("content_delay_days", [p.review_delay_days.mean() for p in content],
               dict(enumerate(p.review_delay_days for p in content)), stream="rules")
    params.add("tech_cut_share", [p.cut_share.mean() for p in tech],
               dict(enumerate(p.cut_share for p in tech)), stream="rules")
    _tech_dependence(world, nodes, params, bool(tech))
    return dict(
        content_names=tuple(p.name for p in content),
        content_scope=np.array([_content_scope(world, links, p) for p in content],
                               bool).reshape(len(content), len(links)),
        content_active=np.array([active_months(months, p.start, p.end) for p in content],
                                bool).reshape(len(content), T),
        content_threshold=np.array([p.threshold_share for p in content], float),
        content_applications=np.array([p.applications_per_month for p in content], int),
        tech_names=tuple(p.name for p in tech),
        tech_scope=np.array([_tech_scope(world, nodes, p) for p in tech],
                            bool).reshape(len(tech), len(nodes)),
        tech_active=np.array([active_months(months, p.start, p.end) for p in tech],
                             bool).reshape(len(tech), T),
    )


def compile_policies(world: World, scenario, topo, months: pd.DatetimeIndex,
                     params: ParamTable) -> PolicyArrays:
    """Compile export licensing, bans, quotas, stockpile windows and project dates."""
    links, T, L = topo.links, len(months), len(topo.links)
    pol = {k: [p for p in scenario.policies if p.type == k]
           for k in ("export_licensing", "export_ban", "export_quota")}
    lic = pol["export_licensing"]
    lic_scope = np.array([_scope(world, links, p) for p in lic], bool).reshape(len(lic), L)
    lic_active = np.array([active_months(months, p.start, p.end) for p in lic], bool).reshape(len(lic), T)
    params.add("lic_approval_prob", [p.approval_prob.mean() for p in lic],
               dict(enumerate(p.approval_prob for p in lic)))
    params.add("lic_delay_days", [p.review_delay_days.mean() for p in lic],
               dict(enumerate(p.review_delay_days for p in lic)))
    banned = np.zeros((T, L), bool)
    for p in pol["export_ban"]:
        banned |= np.outer(active_months(months, p.start, p.end), _scope(world, links, p))
    quota = pol["export_quota"]
    quota_scope = np.array([_scope(world, links, p) for p in quota], bool).reshape(len(quota), L)
    quota_active = np.array([active_months(months, p.start, p.end) for p in quota], bool).reshape(len(quota), T)
    params.add("quota_t_per_month", [p.quota_t_per_month.mean() for p in quota],
               dict(enumerate(p.quota_t_per_month for p in quota)))
    return PolicyArrays(
        lic_names=tuple(p.name for p in lic), lic_scope=lic_scope, lic_active=lic_active,
        lic_applications=np.array([p.applications_per_month for p in lic], int),
        banned=banned, quota_names=tuple(p.name for p in quota), quota_scope=quota_scope,
        quota_active=quota_active,
        home_first=_home_first(world, links, months, [*lic, *pol["export_ban"], *quota]),
        sp_active=_stockpile_windows(topo.stockpiles, months),
        project_announced=np.array([_month_index(months, d) for d in topo.projects.announced], float),
        **_compile_rules(world, scenario, topo, months, params),
        contract_active=_windows(topo.contracts, months),
        sharing_active=_windows(topo.recipients, months),
        finance=finance_params(world, scenario, topo.projects, months, params, _month_index),
        rec_ramp=_ramps(topo.recyclers, len(months)),
    )


def _ramps(recyclers: pd.DataFrame, T: int) -> np.ndarray:
    """``(RC, T)``: linear ramp from 0 at each recycler's start to 1 after its ``years`` [1]."""
    mid = np.arange(T) + 0.5
    start = recyclers.start_month.to_numpy(float)[:, None]
    span = 12.0 * recyclers.years.to_numpy(float)[:, None]
    ramp = np.clip((mid[None, :] - start) / np.maximum(span, 1e-9), 0.0, 1.0)
    return ramp.reshape(len(recyclers), T)


def _windows(frame: pd.DataFrame, months) -> np.ndarray:
    """``(rows, T)`` activity of rows with ``start`` and ``end`` columns."""
    return np.array([active_months(months, s, e) for s, e in zip(frame.start, frame.end)],
                    bool).reshape(len(frame), len(months))


def _home_first(world: World, links: pd.DataFrame, months, policies) -> np.ndarray:
    """``(T, L)``: home links of a supplier whose material is under an active control."""
    out = np.zeros((len(months), len(links)), bool)
    for p in policies:
        mats = material_scope(world, getattr(p, "stages", None), getattr(p, "elements", None))
        scope = (links.home & (links.exporter == p.exporter) & links.material.isin(mats)).to_numpy()
        out |= np.outer(active_months(months, p.start, p.end), scope)
    return out


def _stockpile_windows(stockpiles: pd.DataFrame, months) -> np.ndarray:
    return np.array([active_months(months, s, e) for s, e in zip(stockpiles.start, stockpiles.end)],
                    bool).reshape(len(stockpiles), len(months))


def _month_index(months: pd.DatetimeIndex, d: date) -> float:
    """Months from the horizon start to ``d`` (fractional)."""
    start = months[0]
    return (d.year - start.year) * 12 + (d.month - start.month) + (d.day - 1) / DAYS_PER_MONTH
