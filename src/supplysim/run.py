"""``simulate``: compile, run the paths in chunks of whole random blocks, label the results."""

from __future__ import annotations

import time
from importlib.metadata import version as _pkg_version

import numpy as np
import pandas as pd
import xarray as xr

from supplysim.engines.balance import BalanceLog
from supplysim.engines.layout import Layout
from supplysim.engines.vector import init_state, step
from supplysim.network import Network, compile_network
from supplysim.parallel.chunks import DEFAULT_CHUNK, OUTPUTS, chunk_length, chunk_plan
from supplysim.results import Results
from supplysim.seeding import SeedLike, Streams, root_seed

__all__ = ["DEFAULT_CHUNK", "chunk_plan", "run_chunk", "simulate", "to_dataset"]

def run_chunk(net: Network, root: np.random.SeedSequence, first: int, n: int,
              log: BalanceLog | None = None, layout: Layout | None = None) -> dict[str, np.ndarray]:
    """Simulate paths ``[first, first + n)``; arrays shaped (paths, months, k), float32.

    The result depends on ``net``, ``root``, ``first`` and ``n`` only (``first`` is a multiple
    of the random block size), so chunks can run anywhere and in any order.
    """
    lay = layout or Layout.of(net)
    streams = Streams(root, first, n)
    state, pp = init_state(net, lay, n, streams)
    out = {}
    for t in range(net.n_months):
        rec = step(state, net, lay, pp, streams, log)
        for name in OUTPUTS:
            a = getattr(rec, name)
            if name not in out:
                out[name] = np.empty((n, net.n_months, a.shape[1]), np.float32)
            out[name][:, t] = a
    return out


def simulate(scenario, runs: int = 1000, seed: SeedLike = None, chunk_size: int | None = None,
             engine: str = "vector", progress: bool = False, world=None, checkpoint=None,
             restart: bool = False, client=None, store="paths"):
    """Run ``runs`` Monte Carlo paths of a scenario and return labelled :class:`Results`.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, or a bundled name / path for :func:`supplysim.load_scenario`.
    runs : int
        Number of paths.
    seed : int, SeedSequence or None
        Root seed; the same seed gives the same numbers whatever ``chunk_size``.
    chunk_size : int, optional
        Paths per chunk (rounded up to whole blocks of 256); changes memory, never numbers.
    engine : {"vector", "des"}
        The engine to run: the monthly numpy engine, or a discrete-event (SimPy) simulation of
        each path (see :mod:`supplysim.engines.des`; ``chunk_size`` does not apply, and
        :meth:`Results.events` returns its event log).
    progress : bool
        Show a progress bar over chunks.
    world : World, optional
        World data (default: the embedded 2024 world).
    checkpoint : path-like, optional
        Folder where each finished chunk is saved; a run with the same scenario, seed, runs and
        chunk size resumes from it (see :mod:`supplysim.parallel.checkpoint`). With
        ``seed=None`` the seed is drawn once and recorded there.
    restart : bool
        Discard a checkpoint of a different run instead of raising ``CheckpointError``.
    client : distributed.Client, optional
        Run the chunks as tasks on this Dask cluster (see :mod:`supplysim.parallel.dask`);
        the numbers are those of a local run.
    store : {"paths", "summary"} or SummarySpec
        ``"paths"`` keeps every path's monthly arrays and returns :class:`Results`;
        ``"summary"`` (or a :class:`~supplysim.results.streaming.SummarySpec`) reduces each
        finished chunk into running sums, exact exceedance counts and fixed-bin histograms and
        returns :class:`~supplysim.results.summary.SummaryResults`, whose memory does not grow
        with ``runs`` (vector engine only).

    Returns
    -------
    Results or SummaryResults
        The labelled results.
    """
    from supplysim import load_scenario, load_world

    if engine not in ("vector", "des"):
        raise ValueError(f"unknown engine {engine!r}; available: 'vector', 'des'")
    spec = _summary_spec(store)
    if spec is not None and engine != "vector":
        raise ValueError("store='summary' applies to engine='vector' only")
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    given_world, world = world, world or load_world()
    t0 = time.perf_counter()
    net = compile_network(world, scenario)
    if engine == "des":
        if checkpoint is not None or client is not None:
            raise ValueError("checkpoint and client apply to engine='vector' only")
        return _simulate_des(net, scenario, root_seed(seed), runs, t0)
    plan = chunk_plan(runs, chunk_size)
    ckpt = None
    if checkpoint is not None:
        from supplysim.parallel.checkpoint import Checkpoint

        ckpt = Checkpoint.open(checkpoint, scenario_name=scenario.name,
                               scenario_hash=scenario.hash, seed=seed, runs=runs,
                               chunk_size=chunk_length(chunk_size), restart=restart)
    root = ckpt.root if ckpt is not None else root_seed(seed)
    save = (lambda c, a: ckpt.save(*c, a)) if ckpt is not None else None
    if spec is not None:
        acc, resumed = _run_summary(net, root, plan, ckpt, save, spec, client, given_world,
                                    world, scenario, progress)
        return _summary_results(net, acc, root, plan, runs, t0, scenario, ckpt, resumed)
    parts = ckpt.load_done(plan) if ckpt is not None else {}
    todo = [c for c in plan if c not in parts]
    resumed = len(parts)
    if client is not None:
        from supplysim.parallel.dask import run_on_cluster

        parts.update(run_on_cluster(client, given_world, scenario, world.vocabulary(), root,
                                    todo, save))
    else:
        parts.update(_run_local(net, root, todo, save, progress, scenario.name))
    arrays = {k: np.concatenate([parts[c][k] for c in plan]) for k in OUTPUTS}
    seconds = time.perf_counter() - t0
    ds = to_dataset(net, arrays, seed=root.entropy, chunk_size=plan[0][1])
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine=engine,
                chunks=len(plan), node_steps_per_s=runs * net.n_months * net.n_nodes / seconds)
    if ckpt is not None:
        meta.update(checkpoint=str(ckpt.folder), resumed_chunks=resumed)
    return Results(ds, meta)


def _summary_spec(store):
    """The :class:`SummarySpec` of a ``store`` argument, None for per-path arrays."""
    from supplysim.results.streaming import SummarySpec

    if isinstance(store, SummarySpec):
        return store
    if store == "summary":
        return SummarySpec()
    if store == "paths":
        return None
    raise ValueError(f"store must be 'paths', 'summary' or a SummarySpec, got {store!r}")


def _run_summary(net: Network, root, plan, ckpt, save, spec, client, given_world, world,
                 scenario, progress: bool):
    """Reduce every chunk of ``plan`` into a :class:`SummaryAccumulator` and drop it.

    Chunks finished in the checkpoint ``ckpt`` are loaded and reduced one at a time; the others
    run (locally or on ``client``'s cluster) and are reduced in the order they finish.
    Returns the accumulator and the number of chunks taken from the checkpoint.
    """
    from supplysim.results.streaming import SummaryAccumulator

    d = net.demand
    acc = SummaryAccumulator.of(d.region.to_numpy(str), d.sector.to_numpy(str),
                                d.material.to_numpy(str), net.n_months, len(net.flows),
                                len(net.stockpiles), spec, d.mineral.to_numpy(str))
    todo = []
    for chunk in plan:
        arrays = ckpt.load(*chunk) if ckpt is not None else None
        if arrays is None:
            todo.append(chunk)
        else:
            acc.add(arrays)
    resumed = len(plan) - len(todo)

    def done(chunk, arrays):
        if save is not None:
            save(chunk, arrays)
        acc.add(arrays)

    if client is not None:
        from supplysim.parallel.dask import run_on_cluster

        run_on_cluster(client, given_world, scenario, world.vocabulary(), root, todo, done,
                       keep=False)
        return acc, resumed
    lay = Layout.of(net)
    for chunk in _progress(todo, progress, scenario.name):
        done(chunk, run_chunk(net, root, *chunk, BalanceLog(net), lay))
    return acc, resumed


def _summary_results(net: Network, acc, root, plan, runs: int, t0: float, scenario, ckpt,
                     resumed: int):
    """Label an accumulator as :class:`SummaryResults`."""
    from supplysim.results.summary import SummaryResults

    seconds = time.perf_counter() - t0
    sp = net.stockpiles
    labels = dict(months=pd.DatetimeIndex(net.months),
                  flows=net.flows[["exporter", "destination", "material"]],
                  stockpiles=sp[["name", "holder", "material"]])
    attrs = dict(scenario=net.scenario_name, scenario_hash=net.scenario_hash,
                 seed=str(root.entropy), version=_pkg_version("supplysim"), engine="vector",
                 chunk_size=plan[0][1])
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine="vector",
                chunks=len(plan), node_steps_per_s=runs * net.n_months * net.n_nodes / seconds,
                store="summary", summary_bytes=acc.nbytes())
    if ckpt is not None:
        meta.update(checkpoint=str(ckpt.folder), resumed_chunks=resumed)
    mean_arrays = {k: (v / acc.paths)[None].astype(np.float32) for k, v in acc.raw.items()}
    means = Results(to_dataset(net, mean_arrays, root.entropy, plan[0][1]), dict(meta, paths=1))
    return SummaryResults(acc, labels, attrs, meta, means)


def _run_local(net: Network, root, todo, save, progress: bool, name: str) -> dict:
    """Run chunks in this process; ``save(chunk, arrays)`` after each when given."""
    lay = Layout.of(net)
    parts = {}
    for chunk in _progress(todo, progress, name):
        parts[chunk] = run_chunk(net, root, *chunk, BalanceLog(net), lay)
        if save is not None:
            save(chunk, parts[chunk])
    return parts


def _simulate_des(net: Network, scenario, root, runs: int, t0: float) -> Results:
    """Run the discrete-event engine and label its monthly books like the vector engine's."""
    from supplysim.engines.des import run_des

    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    arrays, events = run_des(net, scenario, root, runs)
    seconds = time.perf_counter() - t0
    ds = to_dataset(net, arrays, seed=root.entropy, chunk_size=runs)
    ds.attrs["engine"] = "des"
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine="des", chunks=1,
                node_steps_per_s=runs * net.n_months * net.n_nodes / seconds)
    return Results(ds, meta, events=events)


def _progress(plan, show: bool, name: str):
    if not show:
        return plan
    from tqdm.auto import tqdm

    return tqdm(plan, desc=name, unit="chunk")


def to_dataset(net: Network, arrays: dict[str, np.ndarray], seed, chunk_size: int) -> xr.Dataset:
    """Label engine arrays: dense (region, sector, material) demand, flows and stockpiles."""
    d = net.demand
    regions, sectors = list(dict.fromkeys(d.region)), list(dict.fromkeys(d.sector))
    materials = list(dict.fromkeys(d.material))
    paths, T = arrays["demand_t"].shape[:2]
    idx = (d.region.map(regions.index).to_numpy(), d.sector.map(sectors.index).to_numpy(),
           d.material.map(materials.index).to_numpy())
    dims = ("path", "month", "region", "sector", "material")

    def dense(a: np.ndarray) -> np.ndarray:
        out = np.zeros((paths, T, len(regions), len(sectors), len(materials)), np.float32)
        out[:, :, idx[0], idx[1], idx[2]] = a
        return out

    od = net.slots.iloc[np.unique(d.slot.to_numpy())]
    origin = np.full((paths, T, len(regions), len(materials)), np.nan, np.float32)
    if "origin_share" in arrays:
        origin[:, :, od.country.map(regions.index).to_numpy(),
               od.material.map(materials.index).to_numpy()] = arrays["origin_share"]
    f, sp, mk = net.flows, net.stockpiles, net.market
    markets = list(dict.fromkeys(m for m, _ in mk.labels))
    price = arrays["price_usd_per_kg"].reshape(paths, T, len(markets), len(mk.elements))
    ds = xr.Dataset(
        {
            "demand_t": (dims, dense(arrays["demand_t"]), _attrs("t/month", "demand")),
            "unmet_t": (dims, dense(arrays["unmet_t"]), _attrs("t/month", "unmet demand")),
            "shipped_t": (("path", "month", "flow"), arrays["shipped_t"],
                          _attrs("t/month", "shipped")),
            "stockpile_t": (("path", "month", "stockpile"), arrays["stockpile_t"],
                            _attrs("t", "stockpile held at month end")),
            "origin_share": (("path", "month", "region", "material"), origin,
                             _attrs("1", "Chinese-origin share of the stock demand draws on "
                                         "(NaN: no demand of the material in the region)")),
            "price_usd_per_kg": (("path", "month", "market", "element"), price,
                                 _attrs("USD/kg", "oxide price index at month end")),
            "payment_usd": (("path", "month", "floor"), arrays["payment_usd"],
                            _attrs("USD/month", "price floor payments")),
            "tariff_usd": (("path", "month", "tariff"), arrays["tariff_usd"],
                           _attrs("USD/month", "tariff revenue")),
        },
        coords=dict(path=np.arange(paths), month=pd.DatetimeIndex(net.months), region=regions,
                    sector=sectors, material=materials,
                    mineral=("material", _minerals_of(d, materials)),
                    exporter=("flow", f.exporter.to_numpy(str)),
                    destination=("flow", f.destination.to_numpy(str)),
                    flow_material=("flow", f.material.to_numpy(str)),
                    stockpile=sp.name.to_numpy(str), holder=("stockpile", sp.holder.to_numpy(str)),
                    stockpile_material=("stockpile", sp.material.to_numpy(str)),
                    market=markets, element=list(mk.elements),
                    floor=np.array(mk.floor_names, dtype=str),
                    tariff=np.array(mk.tariff_names, dtype=str)),
        attrs=dict(scenario=net.scenario_name, scenario_hash=net.scenario_hash, seed=str(seed),
                   version=_pkg_version("supplysim"), engine="vector", chunk_size=chunk_size),
    )
    c = net.contracts
    empty = np.zeros((paths, T, len(c)), np.float32)
    ds["contract_t"] = xr.DataArray(arrays.get("contract_t", empty),
                                    dims=("path", "month", "contract"),
                                    attrs=_attrs("t/month", "shipped under offtake contracts"))
    ds = ds.assign_coords(contract=c.name.to_numpy(str),
                          contract_buyer=("contract", c.buyer.to_numpy(str)),
                          contract_seller=("contract", c.seller.to_numpy(str)),
                          contract_material=("contract", c.material.to_numpy(str)),
                          contract_price_usd_per_kg=("contract",
                                                     c.price_usd_per_kg.to_numpy(float)))
    ds["contract_usd_per_kg"] = xr.DataArray(
        _contract_prices(net, price, markets, paths, T), dims=("path", "month", "contract"),
        attrs=_attrs("USD/kg", "offtake contract price: the policy's, else the 2024 ex-China "
                               "price moved with the ex-China index of the element"))
    out = Layout.of(net).rec_out if len(net.recyclers) else np.zeros(0, int)
    rec_node = net.slots.node.to_numpy()[out]
    ds["recycled_t"] = xr.DataArray(
        arrays.get("recycled_t", np.zeros((paths, T, len(out)), np.float32)),
        dims=("path", "month", "recycled"),
        attrs=_attrs("t/month", "metal recovered from magnet scrap (a source, like a mine)"))
    ds = ds.assign_coords(recycler=("recycled", net.nodes.name.to_numpy(str)[rec_node]),
                          recycler_country=("recycled", net.nodes.country.to_numpy(str)[rec_node]),
                          recycled_material=("recycled", net.slots.material.to_numpy(str)[out]))
    fin = net.policies.finance
    ds["finance_cost_usd"] = xr.DataArray(fin.cost_usd.to_numpy(float), dims=("finance",),
                                          attrs=_attrs("USD", "budget cost of project financing"))
    ds = ds.assign_coords(finance=fin.name.to_numpy(str),
                          finance_project=("finance", fin.project.to_numpy(str)),
                          finance_instrument=("finance", fin.instrument.to_numpy(str)),
                          finance_amount_usd=("finance", fin.amount_usd.to_numpy(float)),
                          finance_month=("finance",
                                         pd.DatetimeIndex(net.months)[fin.month.to_numpy(int)]))
    return ds


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


def _minerals_of(demand, materials: list[str]) -> np.ndarray:
    """Mineral chain of each material (``""`` where the demand frame has no mineral column)."""
    if "mineral" not in demand:
        return np.full(len(materials), "", dtype=object).astype(str)
    of = dict(zip(demand.material, demand.mineral))
    return np.array([of[m] for m in materials], dtype=str)


def _attrs(units: str, long_name: str) -> dict:
    return {"units": units, "long_name": long_name}
