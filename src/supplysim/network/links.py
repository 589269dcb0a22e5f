"""Trade links between slots, expanded from the country-level ``trade_links`` table.

A country-level row (exporter, importer, material, share, lead time) becomes one link from each
supplier slot of the material in the exporter to each consumer slot of it in the importer; the
share is split over suppliers in proportion to their capacity. Sites that the table does not
know (a new project's country) get zero-share links, so buyers can re-source there when short.
Stockpiles get *release* links to the holder's consumers and *replenish* links from its suppliers.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from supplysim.model.world import World

#: Lead time of a link inside one country when the table gives none [months].
DOMESTIC_LEAD_MONTHS = 0.5


def _groups(slots: pd.DataFrame, role: str) -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, s in slots[slots.role == role].iterrows():
        out[(s.country, s.material)].append(int(k))
    return out


def _weights(slots: pd.DataFrame, nodes: pd.DataFrame, members: list[int]) -> np.ndarray:
    cap = nodes.capacity.to_numpy(float)[slots.node.to_numpy()[members]]
    return cap / cap.sum() if cap.sum() > 0 else np.full(len(members), 1.0 / len(members))


def build_links(world: World, nodes: pd.DataFrame, slots: pd.DataFrame, sp_rows: list[dict]):
    """Return ``(links, flows, notes)``; ``links`` has one row per slot-to-slot route."""
    table = world.tables["trade_links"]
    supply, consume = _groups(slots, "out"), _groups(slots, "in")
    rows: list[dict] = []

    def add(exporter, importer, material, share, lead, kind, dsts):
        members = supply.get((exporter, material), [])
        for s, w in zip(members, _weights(slots, nodes, members) if members else []):
            for d in dsts:
                rows.append(dict(src_slot=s, dst_slot=d, material=material, exporter=exporter,
                                 importer=importer, share=share * w, lead_months=lead, kind=kind))

    for r in table.itertuples():
        add(r.exporter, r.importer, r.material, r.share, r.lead_time_months, "trade",
            consume.get((r.importer, r.material), []))
    notes = _fill_unknown_sites(table, supply, consume, add)
    for sp in sp_rows:
        _stockpile_links(table, sp, consume, add, rows)
    links = pd.DataFrame(rows)
    links["share"] = _normalise(links)
    links["home"] = links.exporter == links.importer
    links, flows = _flows(links)
    return links, flows, notes


def _fill_unknown_sites(table: pd.DataFrame, supply, consume, add) -> list[str]:
    """Zero-share links for supplier or consumer sites the trade table does not name."""
    notes = []
    known_exp = set(zip(table.exporter, table.material))
    known_imp = set(zip(table.importer, table.material))
    for (country, material) in supply:
        if (country, material) in known_exp:
            continue
        lead = _typical_lead(table, material)
        for importer in sorted(set(table.importer[table.material == material]) | {country}):
            dom = importer == country
            add(country, importer, material, 0.0, DOMESTIC_LEAD_MONTHS if dom else lead, "trade",
                consume.get((importer, material), []))
        notes.append(f"new supplier {country}/{material}: zero-share links to all its importers")
    for (country, material), dsts in consume.items():
        if (country, material) in known_imp:
            continue
        exp_share = table[table.material == material].groupby("exporter")["share"].sum()
        for exporter, share in exp_share.items():
            lead = DOMESTIC_LEAD_MONTHS if exporter == country else _typical_lead(table, material)
            add(exporter, country, material, float(share), lead, "trade", dsts)
        notes.append(f"new consumer {country}/{material}: links from every exporter of it")
    return notes


def _typical_lead(table: pd.DataFrame, material: str) -> float:
    intl = table[(table.material == material) & (table.exporter != table.importer)]
    return float(intl.lead_time_months.median()) if len(intl) else 1.0


def _stockpile_links(table, sp: dict, consume, add, rows: list[dict]) -> None:
    """Release links to the holder's consumers; replenish links from the holder's suppliers."""
    holder, material, slot = sp["holder"], sp["material"], sp["slot"]
    for d in consume.get((holder, material), []):
        rows.append(dict(src_slot=slot, dst_slot=d, material=material, exporter=holder,
                         importer=holder, share=0.0, lead_months=0.0, kind="release"))
    feeds = table[(table.importer == holder) & (table.material == material)]
    if feeds.empty:
        feeds = table[table.material == material].groupby("exporter", as_index=False).agg(
            share=("share", "sum"), lead_time_months=("lead_time_months", "median"))
    for r in feeds.itertuples():
        add(r.exporter, holder, material, r.share, r.lead_time_months, "replenish", [slot])


def _normalise(links: pd.DataFrame) -> np.ndarray:
    """Shares into each consumer slot sum to 1 over its trade (or replenish) links."""
    share = links.share.to_numpy(float).copy()
    for _, idx in links[links.kind != "release"].groupby("dst_slot").groups.items():
        idx = np.asarray(list(idx))
        total = share[idx].sum()
        share[idx] = share[idx] / total if total > 0 else 1.0 / len(idx)
    return share


def _flows(links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Country-level flows (exporter, destination, material) that results report."""
    trade = links.kind != "release"
    keys = links.loc[trade, ["exporter", "importer", "material"]].drop_duplicates()
    flows = keys.rename(columns={"importer": "destination"}).reset_index(drop=True)
    index = {tuple(k): i for i, k in enumerate(flows.itertuples(index=False))}
    links["flow"] = [index.get((e, i, m), -1) if t else -1 for e, i, m, t in
                     zip(links.exporter, links.importer, links.material, trade)]
    return links, flows
