"""The ``"cuda"`` backend on an NVIDIA GPU: agreement with numpy, throughput, where time goes.

1. Agreement: every bundled scenario, ``--agree-paths`` paths over its whole horizon on the
   ``"numpy"`` and ``"cuda"`` backends (``--numba``: numba too) with the same seed, each pair
   compared: for each output, the largest difference relative to the output's largest value,
   and the share of values equal bit for bit; for the mean unmet demand of each region and
   month, the largest difference in standard errors (:func:`compare`).
2. Throughput: ``china_licensing_2025`` (36 nodes) over 36 months, balance guard off, in chunks
   of the backend's default size; node-steps/s (paths x nodes x months / s) of the whole chunk
   loop and of the month kernel alone, the other parts beside them, and the numpy backend
   (``--numba``: numba too) on the same machine's CPU in the same run. One run with the guard
   on gives its cost; the kernel is also timed with other thread-block sizes.

    cd benchmarks && python gpu.py [--quick] [--numba] [--out out/gpu.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

import supplysim
from supplysim.engines.balance import BalanceLog
from supplysim.engines.layout import Layout
from supplysim.errors import ExperimentalWarning
from supplysim.network import compile_network
from supplysim.parallel.chunks import chunk_plan, new_outputs
from supplysim.run import run_chunk
from supplysim.seeding import root_seed

from common import OUT, horizon_variant, machine, write_json

SEED = 20250404


def gpu_info() -> dict:
    """The GPU numba uses, numba's versions and the GPU's memory."""
    import numba
    from numba import cuda
    from numba.core import config

    info = dict(numba=numba.__version__, numba_cuda=getattr(cuda, "implementation", "?"))
    if config.ENABLE_CUDASIM:
        return dict(info, gpu="numba's CUDA simulator")
    dev = cuda.get_current_device()
    free, total = cuda.current_context().get_memory_info()
    return dict(info, gpu=dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name),
                compute_capability=list(dev.compute_capability),
                gpu_memory_gib=total / 2**30, gpu_free_gib=free / 2**30)


def contraction_off() -> None:
    """Compile the GPU kernels without fused multiply-adds (libNVVM ``-fma=0``; numba's CUDA
    target has no switch for it), so that they round as the CPU does."""
    from numba.cuda.cudadrv import nvvm

    compile_ir = nvvm.compile_ir
    nvvm.compile_ir = lambda irs, **options: compile_ir(irs, **{"fma": False, **options})


def agreement(paths: int, names: list[str], backends: tuple[str, ...]) -> dict:
    """Per scenario of ``names``: each pair of ``backends`` compared (see :func:`compare`)."""
    world, out = supplysim.load_world(), {}
    for name in names:
        net = compile_network(world, supplysim.load_scenario(name))
        lay, root = Layout.of(net), root_seed(SEED)
        runs = {b: run_chunk(net, root, 0, paths, BalanceLog(net), lay, backend=b)
                for b in backends}
        regions = region_matrix(net)
        out[name] = {}
        for i, a in enumerate(backends):
            for b in backends[i + 1:]:
                row = out[name][f"{b}_vs_{a}"] = compare(runs[a], runs[b], regions)
                print(f"{name:28s} {b} vs {a}: largest relative difference "
                      f"{max(row['max_rel_diff'].values()):.2e}, equal values "
                      f"{min(row['equal_share'].values()):.4f}, largest z "
                      f"{row['max_z_region_month']:.2e}", flush=True)
    return out


def compare(a: dict, b: dict, regions: np.ndarray) -> dict:
    """Outputs ``b`` against ``a``: per output, the largest difference relative to the largest
    value and the share of values equal bit for bit; the largest difference of the mean unmet
    demand of a region and month, in standard errors of the two means taken as independent
    (lenient: the runs share their random numbers, which makes the difference's true standard
    error smaller)."""
    rel, equal = {}, {}
    for key, x in a.items():
        if x.size:
            diff, scale = float(np.abs(x - b[key].astype(float)).max()), float(np.abs(x).max())
            rel[key] = diff / scale if scale > 0 else diff
            equal[key] = float(np.mean(x == b[key]))
    ua, ub = (r["unmet_t"].astype(float) @ regions for r in (a, b))
    se = np.sqrt((ua.var(0, ddof=1) + ub.var(0, ddof=1)) / len(ua))
    diff = np.abs(ua.mean(0) - ub.mean(0))
    z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff > 0, np.inf, 0.0))
    return dict(max_rel_diff=rel, equal_share=equal, max_z_region_month=float(z.max()))


def region_matrix(net) -> np.ndarray:
    """(demand lines, regions) 0/1: the region of each demand line."""
    region = np.asarray(net.demand.region)
    return (region[:, None] == np.unique(region)[None, :]).astype(float)


def chunk_loop(net, paths: int, backend: str, guard: bool = False, timings=None) -> float:
    """Seconds of all chunks of ``paths`` paths on ``backend`` (the backend's default chunk);
    ``timings`` collects the cuda backend's laps."""
    from supplysim.engines.fused.gpu import run_chunk_gpu

    lay, root = Layout.of(net), root_seed(SEED)
    t0 = time.perf_counter()
    for first, n in chunk_plan(paths, None, len(net.links), backend):
        log = BalanceLog(net) if guard else None
        if backend == "cuda":
            run_chunk_gpu(net, root, first, n, lay, net.n_months, log,
                          new_outputs(net, lay, n, net.n_months), timings)
        else:
            run_chunk(net, root, first, n, log, lay, backend=backend)
    return time.perf_counter() - t0


def throughput(sizes: list[int], cpu_paths: int, repeats: int) -> dict:
    """node-steps/s of the cuda backend at ``sizes`` paths and of the numpy backend at
    ``cpu_paths``, same process (see module doc)."""
    net = _net()
    steps = net.n_nodes * net.n_months
    warm: dict = {}
    t0 = time.perf_counter()
    chunk_loop(net, 128, "cuda", timings=warm)
    out = dict(nodes=net.n_nodes, months=net.n_months, first_call_s=time.perf_counter() - t0,
               first_call_laps=warm, cuda={}, cpu={})
    print(f"first call (compiles the kernels): {out['first_call_s']:.1f} s", flush=True)
    for paths in sizes:
        runs = []
        for _ in range(repeats if paths == sizes[0] else 1):
            laps: dict = {}
            runs.append((chunk_loop(net, paths, "cuda", timings=laps), laps))
        sec, laps = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        guard = chunk_loop(net, paths, "cuda", guard=True) if paths == sizes[0] else None
        row = dict(seconds=[r[0] for r in runs], laps=laps, node_steps_per_s=paths * steps / sec,
                   kernel_node_steps_per_s=paths * steps / laps["kernel"],
                   seconds_with_guard=guard)
        out["cuda"][paths] = row
        print(f"cuda {paths:>9,} paths: {sec:.2f} s, {row['node_steps_per_s']:.3g} node-steps/s;"
              f" kernel {laps['kernel']:.3f} s, {row['kernel_node_steps_per_s']:.3g};"
              f" laps {', '.join(f'{k} {v:.2f}' for k, v in laps.items())}"
              + (f"; with guard {guard:.2f} s" if guard else ""), flush=True)
    out["cpu"]["numpy"] = cpu_row(net, "numpy", cpu_paths, repeats)
    first = out["cuda"][sizes[0]]
    out["cuda_over_numpy"] = first["node_steps_per_s"] / out["cpu"]["numpy"]["node_steps_per_s"]
    return out


def _net():
    """``china_licensing_2025`` cut to 36 months, compiled on the default world."""
    return compile_network(supplysim.load_world(), horizon_variant("china_licensing_2025", 36))


def cpu_row(net, backend: str, paths: int, repeats: int) -> dict:
    """Median seconds and node-steps/s of a CPU backend (numba: after a compiling run)."""
    if backend == "numba":
        chunk_loop(net, 256, "numba")
    sec = statistics.median(chunk_loop(net, paths, backend) for _ in range(repeats))
    rate = paths * net.n_nodes * net.n_months / sec
    print(f"{backend} {paths:,} paths: {sec:.2f} s, {rate:.3g} node-steps/s", flush=True)
    return dict(paths=paths, seconds=sec, node_steps_per_s=rate)


def block_sizes(paths: int, months: int, threads: list[int]) -> dict:
    """Seconds of the month kernel alone over ``months`` months by GPU threads per block."""
    from supplysim.engines.fused import gpu

    net, out, default = _net(), {}, gpu.THREADS
    lay, root = Layout.of(net), root_seed(SEED)
    try:
        for th in threads:
            gpu.THREADS, laps = th, {}
            gpu.run_chunk_gpu(net, root, 0, paths, lay, months, None,
                              new_outputs(net, lay, paths, months), laps)
            out[th] = laps["kernel"]
            print(f"{th} threads per block: kernel {laps['kernel']:.3f} s "
                  f"({paths * net.n_nodes * months / laps['kernel']:.3g} node-steps/s)",
                  flush=True)
    finally:
        gpu.THREADS = default
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a first look")
    ap.add_argument("--numba", action="store_true",
                    help="the numba backend too: timed last, and in the agreement")
    ap.add_argument("--agree-paths", type=int, default=512)
    ap.add_argument("--sizes", type=int, nargs="+", default=[65536, 262144])
    ap.add_argument("--cpu-paths", type=int, default=4096)
    ap.add_argument("--threads", type=int, nargs="*", default=[64, 128, 256],
                    help="threads per block to time the kernel with (12 months)")
    ap.add_argument("--scenarios", nargs="+", help="for the agreement (default: all bundled)")
    ap.add_argument("--no-fma", action="store_true",
                    help="compile without fused multiply-adds; run the agreement only")
    ap.add_argument("--out", type=Path, default=OUT / "gpu.json")
    args = ap.parse_args()
    warnings.simplefilter("ignore", ExperimentalWarning)  # what this script measures
    names = args.scenarios or [name for name, _ in supplysim.list_scenarios()]
    agree = ("numpy", "numba", "cuda") if args.numba else ("numpy", "cuda")
    if args.no_fma:
        contraction_off()
        report = dict(machine=machine(), **gpu_info(), fma=False)
        report["agreement"] = agreement(args.agree_paths, names, agree)
        print(f"wrote {write_json(args.out, report)}")
        return
    sizes = [4096, 16384] if args.quick else args.sizes
    report = dict(machine=machine(), **gpu_info())
    print(report, flush=True)
    report["throughput"] = throughput(sizes, 1024 if args.quick else args.cpu_paths, 3)
    write_json(args.out, report)
    if args.threads:
        report["kernel_seconds_by_threads"] = block_sizes(sizes[0], 12, args.threads)
    report["agreement"] = agreement(256 if args.quick else args.agree_paths, names, agree)
    write_json(args.out, report)
    if args.numba:
        tp = report["throughput"]
        tp["cpu"]["numba"] = cpu_row(_net(), "numba", tp["cpu"]["numpy"]["paths"], 3)
        tp["cuda_over_numba"] = (tp["cuda"][sizes[0]]["node_steps_per_s"]
                                 / tp["cpu"]["numba"]["node_steps_per_s"])
    print(f"wrote {write_json(args.out, report)}")


if __name__ == "__main__":
    main()
