"""Index arrays and column groups the vector engine derives once from a network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from supplysim.engines.groups import Groups
from supplysim.rules.origin import line_share

#: Allocation classes at a supplier, served in ascending order: home buyers under export
#: controls, offtake contracts (``CLASS_CONTRACT + priority``, priority 0-8), spot trade,
#: stockpile replenishment.
CLASS_HOME, CLASS_CONTRACT, CLASS_TRADE, CLASS_REPLENISH = 0, 1, 10, 11


@dataclass(frozen=True)
class Layout:
    """Positional structure of a network (no per-path data)."""

    n_slots: int
    n_links: int
    n_nodes: int
    n_lines: int
    slot_node: np.ndarray
    consumer: np.ndarray          # (S,) bool: slots that order from links (inputs, demand)
    out_slot: np.ndarray          # (S,) bool: supplier slots of facilities
    op_slot: np.ndarray
    op_line: np.ndarray
    ip_slot: np.ndarray
    ip_line: np.ndarray
    line_node: np.ndarray
    in_by_slot: Groups
    in_by_line: Groups
    out_by_line: Groups
    out_by_slot: Groups
    line_by_node: Groups
    link_src: np.ndarray
    link_dst: np.ndarray
    link_by_src: Groups
    link_by_dst: Groups
    link_by_flow: Groups
    trade: np.ndarray             # (L,) bool
    release: np.ndarray
    replenish: np.ndarray
    share: np.ndarray
    lead_months: np.ndarray
    max_lead_lag: int
    supply_line_months: np.ndarray  # (S,) share-weighted lead time of links into a slot
    d_slot: np.ndarray
    d_class: np.ndarray
    demand_by_slot: Groups
    slot_by_node: Groups
    sp_slot: np.ndarray
    release_dst: sparse.csr_matrix  # (SP, S): consumer slots each stockpile releases to
    holder_demand: sparse.csr_matrix  # (SP, S): demand slots of each stockpile's holder
    sp_of_link: np.ndarray        # (L,) stockpile index of release/replenish links, else -1
    project_node: np.ndarray
    lic_links: np.ndarray         # links any licence covers, sorted
    link_class: np.ndarray        # (L,) allocation class outside export controls
    contract_of_link: np.ndarray  # (L,) offtake contract of a contract link, else -1
    contract_weight: np.ndarray   # (L,) share of its contract's volume a contract link carries
    link_by_contract: Groups      # links by contract (last group: other links)
    shared: np.ndarray            # (L,) bool: shared stockpile release links
    recipient_of_link: np.ndarray  # (L,) sharing recipient of a shared link, else -1
    share_cap: np.ndarray         # (L,) share of the source's release rate open to the recipient
    watch_demand: sparse.csr_matrix  # (SP + R, S): holder_demand, then each recipient's demand
    recycle: np.ndarray           # (L,) bool: links from a recycler to buyers in its country
    must_run: np.ndarray          # (NL,) bool: lines that run at capacity whatever the orders
    rec_node: np.ndarray          # (RC,) node of each recycler
    rec_swarf: sparse.csr_matrix  # (RC, S): scrap-process output slots in the recycler's country
    rec_eol: sparse.csr_matrix    # (RC, S): demand slots of their products in that country
    rec_out: np.ndarray           # (RO,) recycler output slots
    n_outage_nodes: int           # nodes that draw outages (recyclers, last, do not)
    line_china: np.ndarray        # (NL,) bool: lines run in China (their output is Chinese)
    origin0: np.ndarray           # (S,) Chinese-origin share of the starting stocks [1]
    content_links: np.ndarray     # links any content rule may reach, sorted
    od_slot: np.ndarray           # demand slots, sorted (one per region and material)

    @property
    def n_contracts(self) -> int:
        """Number of offtake contracts."""
        return self.link_by_contract.n_groups - 1

    @property
    def release_rows(self) -> np.ndarray:
        """Indices of the stockpile release links."""
        return np.flatnonzero(self.release)

    @property
    def shared_rows(self) -> np.ndarray:
        """Indices of the shared stockpile release links."""
        return np.flatnonzero(self.shared)

    @property
    def n_recipients(self) -> int:
        """Number of stockpile-sharing recipients (policy, member)."""
        return self.watch_demand.shape[0] - len(self.sp_slot)

    @classmethod
    def of(cls, net) -> Layout:
        """Derive the layout of a :class:`~supplysim.network.Network`."""
        S, L, N = len(net.slots), len(net.links), len(net.nodes)
        NL = len(net.lines)
        links = net.links
        kind = links.kind.to_numpy()
        role = net.slots.role.to_numpy()
        sp = net.stockpiles
        release_dst = np.zeros((S, len(sp)))
        sp_of_link = np.full(L, -1)
        for j, slot in enumerate(sp.slot.to_numpy()):
            rel = (kind == "release") & (links.src_slot.to_numpy() == slot)
            release_dst[links.dst_slot.to_numpy()[rel], j] = 1.0
            sp_of_link[rel | ((kind == "replenish") & (links.dst_slot.to_numpy() == slot))] = j
        lead = links.lead_months.to_numpy(float)
        contract = links.contract.to_numpy(int)
        n_contracts = len(net.contracts)
        prio = np.zeros(L, int)
        if n_contracts:
            prio[contract >= 0] = net.contracts.priority.to_numpy(int)[contract[contract >= 0]]
        link_class = np.select([kind == "replenish", contract >= 0, kind == "recycle"],
                               [CLASS_REPLENISH, CLASS_CONTRACT + prio, CLASS_CONTRACT],
                               CLASS_TRADE)
        rec = net.recyclers
        rec_node = rec.node.to_numpy(int)
        holder = _holder_demand(net)
        china = (net.nodes.country == "China").to_numpy()
        return cls(
            n_slots=S, n_links=L, n_nodes=N, n_lines=NL,
            slot_node=net.slots.node.to_numpy(),
            consumer=role == "in", out_slot=role == "out",
            op_slot=net.out_pairs.slot.to_numpy(), op_line=net.out_pairs.line.to_numpy(),
            ip_slot=net.in_pairs.slot.to_numpy(), ip_line=net.in_pairs.line.to_numpy(),
            line_node=net.lines.node.to_numpy(),
            in_by_slot=Groups.of(net.in_pairs.slot, S), in_by_line=Groups.of(net.in_pairs.line, NL),
            out_by_line=Groups.of(net.out_pairs.line, NL), out_by_slot=Groups.of(net.out_pairs.slot, S),
            line_by_node=Groups.of(net.lines.node, N),
            link_src=links.src_slot.to_numpy(), link_dst=links.dst_slot.to_numpy(),
            link_by_src=Groups.of(links.src_slot, S), link_by_dst=Groups.of(links.dst_slot, S),
            link_by_flow=Groups.of(np.where(links.flow >= 0, links.flow, len(net.flows)),
                                   len(net.flows) + 1),
            trade=kind == "trade", release=kind == "release", replenish=kind == "replenish",
            share=links.share.to_numpy(float), lead_months=lead,
            max_lead_lag=int(np.ceil(lead.max())) if L else 0,
            supply_line_months=np.bincount(links.dst_slot, lead * links.share * (kind == "trade"),
                                           minlength=S),
            d_slot=net.demand.slot.to_numpy(), d_class=net.demand.priority_class.to_numpy(),
            demand_by_slot=Groups.of(net.demand.slot, S),
            slot_by_node=Groups.of(net.slots.node, N),
            sp_slot=sp.slot.to_numpy().astype(int), release_dst=sparse.csr_matrix(release_dst.T),
            sp_of_link=sp_of_link, holder_demand=holder,
            project_node=net.projects.node.to_numpy().astype(int),
            lic_links=np.flatnonzero(net.policies.lic_scope.any(axis=0)),
            link_class=link_class, contract_of_link=contract,
            contract_weight=links.weight.to_numpy(float),
            link_by_contract=Groups.of(np.where(contract >= 0, contract, n_contracts),
                                       n_contracts + 1),
            shared=kind == "shared_release", recipient_of_link=links.recipient.to_numpy(int),
            share_cap=links.cap.to_numpy(float),
            watch_demand=sparse.vstack([holder, _demand_of(net, net.recipients.member)]).tocsr(),
            recycle=kind == "recycle", must_run=np.isin(net.lines.node.to_numpy(), rec_node),
            rec_node=rec_node, rec_swarf=_scrap_of(net, "out"),
            rec_eol=_scrap_of(net, "demand"),
            rec_out=np.flatnonzero(np.isin(net.slots.node.to_numpy(), rec_node)
                                   & (role == "out")),
            n_outage_nodes=N - len(rec_node),
            line_china=china[net.lines.node.to_numpy()] if NL else np.zeros(0, bool),
            origin0=baseline_origin(net, china),
            content_links=np.flatnonzero(net.policies.content_scope.any(axis=0)),
            od_slot=np.unique(net.demand.slot.to_numpy()),
        )


def _scrap_of(net, what: str) -> sparse.csr_matrix:
    """``(recyclers, slots)``: where each recycler's scrap comes from, in its own country.

    ``what="out"``: output slots of the plants running the recycler's ``scrap_process`` (their
    swarf); ``what="demand"``: demand slots of those plants' products (end-of-life scrap).
    """
    slots, rec = net.slots, net.recyclers
    process = net.nodes.process.to_numpy()[slots.node.to_numpy()]
    out = (slots.role == "out").to_numpy()
    rows, cols = [], []
    for j, r in enumerate(rec.itertuples()):
        made = out & (process == r.scrap_process)
        hit = made if what == "out" else (
            (slots.kind == "demand").to_numpy() & slots.material.isin(set(slots.material[made])).to_numpy())
        k = np.flatnonzero(hit & (slots.country == r.country).to_numpy())
        rows += [j] * len(k)
        cols += list(k)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(rec), len(slots)))


def _holder_demand(net) -> sparse.csr_matrix:
    """``(stockpiles, slots)``: 1 where a slot is a demand slot of the stockpile's holder."""
    return _demand_of(net, net.stockpiles.holder)


def _demand_of(net, countries) -> sparse.csr_matrix:
    """``(len(countries), slots)``: 1 where a slot is a demand slot of the row's country."""
    slots = net.slots
    rows, cols = [], []
    for j, holder in enumerate(countries):
        hit = np.flatnonzero((slots.kind == "demand").to_numpy() & (slots.country == holder).to_numpy())
        rows += [j] * len(hit)
        cols += list(hit)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(countries), len(slots)))


def baseline_origin(net, china: np.ndarray) -> np.ndarray:
    """Chinese-origin share of every slot in the baseline flows (S,) [1].

    Output slots of facilities in China are Chinese (1); other facilities' outputs take the
    share of their inputs weighted by the point input ratios; a consumer or stockpile slot takes
    the share of its baseline trade (or replenishment) links weighted by their baseline shares,
    or of all its links equally when none has a baseline share. Repeated over the chain of stages
    until it settles.
    """
    S = len(net.slots)
    links = net.links
    src, dst = links.src_slot.to_numpy(), links.dst_slot.to_numpy()
    kind = links.kind.to_numpy()
    feeds = ~np.isin(kind, ("release", "shared_release"))
    w = links.share.to_numpy(float) * feeds
    into = np.bincount(dst, w, minlength=S)
    w = np.where(into[dst] > 0, w, feeds.astype(float))
    into = np.bincount(dst, w, minlength=S)
    ratio = np.asarray(net.params.values["in_ratio"], float)
    ip_slot, ip_line = net.in_pairs.slot.to_numpy(), net.in_pairs.line.to_numpy()
    op_slot, op_line = net.out_pairs.slot.to_numpy(), net.out_pairs.line.to_numpy()
    n_lines = len(net.lines)
    line_node = net.lines.node.to_numpy()
    in_w = np.bincount(ip_line, ratio, minlength=n_lines) if len(ip_line) else np.zeros(n_lines)
    share = np.zeros(S)
    for _ in range(int(net.slots.stage_order.max()) * 2 + 4):
        line = np.bincount(ip_line, ratio * share[ip_slot], minlength=n_lines) if len(ip_line) \
            else np.zeros(n_lines)
        line = line_share(in_w, line, china[line_node])
        made = np.bincount(op_slot, line[op_line], minlength=S)
        count = np.bincount(op_slot, minlength=S)
        share_in = np.bincount(dst, w * share[src], minlength=S)
        share = np.where(count > 0, made / np.maximum(count, 1),
                         np.where(into > 0, share_in / np.where(into > 0, into, 1.0), 0.0))
    return np.clip(share, 0.0, 1.0)
