"""A fused reference: one hand-written loop of the monthly step, compiled with numba.

It runs the core of the vector engine's month on the default world's compiled arrays
(``china_licensing_2025``'s network and per-path parameters as ``init_state`` samples them),
one path per iteration of a ``numba.prange`` loop with the whole state in that path's own
small arrays:

1. shipments due arrive from a lead-time ring buffer;
2. capacity with a random outage per node, lines planned up to their output cover target from
   last month's orders, scaled to node capacity, limited by the scarcest input, converted with
   recipe ratios and yields;
3. consumer slots order up to cover (stock + in transit) over the adjustment time;
4. suppliers allocate stock pro rata over the links that order from them; shipments enter the
   pipeline at their link's lead time;
5. demand lines draw on their slot's stock, pro rata; unmet demand and shipments per link are
   written out per path and month (float32), as the engine writes its records.

Left out (the engine has them): licences, bans, quotas, stockpile triggers and replenishment,
re-sourcing, priority classes, projects, growth, the balance guard. So this is a ceiling for
what the machine does with this network's step, not a second engine. It reports node-steps/s
of itself and of the engine (``run_chunk`` loop) on the same paths and months, in the same
process, and the engine's fraction of it, on the numpy and on the numba backend. Needs
``numba`` (``pip install -e .[bench]``).

    python benchmarks/fused_reference.py [--paths 10000] [--months 36] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import numba  # noqa: E402
from numba import njit, prange  # noqa: E402

import supplysim  # noqa: E402
from supplysim.engines.layout import Layout  # noqa: E402
from supplysim.engines.vector import init_state  # noqa: E402
from supplysim.network import compile_network  # noqa: E402
from supplysim.seeding import Streams, root_seed  # noqa: E402

from common import OUT, horizon_variant, machine, write_json  # noqa: E402

SCENARIO = "china_licensing_2025"


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): positions of ``keys`` sorted by key, and each key's start."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    starts = np.zeros(n + 1, np.int64)
    np.add.at(starts, keys + 1, 1)
    return order, np.cumsum(starts)


@njit(cache=True)
def _uniform(state: np.ndarray) -> float:
    """xorshift64* uniform in [0, 1); ``state`` is a 1-element uint64 array."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return float((x * np.uint64(2685821657736338717)) >> np.uint64(11)) / 9007199254740992.0


@njit(parallel=True, cache=True)
def fused_run(T, cap, out_prob, out_loss, cover, in_ratio, out_yield, demand, stock0, use,
              line_node, op_slot, op_start, op_order, ip_slot, ip_start, ip_order,
              link_src, link_dst, link_lag, share, by_src_start, by_src_order,
              d_slot, out_slot_mask, consumer_mask, adjust, H, seed, unmet_out, sent_out):
    """Simulate ``cap.shape[0]`` paths for ``T`` months; fills ``unmet_out`` and ``sent_out``."""
    P, N = cap.shape
    S, L, NL, D = stock0.shape[1], link_src.shape[0], line_node.shape[0], d_slot.shape[0]
    for p in prange(P):
        stock = stock0[p].copy()
        pipe = np.zeros((H, L))
        transit = np.zeros(S)
        demanded = use * out_slot_mask
        capn = np.empty(N)
        act = np.empty(NL)
        node_act = np.empty(N)
        order = np.empty(S)
        asked = np.empty(S)
        link_order = np.empty(L)
        slot_dem = np.empty(S)
        rng = np.empty(1, np.uint64)
        rng[0] = np.uint64(seed * 1000003 + p + 1) * np.uint64(0x9E3779B97F4A7C15) | np.uint64(1)
        for t in range(T):
            h = t % H
            for l in range(L):  # 1. arrivals
                a = pipe[h, l]
                if a != 0.0:
                    stock[link_dst[l]] += a
                    transit[link_dst[l]] -= a
                    pipe[h, l] = 0.0
            for n in range(N):  # 2. capacity with outages
                c = cap[p, n]
                if _uniform(rng) < out_prob[p, n]:
                    c *= 1.0 - out_loss[p, n]
                capn[n] = c
                node_act[n] = 0.0
            for j in range(NL):  # plan lines from last month's orders
                need = 0.0
                for k in range(op_start[j], op_start[j + 1]):
                    q = op_order[k]
                    s = op_slot[q]
                    gap = demanded[s] + (demanded[s] * cover[p, s] - stock[s]) / adjust
                    need = max(need, max(gap, 0.0) / max(out_yield[p, q], 1e-300))
                act[j] = need
                node_act[line_node[j]] += need
            for j in range(NL):  # capacity, then the scarcest input
                n = line_node[j]
                if node_act[n] > capn[n]:
                    act[j] *= capn[n] / node_act[n]
                fill = 1.0
                for k in range(ip_start[j], ip_start[j + 1]):
                    q = ip_order[k]
                    want = act[j] * in_ratio[p, q]
                    if want > 0.0:
                        fill = min(fill, max(stock[ip_slot[q]], 0.0) / want)
                done = act[j] * fill
                for k in range(ip_start[j], ip_start[j + 1]):
                    q = ip_order[k]
                    stock[ip_slot[q]] -= done * in_ratio[p, q]
                for k in range(op_start[j], op_start[j + 1]):
                    q = op_order[k]
                    stock[op_slot[q]] += done * out_yield[p, q]
            for s in range(S):  # 3. consumers order up to cover
                slot_dem[s] = 0.0
                asked[s] = 0.0
            for d in range(D):
                slot_dem[d_slot[d]] += demand[p, d]
            for s in range(S):
                u = use[s] if consumer_mask[s] else 0.0
                gap = u * cover[p, s] - stock[s] - transit[s]
                order[s] = max(u + gap / adjust, 0.0) if consumer_mask[s] else 0.0
            for l in range(L):
                link_order[l] = order[link_dst[l]] * share[l]
            for s in range(S):  # 4. pro-rata allocation at each supplier, then ship
                if by_src_start[s + 1] == by_src_start[s]:
                    continue
                total = 0.0
                for k in range(by_src_start[s], by_src_start[s + 1]):
                    total += link_order[by_src_order[k]]
                asked[s] = total
                avail = max(stock[s], 0.0) if out_slot_mask[s] else 0.0
                ratio = 1.0 if total <= avail else (avail / total if total > 0.0 else 0.0)
                for k in range(by_src_start[s], by_src_start[s + 1]):
                    l = by_src_order[k]
                    x = link_order[l] * ratio
                    stock[s] -= x
                    pipe[(t + link_lag[l]) % H, l] += x
                    transit[link_dst[l]] += x
                    sent_out[p, t, l] = x
            for s in range(S):
                demanded[s] = asked[s]
            for d in range(D):  # 5. demand service, pro rata within a slot
                s = d_slot[d]
                avail = max(stock[s], 0.0)
                ratio = 1.0 if slot_dem[s] <= avail else avail / slot_dem[s]
                unmet_out[p, t, d] = demand[p, d] * (1.0 - ratio)
            for d in range(D):
                s = d_slot[d]
                avail = max(stock[s], 0.0)
                stock[s] -= min(avail, slot_dem[s])
                slot_dem[s] = 0.0


def arrays(net, paths: int, seed: int = 1) -> dict:
    """The kernel's inputs: the network's index arrays and per-path parameters."""
    lay = Layout.of(net)
    state, pp = init_state(net, lay, paths, Streams(root_seed(seed), 0, paths))
    v = {k: np.ascontiguousarray(a) for k, a in pp.values.items()}
    op_order, op_start = _csr(lay.op_line, lay.n_lines)
    ip_order, ip_start = _csr(lay.ip_line, lay.n_lines)
    src_order, src_start = _csr(lay.link_src, lay.n_slots)
    lag = np.maximum(np.ceil(lay.lead_months), 1).astype(np.int64)
    return dict(cap=v["capacity_t_per_month"], out_prob=v["outage_prob"],
                out_loss=v["outage_loss"], cover=v["cover_months"], in_ratio=v["in_ratio"],
                out_yield=v["out_yield"], demand=v["demand_t_per_month"],
                stock0=np.ascontiguousarray(state.stock_t),
                use=net.slots.baseline_use_t.to_numpy(float),
                line_node=lay.line_node.astype(np.int64), op_slot=lay.op_slot.astype(np.int64),
                op_start=op_start, op_order=op_order, ip_slot=lay.ip_slot.astype(np.int64),
                ip_start=ip_start, ip_order=ip_order, link_src=lay.link_src.astype(np.int64),
                link_dst=lay.link_dst.astype(np.int64), link_lag=lag, share=lay.share,
                by_src_start=src_start, by_src_order=src_order,
                d_slot=lay.d_slot.astype(np.int64),
                out_slot_mask=lay.out_slot.astype(np.float64),
                consumer_mask=lay.consumer.astype(np.bool_),
                adjust=float(net.order_adjust_months), H=int(lag.max()) + 1)


def fused_seconds(a: dict, T: int, seed: int = 1) -> tuple[float, np.ndarray]:
    """Seconds of one fused run (outputs allocated inside, as the engine's are)."""
    P, L, D = a["cap"].shape[0], a["link_src"].shape[0], a["d_slot"].shape[0]
    t0 = time.perf_counter()
    unmet = np.zeros((P, T, D), np.float32)
    sent = np.zeros((P, T, L), np.float32)
    fused_run(T, seed=seed, unmet_out=unmet, sent_out=sent, **a)
    return time.perf_counter() - t0, unmet


def measure(paths: int = 10_000, months: int = 36, repeats: int = 3) -> dict:
    """Fused and engine node-steps/s on the same network, paths and months (medians)."""
    from throughput import engine_seconds, pool_seconds

    world = supplysim.load_world()
    scenario = horizon_variant(SCENARIO, months, world) if months != 36 else \
        supplysim.load_scenario(SCENARIO, world)
    net = compile_network(world, scenario)
    a = arrays(net, paths)
    small = arrays(net, 64)
    fused_seconds(small, 2)  # compile
    fused = [fused_seconds(a, net.n_months)[0] for _ in range(repeats)]
    _, unmet = fused_seconds(a, net.n_months)
    engine = [engine_seconds(net, paths, 2025) for _ in range(repeats)]
    engine_seconds(net, 256, 2025, 1, "numba")  # compile, or load the cached code
    compiled = [engine_seconds(net, paths, 2025, backend="numba") for _ in range(repeats)]
    workers = numba.get_num_threads()
    pool = [pool_seconds(world, scenario, net, paths, 2025, workers) for _ in range(repeats)]
    work = paths * net.n_nodes * net.n_months
    f, e = work / statistics.median(fused), work / statistics.median(engine)
    e_all = work / statistics.median(pool)
    c = work / statistics.median(compiled)
    return dict(paths=paths, months=net.n_months, nodes=net.n_nodes, links=len(net.links),
                repeats=repeats, numba=numba.__version__, threads=numba.get_num_threads(),
                fused_seconds=fused, engine_seconds=engine, pool_seconds=pool,
                numba_engine_seconds=compiled, numba_node_steps_per_s=c,
                numba_fraction_of_fused=c / f,
                fused_node_steps_per_s=f, engine_node_steps_per_s=e, fraction_of_fused=e / f,
                engine_workers_node_steps_per_s=e_all, workers_fraction_of_fused=e_all / f,
                fused_mean_unmet_share=float(unmet.sum() / (a["demand"].sum() * net.n_months)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="512 paths, 12 months, 1 repeat")
    parser.add_argument("--out", default=str(OUT / "fused_reference.json"))
    args = parser.parse_args(argv)
    if args.smoke:
        args.paths, args.months, args.repeats = 512, 12, 1
    row = measure(args.paths, args.months, args.repeats)
    report = dict(machine=machine(), scenario=SCENARIO, results=row)
    print(f"{row['paths']:,} paths x {row['nodes']} nodes x {row['months']} months, "
          f"{row['threads']} threads: fused {row['fused_node_steps_per_s']:.3g} node-steps/s, "
          f"engine {row['engine_node_steps_per_s']:.3g} in one process "
          f"({row['fraction_of_fused']:.3g} of the fused reference), "
          f"{row['engine_workers_node_steps_per_s']:.3g} in {row['threads']} processes "
          f"({row['workers_fraction_of_fused']:.3g} of it); numba backend "
          f"{row['numba_node_steps_per_s']:.3g} ({row['numba_fraction_of_fused']:.3g} of it)")
    print(f"wrote {write_json(args.out, report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
