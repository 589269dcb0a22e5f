"""Calibrate the price rule jointly on the 2010-2011 crisis and the 2025 export licensing.

Runs ``scenarios/rare_earth_crisis_2010.yaml``, ``china_licensing_2025`` and ``baseline_2024``
(as a guard) for a grid of the price-rule parameters ``price_cover_gain``,
``price_unmet_gain``, ``price_unmet_half`` and ``price_reversion``, then refines the best point
with Nelder-Mead on their logarithms. Every run uses the same seed (common random numbers).
The model side is the median index over paths (the typical path) relative to its first month.

Loss (squared log errors unless said; weights in brackets):

* 2010-2011, ex-China, ``policy_and_crisis_2010`` (G5) [O69][O70][O72]: peaks of about 22x
  for NdPr and 30x for Dy [1 each], peak month against July 2011 in half-years [1 each], Dy in
  July 2013 at about 1/7 of its peak [0.5];
* 2025, May-December mean of the log index: ex-China Dy about 3.2x (Argus 6 May 2025,
  700-1,000 from 250-310 USD/kg [O79]; Benchmark July 2025, 800 USD/kg [O80]) [1], ex-China Tb
  about 3.3x (2,000-4,000 from 930-1,000 [O79]; 3,625 [O80]) [0.5], ex-China NdPr equal to
  China's [O80] [1], China Dy flat (1.68-1.70 M CNY/t in April 2025 [S73]) [0.5]; China NdPr in
  July 2025 about 1.2x (about 60 against 49 USD/kg in Dec 2024 [S13][S68]) [0.5];
* no median index above ``CAP`` = 10x over the 2025 horizon: squared log excess [4];
* drift of the baseline prices over 24 months [1].

Usage::

    python scripts/calibrate_prices.py            # grid + refinement, prints the table
    python scripts/calibrate_prices.py --write    # also stores the result in market.csv

The values in ``src/supplysim/data/world_2024/market.csv`` come from this script (the 24-point
grid below and ``--refine 12`` Nelder-Mead steps; 64 paths, about 7 minutes on two cores). The
fit is in-sample; ``notebooks/08_price_crisis_2010.ipynb`` reports it beside the record.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

import supplysim
from supplysim.model.world import World

MARKET_CSV = Path(__file__).parents[1] / "src" / "supplysim" / "data" / "world_2024" / "market.csv"
NAMES = ("price_cover_gain", "price_unmet_gain", "price_unmet_half", "price_reversion")
#: Observed record (ex-China, international prices) [O70][O72][O69].
OBSERVED = {"NdPr": 22.0, "Dy": 30.0}
PEAK_MONTH = pd.Timestamp("2011-07-01")
DY_LATER = ("2013-07-01", 30.0 / 7.0)  # Dy about 1/7 of its peak in mid-2013 [O72]
#: 2025: (market, element) -> (observed multiple of the 2024 level, weight); see the docstring.
OBSERVED_2025 = {("ex_china", "Dy"): (3.2, 1.0), ("ex_china", "Tb"): (3.3, 0.5),
                 ("china", "Dy"): (1.0, 0.5)}
MONTHS_2025 = slice("2025-05-01", "2025-12-01")
CHINA_NDPR_JUL_2025 = 1.2  # about 60 against 49 USD/kg [S13][S68]
CAP = 10.0
RUNS, SEED = 64, 2010
GRID = {"price_cover_gain": (0.04, 0.15), "price_unmet_gain": (0.5, 1.0, 2.0),
        "price_unmet_half": (0.05, 0.2), "price_reversion": (0.2, 0.5)}


def with_rule(world: World, values: dict) -> World:
    """A copy of ``world`` whose market table holds ``values``."""
    market = world.tables["market"].copy()
    for k, v in values.items():
        market.loc[k, "value"] = float(v)
    return World(tables={**world.tables, "market": market}, schema=world.schema, name=world.name)


def relative_index(res, market: str = "ex_china", stat: str = "median") -> pd.DataFrame:
    """Median (or mean) index of ``market`` over paths relative to its first month [1]."""
    p = getattr(res.ds["price_usd_per_kg"].sel(market=market), stat)("path")
    rel = p / p.isel(month=0)
    return pd.DataFrame(rel.values, index=pd.DatetimeIndex(rel["month"].values),
                        columns=[str(e) for e in rel["element"].values])


def figures_2025(res) -> dict:
    """May-December 2025 mean multiples, ex-China NdPr over China's and the horizon's top [1]."""
    rel = {m: relative_index(res, m) for m in ("china", "ex_china")}
    mean = lambda m, e: float(np.exp(np.log(rel[m].loc[MONTHS_2025, e]).mean()))
    out = {f"{m}_{e}_2025": mean(m, e) for m, e in OBSERVED_2025}
    out["NdPr_ex_over_china_2025"] = float(np.exp(np.log(
        rel["ex_china"].loc[MONTHS_2025, "NdPr"] / rel["china"].loc[MONTHS_2025, "NdPr"]).mean()))
    out["china_NdPr_2025_07"] = float(rel["china"].loc["2025-07-01", "NdPr"])
    out["top_2025"] = float(max(r.to_numpy().max() for r in rel.values()))
    return out


def fit_figures(world: World, values: dict, runs: int = RUNS, seed: int = SEED) -> dict:
    """Figures of both episodes and the baseline drift for one parameter set."""
    w = with_rule(world, values)
    crisis = relative_index(supplysim.simulate("rare_earth_crisis_2010", runs=runs, seed=seed, world=w))
    licensing = supplysim.simulate("china_licensing_2025", runs=runs, seed=seed, world=w)
    base = supplysim.simulate("baseline_2024", runs=runs, seed=seed, world=w)
    drift = np.log(base.ds["price_usd_per_kg"].median("path").isel(month=-1)
                   / base.ds["price_usd_per_kg"].median("path").isel(month=0)).values
    out = {"baseline_max_abs_log_drift": float(np.abs(drift).max())}
    for e in OBSERVED:
        out[f"{e}_peak"] = float(crisis[e].max())
        out[f"{e}_peak_month"] = crisis[e].idxmax()
    out["Dy_2013_07"] = float(crisis.loc[DY_LATER[0], "Dy"])
    return {**out, **figures_2025(licensing)}


def loss(fig: dict) -> float:
    """Weighted squared log errors of both episodes (see the module docstring)."""
    sq = lambda model, observed: (np.log(model) - np.log(observed)) ** 2
    err = sum(sq(fig[f"{e}_peak"], v) for e, v in OBSERVED.items())
    for e in OBSERVED:
        months = (fig[f"{e}_peak_month"] - PEAK_MONTH).days / 30.44
        err += (months / 6.0) ** 2
    err += 0.5 * sq(fig["Dy_2013_07"], DY_LATER[1])
    err += sum(w * sq(fig[f"{m}_{e}_2025"], v) for (m, e), (v, w) in OBSERVED_2025.items())
    err += sq(fig["NdPr_ex_over_china_2025"], 1.0)
    err += 0.5 * sq(fig["china_NdPr_2025_07"], CHINA_NDPR_JUL_2025)
    err += 4.0 * max(np.log(fig["top_2025"]) - np.log(CAP), 0.0) ** 2
    return float(err + fig["baseline_max_abs_log_drift"] ** 2)


def calibrate(world: World, refine: int = 12, verbose: bool = True) -> tuple[dict, pd.DataFrame]:
    """Grid search, then Nelder-Mead on log parameters; returns the best values and all trials."""
    trials = []

    def evaluate(values: dict) -> float:
        fig = fit_figures(world, values)
        trials.append({**values, **fig, "loss": loss(fig)})
        if verbose:
            print({k: round(float(v), 4) for k, v in values.items()}, round(trials[-1]["loss"], 4))
        return trials[-1]["loss"]

    for combo in itertools.product(*GRID.values()):
        evaluate(dict(zip(NAMES, combo)))
    best = min(trials, key=lambda r: r["loss"])
    x0 = np.log([best[k] for k in NAMES])
    if refine:
        optimize.minimize(lambda x: evaluate(dict(zip(NAMES, np.exp(x)))), x0,
                          method="Nelder-Mead", options={"maxfev": refine, "xatol": 0.05, "fatol": 1e-3})
    table = pd.DataFrame(trials).sort_values("loss")
    return {k: float(table.iloc[0][k]) for k in NAMES}, table


def write(values: dict, path: Path = MARKET_CSV) -> None:
    """Store the calibrated values in ``market.csv`` with a note naming this script."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("id", drop=False)
    for k, v in values.items():
        frame.loc[k, "value"] = f"{v:.4g}"
        note = frame.loc[k, "note"]
        note = note.split(" | ", 1)[-1] if " | " in note else note.split(": ", 1)[-1]
        frame.loc[k, "note"] = ("CALIBRATED by scripts/calibrate_prices.py jointly on the 2010-2011 "
                                "crisis and the 2025 licensing (median paths of rare_earth_crisis_2010 and "
                                f"china_licensing_2025, {RUNS} paths, seed {SEED}) | {note}")
    frame.to_csv(path, index=False)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the result in market.csv")
    ap.add_argument("--refine", type=int, default=12, help="Nelder-Mead evaluations after the grid")
    args = ap.parse_args(argv)
    world = supplysim.load_world()
    values, table = calibrate(world, args.refine)
    print(table.head(10).to_string())
    print("best:", values)
    if args.write:
        write(values)


if __name__ == "__main__":
    main()
