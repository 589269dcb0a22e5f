"""Scaling of the vector engine in paths, network size and months; DES cost; fused reference.

All runs use the default world under ``china_licensing_2025`` (export licensing from April
2025, capacity projects, stockpile policies, demand growth: every policy type of the bundled
scenario is active in the timed months). Seconds are those of the engine loop over all chunks
(``run_chunk``, balance guard off; compilation and labelling excluded), the median of
``--repeats`` runs; node-steps/s = paths x nodes x months / seconds. Peak memory is the
``tracemalloc`` peak of one more, untimed run of the same loop [MiB].

- paths: 1e3, 1e4, 1e5 (``--million`` adds 1e6) on 36 months;
- network: the world replicated k = 1, 2, 4, 8 times (``replicate.py``) at ``--net-paths``;
- months: 12, 24, 60, 120 at ``--net-paths``;
- all policies: ``allied_capacity`` (licensing, eight capacity projects, the world's
  stockpiles with their release triggers) at ``--net-paths``;
- DES: seconds per path of the discrete-event engine and the vector/DES ratio per path
  (``bench_des.measure``, 60 months), measured in the same run;
- fused: the engine's node-steps/s as a fraction of ``fused_reference.py`` (numba), measured
  in the same run; skipped with a note when numba is not installed.

Writes JSON and a PNG of the scaling curves.

    python benchmarks/scaling.py [--smoke] [--million] [--out benchmarks/out/scaling.json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


import supplysim  # noqa: E402
from supplysim.network import compile_network  # noqa: E402

from common import OUT, horizon_variant, machine, write_json  # noqa: E402
from replicate import replicate_world  # noqa: E402
from throughput import engine_seconds  # noqa: E402

SCENARIO = "china_licensing_2025"
#: The bundled scenario with the most policy types (licensing and capacity projects).
ALL_POLICIES = "allied_capacity"
FULL = dict(paths=[1_000, 10_000, 100_000], ks=[1, 2, 4, 8], months=[12, 24, 60, 120],
            net_paths=2_048, repeats=3, des_paths=50, des_vector_paths=2_048, des_months=60,
            fused_paths=10_000)
SMOKE = dict(paths=[256, 512], ks=[1, 2], months=[6, 12], net_paths=256, repeats=1,
             des_paths=1, des_vector_paths=256, des_months=6, fused_paths=256)


def point(net, paths: int, repeats: int, seed: int = 2025, memory: bool = True,
          months: int | None = None) -> dict:
    """Median engine seconds of one configuration, node-steps/s and traced peak memory, over
    the first ``months`` months of ``net`` (default: its whole horizon, so one compiled horizon
    serves every point of the months sweep)."""
    months = months or net.n_months
    times = [engine_seconds(net, paths, seed, months) for _ in range(repeats)]
    med = statistics.median(times)
    row = dict(paths=paths, nodes=net.n_nodes, links=len(net.links), months=months,
               seconds=times, median_s=med,
               node_steps_per_s=paths * net.n_nodes * months / med)
    if memory:
        tracemalloc.start()
        engine_seconds(net, paths, seed, months)
        row["peak_traced_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return row


def policies(scenario) -> list[str]:
    """Policy types of a scenario."""
    return sorted({type(p).__name__ for p in scenario.policies})


def fused(paths: int, months: int, repeats: int) -> dict:
    """The fused reference and the engine on the same paths and months, or a skip note."""
    try:
        import fused_reference
    except ImportError as exc:
        print(f"note: fused reference skipped ({exc}); pip install numba to run it")
        return {"skipped": f"numba not installed ({exc})"}
    return fused_reference.measure(paths, months, repeats)


def plot(report: dict, path: Path) -> Path:
    """Three log-log panels of engine seconds against paths, nodes and months."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(13, 4.2), layout="constrained")
    axes = fig.subplots(1, 3)
    p0, n0 = report["paths"][0], report["network"][0]
    panels = [("paths", "paths", "Paths [1]", f"{p0['months']} months, {p0['nodes']} nodes"),
              ("network", "nodes", "Nodes [1] (world replicated k times)",
               f"{n0['paths']:,} paths, {n0['months']} months"),
              ("months", "months", "Months [1]", f"{report['config']['net_paths']:,} paths")]
    for ax, (key, x, label, note) in zip(axes, panels):
        rows = report[key]
        xs = [r[x] for r in rows]
        ys = [r["median_s"] for r in rows]
        ax.loglog(xs, ys, "o-", label="engine (median)")
        ax.loglog(xs, [ys[0] * v / xs[0] for v in xs], "--", color="0.5", label="linear from first")
        for xv, r in zip(xs, rows):
            ax.annotate(f"{r['node_steps_per_s']:.2g}/s", (xv, r["median_s"]), fontsize=7,
                        textcoords="offset points", xytext=(4, -10))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(label)
        ax.set_ylabel("Engine time [s]")
        ax.set_title(f"Cost vs {x} ({note})", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(f"Vector engine scaling, {SCENARIO}; labels: node-steps/s "
                 f"({report['machine']['cpus']} CPUs, {report['machine']['utc']})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 paths")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["paths", "network", "months", "policies", "des", "fused"])
    parser.add_argument("--no-memory", action="store_true", help="skip the traced runs")
    parser.add_argument("--paths", type=int, nargs="+", default=None, help="paths sweep sizes")
    parser.add_argument("--net-paths", type=int, default=None,
                        help="paths of the network, months and policies points")
    parser.add_argument("--large-repeats", type=int, default=None,
                        help="repeats for 100,000 paths and more (default: --repeats)")
    parser.add_argument("--memory-max-paths", type=int, default=100_000,
                        help="traced memory runs only up to this many paths")
    parser.add_argument("--out", default=str(OUT / "scaling.json"))
    args = parser.parse_args(argv)
    cfg = dict(SMOKE if args.smoke else FULL)
    if args.million and not args.smoke:
        cfg["paths"] = cfg["paths"] + [1_000_000]
    if args.repeats:
        cfg["repeats"] = args.repeats
    if args.paths:
        cfg["paths"] = args.paths + ([1_000_000] if args.million else [])
    if args.net_paths:
        cfg["net_paths"] = args.net_paths
    cfg["large_repeats"] = args.large_repeats or cfg["repeats"]
    memory = not args.no_memory
    world = supplysim.load_world()
    scenario = supplysim.load_scenario(SCENARIO, world)
    if args.smoke:
        scenario = horizon_variant(SCENARIO, 12, world)
    net = compile_network(world, scenario)
    report = dict(machine=machine(), scenario=SCENARIO, policies=policies(scenario), config=cfg,
                  paths=[], network=[], months=[])
    t0 = time.perf_counter()
    engine_seconds(net, 256, 1)  # warm caches
    if "paths" not in args.skip:
        for n in cfg["paths"]:
            reps = cfg["large_repeats"] if n >= 100_000 else cfg["repeats"]
            report["paths"].append(point(net, n, reps,
                                         memory=memory and n <= args.memory_max_paths))
            _show("paths", report["paths"][-1])
            write_json(args.out, report)
    if "network" not in args.skip:
        for k in cfg["ks"]:
            if k == 1:
                net_k = net
            else:
                wk = replicate_world(world, k)
                sk = supplysim.load_scenario(SCENARIO, wk) if not args.smoke else \
                    horizon_variant(SCENARIO, 12, wk)
                net_k = compile_network(wk, sk)
            row = point(net_k, cfg["net_paths"], cfg["repeats"], memory=memory)
            report["network"].append(dict(row, k=k))
            _show(f"k={k}", row)
            write_json(args.out, report)
    if "months" not in args.skip:
        longest = max(cfg["months"])
        long = net if longest == net.n_months else compile_network(
            world, horizon_variant(SCENARIO, longest, world))
        for m in cfg["months"]:
            row = point(long, cfg["net_paths"], cfg["repeats"], memory=memory, months=m)
            report["months"].append(row)
            _show("months", row)
            write_json(args.out, report)
    if "policies" not in args.skip:  # licensing, capacity projects and world stockpiles
        sp = supplysim.load_scenario(ALL_POLICIES, world)
        net_sp = compile_network(world, sp)
        row = point(net_sp, cfg["net_paths"], cfg["repeats"], memory=memory)
        report["all_policies"] = dict(row, scenario=ALL_POLICIES, policies=policies(sp),
                                      stockpiles=len(net_sp.stockpiles),
                                      projects=len(net_sp.projects))
        _show("allied", row)
        write_json(args.out, report)
    if "des" not in args.skip:
        from bench_des import measure

        report["des"] = measure(cfg["des_paths"], cfg["des_vector_paths"], cfg["des_months"])
        print(f"DES {report['des']['des_seconds_per_path']:.3g} s/path, vector "
              f"{report['des']['vector_seconds_per_path']:.3g} s/path: vector/DES "
              f"{report['des']['vector_over_des_speed']:.0f}x")
    if "fused" not in args.skip:
        report["fused"] = fused(cfg["fused_paths"], 36 if not args.smoke else 12,
                                cfg["repeats"])
        if "fraction_of_fused" in report["fused"]:
            print(f"engine / fused reference: {report['fused']['fraction_of_fused']:.3g}")
    report["total_seconds"] = time.perf_counter() - t0
    out = write_json(args.out, report)
    if report["paths"] and report["network"] and report["months"]:
        print(f"wrote {plot(report, out.with_suffix('.png'))}")
    print(f"wrote {out}")
    return 0


def _show(label: str, r: dict) -> None:
    mem = f", peak {r['peak_traced_mib']:.0f} MiB" if "peak_traced_mib" in r else ""
    print(f"{label:>7}: {r['paths']:>9,} paths x {r['nodes']:>3} nodes x {r['months']:>3} months "
          f"{r['median_s']:8.2f} s  {r['node_steps_per_s']:.3g} node-steps/s{mem}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
