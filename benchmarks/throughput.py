"""Throughput of the vector engine on the default world: node-steps per second.

node-steps/s = paths x nodes x months / seconds of the engine loop (compilation and labelling
of results excluded; the full ``simulate`` time is reported beside it). Medians of repeated runs.
The numba backend's engine loop is timed in the same run, after one warm-up chunk that compiles
it (or loads it from numba's cache), and in one worker process per core with one numba thread
each, as ``simulate(..., workers=, backend="numba")`` runs it; without numba a note says it was
skipped.

    cd benchmarks && python throughput.py [--smoke] [--out out/throughput.json]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import supplysim
from supplysim.engines.layout import Layout
from supplysim.network import compile_network
from supplysim.parallel.pool import run_in_processes
from supplysim.run import chunk_plan, run_chunk
from supplysim.seeding import root_seed

from common import machine, write_json
from configs import LARGE, SMALL, SMOKE


def engine_seconds(net, paths: int, seed: int, months: int | None = None,
                   backend: str = "numpy") -> float:
    """Seconds to run all chunks of ``paths`` paths in this process on ``backend``, balance
    guard off, over the first ``months`` months (default: the whole horizon)."""
    lay, root = Layout.of(net), root_seed(seed)
    t0 = time.perf_counter()
    for first, n in chunk_plan(paths, None, len(net.links)):
        run_chunk(net, root, first, n, None, lay, months, backend)
    return time.perf_counter() - t0


def numba_engine(net, paths: int, seed: int, repeats: int, numpy_median: float) -> dict:
    """Engine seconds of the numba backend (after a warm-up chunk), its node-steps/s and its
    speed over the numpy backend's median ``numpy_median``; a skip note without numba."""
    try:
        engine_seconds(net, 256, seed, 1, "numba")  # compile, or load the cached code
    except ImportError as exc:
        print(f"note: numba backend skipped ({exc})")
        return {"numba_skipped": str(exc)}
    times = [engine_seconds(net, paths, seed, backend="numba") for _ in range(repeats)]
    med = statistics.median(times)
    return dict(numba_engine_seconds=times,
                numba_node_steps_per_s=paths * net.n_nodes * net.n_months / med,
                numba_over_numpy=numpy_median / med)


def pool_seconds(world, scenario, net, paths: int, seed: int, workers: int,
                 backend: str = "numpy") -> float:
    """Seconds to run all chunks in ``workers`` local processes on ``backend`` (start-up and the
    balance guard included, as ``simulate(..., workers=)`` runs them, with the default chunks of
    the compiled network ``net``; labelling excluded)."""
    t0 = time.perf_counter()
    for _ in run_in_processes(workers, None, scenario, world.vocabulary(), root_seed(seed),
                              chunk_plan(paths, None, len(net.links)), backend, net):
        pass
    return time.perf_counter() - t0


def measure(cfg: dict) -> dict:
    """Median engine and ``simulate`` timings of one configuration."""
    world = supplysim.load_world()
    scenario = supplysim.load_scenario(cfg["scenario"], world)
    net = compile_network(world, scenario)
    engine = [engine_seconds(net, cfg["paths"], cfg["seed"]) for _ in range(cfg["repeats"])]
    full = [supplysim.simulate(scenario, runs=cfg["paths"], seed=cfg["seed"], world=world).meta["seconds"]
            for _ in range(cfg["repeats"])]
    workers = os.cpu_count() or 1
    pool = [pool_seconds(world, scenario, net, cfg["paths"], cfg["seed"], workers)
            for _ in range(cfg["repeats"])]
    work = cfg["paths"] * net.n_nodes * net.n_months
    med = statistics.median(engine)
    row = dict(cfg, nodes=net.n_nodes, months=net.n_months, links=len(net.links),
               engine_seconds=engine, simulate_seconds=full, workers=workers, pool_seconds=pool,
               node_steps_per_s=work / med, simulate_node_steps_per_s=work / statistics.median(full),
               pool_node_steps_per_s=work / statistics.median(pool),
               **numba_engine(net, cfg["paths"], cfg["seed"], cfg["repeats"], med))
    if "numba_skipped" not in row:  # one process per core, one numba thread each
        npool = [pool_seconds(world, scenario, net, cfg["paths"], cfg["seed"], workers, "numba")
                 for _ in range(cfg["repeats"])]
        row.update(numba_pool_seconds=npool,
                   numba_pool_node_steps_per_s=work / statistics.median(npool))
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one small configuration")
    parser.add_argument("--out", default="benchmarks/out/throughput.json")
    args = parser.parse_args(argv)
    configs = [SMOKE] if args.smoke else [SMALL, LARGE]
    rows = [measure(c) for c in configs]
    out = write_json(args.out, dict(machine=machine(), results=rows))
    for r in rows:
        print(f"{r['scenario']}: {r['paths']:>7,} paths x {r['nodes']} nodes x {r['months']} months: "
              f"engine {r['node_steps_per_s']:.3g} node-steps/s "
              f"(median of {r['repeats']}), simulate {r['simulate_node_steps_per_s']:.3g}, "
              f"{r['workers']} worker processes {r['pool_node_steps_per_s']:.3g} "
              f"({r['pool_node_steps_per_s'] / r['node_steps_per_s']:.2f}x one process)")
        if "numba_node_steps_per_s" in r:
            print(f"  numba backend: engine {r['numba_node_steps_per_s']:.3g} node-steps/s "
                  f"({r['numba_over_numpy']:.2f}x numpy, same run), {r['workers']} worker "
                  f"processes {r['numba_pool_node_steps_per_s']:.3g}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
