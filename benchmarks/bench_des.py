"""Cost of the discrete-event engine per path, and its ratio to the vector engine's.

Both engines run the default world under china_licensing_2025 extended to a 5-year horizon
(``horizon: {months: 60}``) in the same process: the DES on ``--des-paths`` paths, the vector
engine on ``--vector-paths``. Seconds are those of ``supplysim.simulate`` (compilation and
labelling included), medians of ``--repeats`` calls (each call's seconds in the JSON). The
vector engine is timed on both backends where numba is installed (the numba backend after a
warm-up call that compiles it or loads it from the cache). Prints the figures and writes JSON.

    python benchmarks/bench_des.py [--des-paths 100] [--vector-paths 10000] [--repeats 1] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import supplysim

from common import OUT, horizon_variant, machine, write_json


def timed(scenario, runs: int, engine: str, backend: str = "numpy", repeats: int = 1
          ) -> list[float]:
    """Seconds of each of ``repeats`` ``simulate`` calls [s]."""
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        supplysim.simulate(scenario, runs=runs, seed=1, engine=engine, backend=backend)
        seconds.append(time.perf_counter() - t0)
    return seconds


def numba_vector(scenario, vector_paths: int, per_des: float, repeats: int = 1) -> dict:
    """Seconds per path of the vector engine on the numba backend (median) and its speed over
    the DES per path, or a skip note without numba."""
    try:
        timed(scenario, 256, "vector", "numba")  # compile, or load the cached code
    except ImportError as exc:
        return {"numba_skipped": str(exc)}
    runs = timed(scenario, vector_paths, "vector", "numba", repeats)
    per = statistics.median(runs) / vector_paths
    return dict(numba_vector_runs=runs, numba_vector_seconds_per_path=per,
                numba_vector_over_des_speed=per_des / per)


def measure(des_paths: int = 100, vector_paths: int = 10_000, months: int = 60,
            repeats: int = 1) -> dict:
    """DES seconds per path and the vector/DES speed ratio per path, measured together
    (medians of ``repeats`` calls of each)."""
    scenario = horizon_variant("china_licensing_2025", months)
    supplysim.simulate(scenario, runs=1, seed=1, engine="des")  # warm imports and caches
    des_runs = timed(scenario, des_paths, "des", repeats=repeats)
    vec_runs = timed(scenario, vector_paths, "vector", repeats=repeats)
    des_s, vec_s = statistics.median(des_runs), statistics.median(vec_runs)
    per_des, per_vec = des_s / des_paths, vec_s / vector_paths
    return dict(scenario=scenario.name, months=scenario.horizon.months, repeats=repeats,
                des_paths=des_paths, des_seconds=des_s, des_runs=des_runs,
                des_seconds_per_path=per_des, vector_paths=vector_paths, vector_seconds=vec_s,
                vector_runs=vec_runs, vector_seconds_per_path=per_vec,
                vector_over_des_speed=per_des / per_vec, des_100_paths_seconds=100 * per_des,
                cpus=os.cpu_count(), python=platform.python_version(),
                **numba_vector(scenario, vector_paths, per_des, repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--des-paths", type=int, default=100)
    parser.add_argument("--vector-paths", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1, help="calls of each, median taken")
    parser.add_argument("--out", default=str(OUT / "bench_des.json"))
    args = parser.parse_args()
    out = measure(args.des_paths, args.vector_paths, repeats=args.repeats)
    per_des, per_vec = out["des_seconds_per_path"], out["vector_seconds_per_path"]
    for key, value in out.items():
        if isinstance(value, list):
            value = "[" + ", ".join(f"{v:.4g}" for v in value) + "]"
        print(f"{key:>26}: {value:.4g}" if isinstance(value, float) else f"{key:>26}: {value}")
    fastest = max(per_des / per_vec, out.get("numba_vector_over_des_speed", 0.0))
    target = dict(vector_1000x=fastest >= 1000, des_100_paths_under_60s=100 * per_des < 60)
    print(f"{'targets met':>26}: {target}")
    out["targets_met"] = target
    out["machine"] = machine()
    write_json(args.out, out)


if __name__ == "__main__":
    main()
