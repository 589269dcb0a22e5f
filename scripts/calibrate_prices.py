"""Calibrate the price rule on the 2010-2011 rare-earth crisis.

Runs ``scenarios/rare_earth_crisis_2010.yaml`` (and ``baseline_2024`` as a guard) for a grid of
the price-rule parameters ``price_cover_gain``, ``price_unmet_gain`` and ``price_reversion``,
then refines the best point with Nelder-Mead on their logarithms. Every run uses the same seed
(common random numbers). The loss compares the ex-China index of the model (median over paths,
the typical path, relative to its first month; the mean is dominated by the few paths that
reach the bound of the index) with the observed record of
``policy_and_crisis_2010`` (G5): peak multiples of about 22x for Nd and 30x for Dy in mid-2011
(July 2011), and Dy back to about 1/7 of its peak two years later; it also penalises drift of
the baseline prices over 24 months.

Usage::

    python scripts/calibrate_prices.py            # grid + refinement, prints the table
    python scripts/calibrate_prices.py --write    # also stores the result in market.csv

The values in ``src/supplysim/data/world_2024/market.csv`` come from this script (48 grid points
and 20 Nelder-Mead steps, ``--refine 20``: about 15-20 minutes on two cores). The fit is
in-sample; ``notebooks/08_price_crisis_2010.ipynb`` reports it beside the record.
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
NAMES = ("price_cover_gain", "price_unmet_gain", "price_reversion")
#: Observed record (ex-China, international prices) [O70][O72][O69].
OBSERVED = {"NdPr": 22.0, "Dy": 30.0}
PEAK_MONTH = pd.Timestamp("2011-07-01")
DY_LATER = ("2013-07-01", 30.0 / 7.0)  # Dy about 1/7 of its peak in mid-2013 [O72]
RUNS, SEED = 64, 2010
GRID = {"price_cover_gain": (0.05, 0.1, 0.2, 0.4), "price_unmet_gain": (1.0, 2.0, 4.0, 8.0),
        "price_reversion": (0.02, 0.05, 0.1)}


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


def fit_figures(world: World, values: dict, runs: int = RUNS, seed: int = SEED) -> dict:
    """Peak multiples, peak months and the baseline drift for one parameter set."""
    w = with_rule(world, values)
    crisis = relative_index(supplysim.simulate("rare_earth_crisis_2010", runs=runs, seed=seed, world=w))
    base = supplysim.simulate("baseline_2024", runs=runs, seed=seed, world=w)
    drift = np.log(base.ds["price_usd_per_kg"].median("path").isel(month=-1)
                   / base.ds["price_usd_per_kg"].median("path").isel(month=0)).values
    out = {"baseline_max_abs_log_drift": float(np.abs(drift).max())}
    for e in OBSERVED:
        out[f"{e}_peak"] = float(crisis[e].max())
        out[f"{e}_peak_month"] = crisis[e].idxmax()
    out["Dy_2013_07"] = float(crisis.loc[DY_LATER[0], "Dy"])
    return out


def loss(fig: dict) -> float:
    """Squared log errors of peaks and Dy's later level, timing in half-years, baseline drift."""
    err = sum((np.log(fig[f"{e}_peak"]) - np.log(v)) ** 2 for e, v in OBSERVED.items())
    for e in OBSERVED:
        months = (fig[f"{e}_peak_month"] - PEAK_MONTH).days / 30.44
        err += (months / 6.0) ** 2
    err += 0.5 * (np.log(fig["Dy_2013_07"]) - np.log(DY_LATER[1])) ** 2
    return float(err + fig["baseline_max_abs_log_drift"] ** 2)


def calibrate(world: World, refine: int = 25, verbose: bool = True) -> tuple[dict, pd.DataFrame]:
    """Grid search, then Nelder-Mead on log parameters; returns the best values and all trials."""
    trials = []

    def evaluate(values: dict) -> float:
        fig = fit_figures(world, values)
        trials.append({**values, **fig, "loss": loss(fig)})
        if verbose:
            print({k: round(v, 4) for k, v in values.items()}, round(trials[-1]["loss"], 4))
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
        frame.loc[k, "note"] = ("CALIBRATED by scripts/calibrate_prices.py on the 2010-2011 crisis "
                                f"(median path of rare_earth_crisis_2010, {RUNS} paths, seed {SEED}) | {note}")
    frame.to_csv(path, index=False)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the result in market.csv")
    ap.add_argument("--refine", type=int, default=25, help="Nelder-Mead evaluations after the grid")
    args = ap.parse_args(argv)
    world = supplysim.load_world()
    values, table = calibrate(world, args.refine)
    print(table.head(10).to_string())
    print("best:", values)
    if args.write:
        write(values)


if __name__ == "__main__":
    main()
