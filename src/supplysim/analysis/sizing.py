"""Size a strategic stockpile: the smallest initial holding that keeps shortage odds low.

The stockpile is added to the scenario as a policy named ``sizing_stock`` (replacing one of
that name), and the search runs every candidate size with the same seed (common random
numbers), so the probability is a smooth, nearly monotone function of size. The size found is
then checked on a fresh seed with more paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import supplysim
from supplysim.analysis.experiments import p_any_month_over, simulate_with
from supplysim.analysis.sampling import default_world, with_values

__all__ = ["POLICY_NAME", "SizingResult", "size_stockpile", "stockpile_scenario", "wilson"]

POLICY_NAME = "sizing_stock"
RELEASE_TRIGGER = 0.05  # unmet share of the holder's demand that triggers releases [1]
DEFAULT_MAX_T = 100_000.0  # largest size tried by default [t]
MIN_T = 1.0  # smallest non-zero size tried [t]
REL_TOL = 0.1  # the search stops when the bracket is narrower than 10 % [1]


def wilson(k: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default).

    Parameters
    ----------
    k : float
        Successes (paths with a shortage).
    n : int
        Trials (paths).
    z : float
        Normal quantile of the confidence level.

    Returns
    -------
    tuple of float
        ``(lo, hi)`` [1].
    """
    if n <= 0:
        raise ValueError(f"need n > 0, got {n}")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def stockpile_scenario(scenario: Any, holder: str, material: str, initial_t: float,
                       release_t_per_month: float | None = None) -> Any:
    """``scenario`` with the ``sizing_stock`` policy set to ``initial_t``.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    holder : str
        Holding country.
    material : str
        Stocked material, e.g. ``"oxide_Dy"``.
    initial_t : float
        Holding at the start [t]; the target is the same.
    release_t_per_month : float, optional
        Largest release [t/month] (default ``initial_t / 6``).

    Returns
    -------
    Scenario
        A validated copy.
    """
    release = initial_t / 6.0 if release_t_per_month is None else release_t_per_month
    policy = {"type": "stockpile", "name": POLICY_NAME, "holder": holder, "material": material,
              "initial_t": float(initial_t), "release_trigger_share": RELEASE_TRIGGER,
              "release_t_per_month": float(release)}
    policies = [p for p in scenario.to_dict()["policies"] if p["name"] != POLICY_NAME]
    return with_values(scenario, {"policies": [*policies, policy]})


@dataclass
class SizingResult:
    """Outcome of :func:`size_stockpile`.

    Attributes
    ----------
    feasible : bool
        Whether some size up to ``max_t`` meets the target at the search seed.
    size_t : float or None
        Smallest size found [t]; None when infeasible.
    prob : float
        Probability at ``size_t`` (at ``max_t`` when infeasible) at the search seed [1].
    confirmed_prob, confirmed_lo, confirmed_hi : float or None
        Probability at ``size_t`` on the confirmation seed and its Wilson 95 % CI [1].
    evaluations : pandas.DataFrame
        Every size tried at the search seed: ``size_t`` [t], ``prob`` [1].
    settings : dict
        The arguments of the search.
    """

    feasible: bool
    size_t: float | None
    prob: float
    confirmed_prob: float | None
    confirmed_lo: float | None
    confirmed_hi: float | None
    evaluations: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    curve: pd.DataFrame | None = None

    def __str__(self) -> str:
        s = self.settings
        what = f"{s['holder']} {s['material']} stockpile"
        goal = (f"P(any of {s['months']} months with unmet share > {s['threshold']:.0%} in "
                f"{s['region']}) < {s['target']:.1%}")
        if not self.feasible:
            return (f"{what}: infeasible, {goal} not reached even at {s['max_t']:,.0f} t "
                    f"(P = {self.prob:.1%})")
        return (f"{what}: {self.size_t:,.1f} t for {goal}; P = {self.prob:.1%} at the search seed"
                f", confirmed {self.confirmed_prob:.1%} (95 % CI {self.confirmed_lo:.1%}-"
                f"{self.confirmed_hi:.1%}, {s['confirm_runs']} paths)")

    def _prob(self, size_t: float, runs: int, seed: Any) -> float:
        """Probability at one size."""
        s = self.settings
        scenario = stockpile_scenario(s["scenario"], s["holder"], s["material"], size_t,
                                      s["release_t_per_month"])
        return s["metric"](simulate_with(scenario, runs, seed))

    def cost_curve(self, sizes: Any = None) -> pd.DataFrame:
        """Shortage probability against stockpile size at the search seed.

        Parameters
        ----------
        sizes : sequence of float, optional
            Sizes [t]; default: the sizes tried by the search (no new runs).

        Returns
        -------
        pandas.DataFrame
            ``size_t`` [t], ``prob``, ``lo``, ``hi`` (Wilson 95 % CI) [1], sorted by size.
        """
        runs, seed = self.settings["runs"], self.settings["seed"]
        if sizes is None:
            df = self.evaluations[["size_t", "prob"]].copy()
        else:
            values = [float(x) for x in sizes]
            df = pd.DataFrame({"size_t": values,
                               "prob": [self._prob(x, runs, seed) for x in values]})
        df = df.drop_duplicates("size_t").sort_values("size_t").reset_index(drop=True)
        ci = [wilson(p * runs, runs) for p in df["prob"]]
        df["lo"], df["hi"] = [c[0] for c in ci], [c[1] for c in ci]
        df.attrs["units"] = {"size_t": "t", "prob": "1", "lo": "1", "hi": "1"}
        self.curve = df
        return df

    def plot_cost_curve(self, ax: Any = None) -> tuple[Any, Any]:
        """Probability against size with Wilson bands, the target and the size found.

        Uses the last :meth:`cost_curve` (or the sizes tried by the search).

        Returns
        -------
        tuple
            ``(fig, ax)``.
        """
        df = self.curve if self.curve is not None else self.cost_curve()
        s = self.settings
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        x = df["size_t"].clip(lower=MIN_T / 2)
        ax.fill_between(x, df["lo"], df["hi"], alpha=0.25, color="C0", label="Wilson 95 % CI")
        ax.plot(x, df["prob"], "o-", color="C0", label=f"probability ({s['runs']} paths)")
        ax.axhline(s["target"], color="C3", ls="--", label=f"target {s['target']:.0%}")
        if self.feasible and self.size_t:
            ax.axvline(self.size_t, color="C2", ls=":", label=f"size found {self.size_t:,.0f} t")
        ax.set_xscale("log")
        ax.set_xlabel(f"initial stockpile of {s['material']} held by {s['holder']} [t] (log)")
        ax.set_ylabel(f"P(any month unmet > {s['threshold']:.0%}) [1]")
        ax.set_title(f"{s['scenario'].name}: stockpile size vs shortage odds, "
                     f"{s['region']}, first {s['months']} months")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="upper right")
        ax.grid(alpha=0.3)
        return ax.figure, ax


def _search(prob_at: Any, target: float, max_t: float, tol: float) -> tuple[float | None, float]:
    """Smallest size in {0} U [MIN_T, max_t] with probability < target (log bisection)."""
    p0 = prob_at(0.0)
    if p0 < target:
        return 0.0, p0
    p_hi = prob_at(max_t)
    if p_hi >= target:
        return None, p_hi
    if max_t <= MIN_T:
        return max_t, p_hi
    lo, hi = MIN_T, max_t
    p_lo = prob_at(lo)
    if p_lo < target:
        return lo, p_lo
    while hi / lo > 1.0 + tol:
        mid = math.sqrt(lo * hi)
        p_mid = prob_at(mid)
        if p_mid < target:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    return hi, p_hi


def size_stockpile(
    scenario: Any, holder: str, material: str, target: float = 0.05, threshold: float = 0.1,
    months: int = 24, region: str | None = None, release_t_per_month: float | None = None,
    runs: int = 512, seed: int = 0, confirm_runs: int = 2000, confirm_seed: int | None = None,
    max_t: float | None = None, demand_material: str | None = None,
) -> SizingResult:
    """Smallest initial stockpile keeping the probability of a shortage month below ``target``.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario.
    holder : str
        Holding country.
    material : str
        Stocked material, e.g. ``"oxide_Dy"`` or ``"magnet_hre"``.
    target : float
        Largest acceptable probability [1].
    threshold : float
        Unmet share of demand that makes a month a shortage month [1].
    months : int
        Months from the horizon start that count [months].
    region : str, optional
        Demand region whose shortage counts (default: ``holder``).
    release_t_per_month : float, optional
        Largest release [t/month] (default: a sixth of the size).
    runs : int
        Paths per search step.
    seed : int
        Seed of every search step (common random numbers).
    confirm_runs : int
        Paths of the confirmation run.
    confirm_seed : int, optional
        Seed of the confirmation run (default ``seed + 1``).
    max_t : float, optional
        Largest size tried [t] (default 100,000 t).
    demand_material : str, optional
        Only this demand material of the region counts (default: all its materials).

    Returns
    -------
    SizingResult
        With ``feasible=False`` (and no size) when even ``max_t`` misses the target.
    """
    if isinstance(scenario, str):
        scenario = supplysim.load_scenario(scenario, world=default_world())
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target}")
    region = region or holder
    max_t = float(DEFAULT_MAX_T if max_t is None else max_t)
    metric = p_any_month_over(threshold, region, demand_material, months)
    settings = {"scenario": scenario, "holder": holder, "material": material, "target": target,
                "threshold": threshold, "months": months, "region": region, "runs": runs,
                "seed": seed, "release_t_per_month": release_t_per_month, "max_t": max_t,
                "metric": metric, "confirm_runs": confirm_runs,
                "demand_material": demand_material}
    result = SizingResult(False, None, float("nan"), None, None, None, pd.DataFrame(), settings)
    tried: dict[float, float] = {}

    def prob_at(size_t: float) -> float:
        tried[size_t] = result._prob(size_t, runs, seed)
        return tried[size_t]

    size, prob = _search(prob_at, target, max_t, REL_TOL)
    result.evaluations = pd.DataFrame({"size_t": list(tried), "prob": list(tried.values())})
    result.feasible, result.size_t, result.prob = size is not None, size, prob
    if size is not None:
        cseed = seed + 1 if confirm_seed is None else confirm_seed
        p = result._prob(size, confirm_runs, cseed)
        result.confirmed_prob = p
        result.confirmed_lo, result.confirmed_hi = wilson(p * confirm_runs, confirm_runs)
        settings["confirm_seed"] = cseed
    return result
