"""Peak memory of streamed runs (``simulate(..., store="summary")``) against the number of paths.

Each size runs in a fresh child process on ``china_licensing_2025`` extended to a 10-year
(120-month) horizon, so every peak resident set size (``resource.getrusage``, [MiB]) belongs to
that run alone; the child also reports its resident size before simulating (imports, world,
scenario) and the bytes of the summaries. With ``--tracemalloc`` the children also trace
Python/numpy allocations (slower). The per-path arrays that ``store="paths"`` would keep are
stated for comparison [bytes/path].

With ``--workers N`` the chunks run in N worker processes; the total peak is then bounded by
the parent's peak plus N times the largest worker's.

    python benchmarks/stream_memory.py [--sizes 10000 100000] [--million] [--workers N] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import OUT, horizon_variant, machine, write_json  # noqa: E402

SCENARIO, MONTHS = "china_licensing_2025", 120


def rss_mib() -> float:
    """Peak resident set size of this process so far [MiB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mib() -> float:
    """Resident set size now [MiB]."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


def child(paths: int, months: int, seed: int, chunk: int | None, trace: bool,
          warm: bool = True, workers: int = 1) -> dict:
    """One streamed run in this process; returns its figures."""
    import tracemalloc

    import supplysim

    world = supplysim.load_world()
    scenario = horizon_variant(SCENARIO, months, world)
    if warm:  # one-time costs (first compile, lazy imports) before the RSS baseline
        supplysim.simulate(scenario, runs=256, seed=seed, world=world, store="summary")
    before = current_rss_mib()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    res = supplysim.simulate(scenario, runs=paths, seed=seed, world=world, store="summary",
                             chunk_size=chunk, workers=workers)
    seconds = time.perf_counter() - t0
    # the largest worker process's peak (the workers ended with the run) [MiB]
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0 * (workers > 1)
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    m = res.meta
    per_path = 4 * months * (2 * len(res.ds.region) * len(res.ds.sector) * len(res.ds.material)
                             + res.ds.sizes["flow"] + res.ds.sizes["stockpile"])
    return dict(paths=paths, months=months, nodes=m["nodes"], chunks=m["chunks"],
                seconds=seconds, node_steps_per_s=paths * months * m["nodes"] / seconds,
                rss_before_mib=before, peak_rss_mib=rss_mib(), tracemalloc_peak_mib=traced,
                workers=workers, worker_peak_rss_mib=worker_peak,
                total_peak_bound_mib=rss_mib() + workers * worker_peak,
                summary_mib=m["summary_bytes"] / 2**20, paths_store_bytes_per_path=per_path,
                mean_unmet_world_t=float(res.expected_unmet(by=()).mean_t.iloc[0]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="add 1,000,000 paths")
    parser.add_argument("--months", type=int, default=MONTHS)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 12 months")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (bound on the total: parent + workers x largest)")
    parser.add_argument("--out", default=str(OUT / "stream_memory.json"))
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.months, args.seed, args.chunk_size,
                               args.tracemalloc, warm=not args.smoke, workers=args.workers)))
        return 0
    sizes = [256, 512] if args.smoke else list(args.sizes) + ([1_000_000] if args.million else [])
    months = 6 if args.smoke else args.months
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--months", str(months),
               "--seed", str(args.seed)]
        cmd += ["--chunk-size", str(args.chunk_size)] if args.chunk_size else []
        cmd += ["--tracemalloc"] if args.tracemalloc else []
        cmd += ["--workers", str(args.workers)]
        cmd += ["--smoke"] if args.smoke else []
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{n:>9,} paths x {months} months: {row['seconds']:8.1f} s, "
              f"{row['node_steps_per_s']:.3g} node-steps/s, peak RSS {row['peak_rss_mib']:.0f} MiB "
              f"(before run {row['rss_before_mib']:.0f} MiB, "
              f"with {row['workers']} worker(s) at most {row['total_peak_bound_mib']:.0f} MiB, "
              f"summaries {row['summary_mib']:.0f} MiB)",
              flush=True)
    report = dict(machine=machine(), scenario=SCENARIO, months=months, store="summary",
                  results=rows,
                  peak_rss_growth_mib=rows[-1]["peak_rss_mib"] - rows[0]["peak_rss_mib"])
    print(f"peak RSS growth from {sizes[0]:,} to {sizes[-1]:,} paths: "
          f"{report['peak_rss_growth_mib']:.0f} MiB")
    print(f"wrote {write_json(args.out, report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
