"""Global sensitivity of a scenario metric to its uncertain inputs (SALib).

Inputs are sampled on the unit cube (the quantile of each input) and mapped through each
input's ``ppf``, so any distribution works. Sobol indices use Saltelli's scheme
(``SALib.sample.sobol``, first and total order); Morris screening uses
``SALib.sample.morris`` with the grid levels placed at the centres of equal-probability strata
(a level of 0 or 1 would map to an infinite value for unbounded distributions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

import supplysim
from supplysim.analysis.experiments import p_any_month_over, run_experiments
from supplysim.analysis.sampling import default_world, uncertain_inputs

__all__ = ["morris_from_function", "morris_screening", "plot_indices", "sobol_from_function",
           "sobol_indices"]

Evaluate = Callable[[pd.DataFrame], np.ndarray]


def _problem(names: Sequence[str], low: float = 0.0, high: float = 1.0) -> dict[str, Any]:
    """A SALib problem on (part of) the unit cube."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[low, high]] * len(names)}


def _map(u: np.ndarray, space: Mapping[str, Any]) -> pd.DataFrame:
    """Unit-cube points to input values through each distribution's ppf."""
    cols = {k: space[k].ppf(u[:, j]) for j, k in enumerate(space)}
    return pd.DataFrame(cols, columns=list(space))


def _check_space(space: Mapping[str, Any]) -> None:
    """Refuse an empty input space."""
    if not space:
        raise ValueError("no uncertain inputs to analyse: every number is fixed")


def sobol_from_function(
    space: Mapping[str, Any], evaluate: Evaluate, n: int = 64, seed: int = 0,
    num_resamples: int = 100,
) -> pd.DataFrame:
    """First and total Sobol indices of ``evaluate`` over independent inputs.

    Parameters
    ----------
    space : mapping of str to Distribution
        Inputs and their distributions.
    evaluate : callable
        Maps a DataFrame of input values (one column per input) to one output per row.
    n : int
        Base sample size (a power of 2); ``n * (d + 2)`` evaluations.
    seed : int
        Seed of the sample and of the bootstrap.
    num_resamples : int
        Bootstrap resamples for the 95 % confidence intervals.

    Returns
    -------
    pandas.DataFrame
        ``input``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` [1]; ``*_conf`` is the half-width
        of the 95 % confidence interval.
    """
    _check_space(space)
    problem = _problem(list(space))
    u = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    y = np.asarray(evaluate(_map(u, space)), dtype=float)
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                conf_level=0.95, print_to_console=False, seed=seed)
    cols = ("S1", "S1_conf", "ST", "ST_conf")
    df = pd.DataFrame({"input": list(space), **{c: np.asarray(res[c], float) for c in cols}})
    df.attrs.update(method="sobol", evaluations=len(y))
    return df


def morris_from_function(
    space: Mapping[str, Any], evaluate: Evaluate, trajectories: int = 10, levels: int = 4,
    seed: int = 0, num_resamples: int = 100,
) -> pd.DataFrame:
    """Morris elementary-effects screening of ``evaluate``.

    Parameters
    ----------
    space : mapping of str to Distribution
        Inputs and their distributions.
    evaluate : callable
        Maps a DataFrame of input values to one output per row.
    trajectories : int
        Morris trajectories; ``trajectories * (d + 1)`` evaluations.
    levels : int
        Grid levels (even), placed at the centres of ``levels`` equal-probability strata.
    seed : int
        Seed of the sample and of the bootstrap.
    num_resamples : int
        Bootstrap resamples for ``mu_star_conf``.

    Returns
    -------
    pandas.DataFrame
        ``input``, ``mu_star``, ``mu_star_conf``, ``sigma``: mean absolute elementary effect,
        half-width of its 95 % CI, and standard deviation of the effects, all in the metric's
        unit per unit of input quantile.
    """
    _check_space(space)
    edge = 0.5 / levels
    problem = _problem(list(space), edge, 1.0 - edge)
    x = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    y = np.asarray(evaluate(_map(x, space)), dtype=float)
    res = morris_analyze.analyze(problem, x, y, num_resamples=num_resamples, conf_level=0.95,
                                 num_levels=levels, seed=seed)
    cols = ("mu_star", "mu_star_conf", "sigma")
    df = pd.DataFrame({"input": list(space), **{c: np.asarray(res[c], float) for c in cols}})
    df.attrs.update(method="morris", evaluations=len(y))
    return df


def _setup(scenario: Any, inputs: Sequence[str] | None, metric: Any) -> tuple[Any, dict, Any]:
    """Scenario object, input space and metric of a scenario analysis."""
    if isinstance(scenario, str):
        scenario = supplysim.load_scenario(scenario, world=default_world())
    known = uncertain_inputs(scenario)
    if inputs is None:
        space = known
    else:
        missing = [p for p in inputs if p not in known]
        if missing:
            raise KeyError(f"not uncertain inputs of {scenario.name}: {missing}; "
                           f"known: {list(known)}")
        space = {p: known[p] for p in inputs}
    return scenario, space, metric if metric is not None else p_any_month_over()


def _evaluator(scenario: Any, metric: Any, runs: int, seed: int) -> Evaluate:
    """Evaluate a metric of the scenario for each row of input values."""

    def evaluate(values: pd.DataFrame) -> np.ndarray:
        return run_experiments(scenario, values, metric, runs=runs, seed=seed)["metric"].to_numpy()

    return evaluate


def _label(df: pd.DataFrame, scenario: Any, metric: Any, runs: int) -> pd.DataFrame:
    """Attach what was analysed to a table of indices."""
    df.attrs.update(scenario=scenario.name, runs=runs,
                    metric=getattr(metric, "label", getattr(metric, "__name__", "metric")),
                    units=getattr(metric, "units", ""))
    return df


def sobol_indices(
    scenario: Any, inputs: Sequence[str] | None = None, metric: Any = None, n: int = 64,
    runs: int = 128, seed: int = 0,
) -> pd.DataFrame:
    """Sobol indices of a scenario metric with respect to uncertain inputs.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario.
    inputs : list of str, optional
        Input paths (default: all of :func:`uncertain_inputs`).
    metric : callable, optional
        ``metric(results) -> float`` (default :func:`p_any_month_over` for Japan).
    n : int
        Base sample size (power of 2); ``n * (d + 2)`` simulations.
    runs : int
        Paths per simulation.
    seed : int
        Seed of the design and, shared by every simulation, of the paths.

    Returns
    -------
    pandas.DataFrame
        See :func:`sobol_from_function`.
    """
    scenario, space, metric = _setup(scenario, inputs, metric)
    df = sobol_from_function(space, _evaluator(scenario, metric, runs, seed), n=n, seed=seed)
    return _label(df, scenario, metric, runs)


def morris_screening(
    scenario: Any, inputs: Sequence[str] | None = None, metric: Any = None,
    trajectories: int = 10, runs: int = 128, seed: int = 0, levels: int = 4,
) -> pd.DataFrame:
    """Morris screening of a scenario metric over uncertain inputs.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario.
    inputs : list of str, optional
        Input paths (default: all of :func:`uncertain_inputs`).
    metric : callable, optional
        ``metric(results) -> float`` (default :func:`p_any_month_over` for Japan).
    trajectories : int
        Morris trajectories; ``trajectories * (d + 1)`` simulations.
    runs : int
        Paths per simulation.
    seed : int
        Seed of the design and of the paths.
    levels : int
        Grid levels.

    Returns
    -------
    pandas.DataFrame
        See :func:`morris_from_function`.
    """
    scenario, space, metric = _setup(scenario, inputs, metric)
    evaluate = _evaluator(scenario, metric, runs, seed)
    df = morris_from_function(space, evaluate, trajectories, levels=levels, seed=seed)
    return _label(df, scenario, metric, runs)


def plot_indices(df: pd.DataFrame, ax: Any = None) -> tuple[Any, Any]:
    """Bar chart of sensitivity indices with 95 % confidence intervals.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`sobol_indices` (bars S1 and ST) or :func:`morris_screening`
        (bars mu_star).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).

    Returns
    -------
    tuple
        ``(fig, ax)``.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(9, 0.5 * len(df) + 3), layout="constrained")
    fig = ax.figure
    sobol = "S1" in df.columns
    bars = [("S1", "first order S1"), ("ST", "total order ST")] if sobol else [
        ("mu_star", "mu*")]
    y = np.arange(len(df))
    height = 0.8 / len(bars)
    for i, (col, label) in enumerate(bars):
        ax.barh(y + (i - (len(bars) - 1) / 2) * height, df[col], height=height,
                xerr=df[f"{col}_conf"], capsize=3, label=label, color=f"C{i}")
    ax.set_yticks(y, [str(v) for v in df["input"]])
    ax.invert_yaxis()
    metric, units = df.attrs.get("metric", "metric"), df.attrs.get("units", "")
    if sobol:
        ax.set_xlabel("share of output variance [1]")
    else:
        ax.set_xlabel(f"mu*: mean |elementary effect| [{units or '-'} per unit input quantile]")
    ax.set_ylabel("uncertain input")
    where = f"{df.attrs['scenario']}: " if "scenario" in df.attrs else ""
    kind = "Sobol indices" if sobol else "Morris screening"
    ax.set_title(f"{where}{kind}\nof {metric} (error bars: 95 % CI)")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig, ax
