"""Uncertain inputs of a scenario: list them, fix them, sample them.

An input is addressed by a dotted path into the scenario's plain data
(:meth:`Scenario.to_dict`), with policies addressed by name instead of position::

    policies.mofcom_no18.approval_prob      # [1]
    policies.mofcom_no18.review_delay_days  # [d]
    demand_growth.ev_motors                 # [fraction/yr]
    horizon.months                          # [months]

The unit of each input is the unit of its field (see the field name suffix).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from scipy.stats import qmc

from supplysim.scenario import Distribution, Scenario, parse_scenario

__all__ = ["METHODS", "get_value", "sample_inputs", "uncertain_inputs", "with_values"]

METHODS = ("lhs", "sobol", "mc")
#: Uniform variates are kept this far from 0 and 1 so that unbounded ppfs stay finite [1].
U_EPS = 1e-12


@lru_cache(maxsize=1)
def default_world() -> Any:
    """The embedded 2024 world, loaded once per process."""
    from supplysim import load_world

    return load_world()


def _vocab() -> Any:
    """Vocabulary of the default world."""
    return default_world().vocabulary()


# -- addressing -------------------------------------------------------------------------
def _split(path: str) -> list[str]:
    """Split a dotted path; refuse empty parts."""
    parts = str(path).split(".")
    if not all(parts):
        raise KeyError(f"bad input path {path!r}: empty part")
    return parts


def _policy_index(policies: list[dict[str, Any]], name: str, path: str) -> int:
    """Position of the policy called ``name``."""
    for i, policy in enumerate(policies):
        if policy.get("name") == name:
            return i
    known = ", ".join(str(p.get("name")) for p in policies) or "(none)"
    raise KeyError(f"input {path!r}: no policy named {name!r}; policies: {known}")


def _parent(data: dict[str, Any], path: str) -> tuple[Any, Any]:
    """The container holding the last part of ``path`` in plain data, and that key."""
    parts = _split(path)
    node: Any = data
    i = 0
    while i < len(parts) - 1:
        part = parts[i]
        if part == "policies" and node is data:
            node = node["policies"][_policy_index(node["policies"], parts[i + 1], path)]
            i += 2
            continue
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"input {path!r}: no field {part!r}")
        node, i = node[part], i + 1
    if i == len(parts) or not isinstance(node, dict):
        raise KeyError(f"input {path!r} does not name a field")
    return node, parts[-1]


def get_value(scenario: Scenario, path: str) -> Any:
    """The plain value at ``path`` (a number, or a distribution mapping).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    path : str
        Dotted input path, e.g. ``"policies.mofcom_no18.approval_prob"``.

    Returns
    -------
    Any
        As in :meth:`Scenario.to_dict`; units of the field.
    """
    node, key = _parent(scenario.to_dict(), path)
    if key not in node:
        raise KeyError(f"input {path!r}: no field {key!r}")
    return node[key]


def _plain(value: Any) -> Any:
    """Numpy scalars and distribution objects as plain YAML-safe data."""
    if hasattr(value, "to_data"):
        return value.to_data()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def with_values(scenario: Scenario, values: Mapping[str, Any], name: str | None = None) -> Scenario:
    """A copy of ``scenario`` with the numbers at the given paths replaced.

    The copy is built by editing :meth:`Scenario.to_dict` and validating the result with
    :func:`supplysim.scenario.parse_scenario` against the default world's vocabulary, so it
    is a validated :class:`Scenario` (a bad value raises :class:`~supplysim.ScenarioError`).

    Parameters
    ----------
    scenario : Scenario
        The scenario to copy.
    values : mapping of str to Any
        ``{path: value}``; a value is a number (fixed), a distribution mapping, or any plain
        data the field accepts, in the unit of the field.
    name : str, optional
        Name of the copy (default: the scenario's name).

    Returns
    -------
    Scenario
        The validated copy; ``lineage`` and ``file`` are those of ``scenario``.
    """
    data = copy.deepcopy(scenario.to_dict())
    for path, value in values.items():
        node, key = _parent(data, path)
        node[key] = _plain(value)
    if name is not None:
        data["name"] = name
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    out = parse_scenario(text, _vocab(), file=f"<{data['name']}>")
    return out.model_copy(update={"lineage": scenario.lineage, "file": scenario.file})


# -- uncertain inputs -------------------------------------------------------------------
def _as_dist(value: Any) -> Any:
    """A distribution object from a plain mapping."""
    from pydantic import TypeAdapter

    return TypeAdapter(Distribution).validate_python(value)


def uncertain_inputs(scenario: Scenario) -> dict[str, Any]:
    """Every number of ``scenario`` that is a distribution (not fixed).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    dict of str to Distribution
        ``{path: distribution}`` in file order; values in the unit of each field.
    """
    data = scenario.to_dict()
    out: dict[str, Any] = {}
    for sector, value in data["demand_growth"].items():
        if _is_dist(value):
            out[f"demand_growth.{sector}"] = _as_dist(value)
    for policy in data["policies"]:
        for key, value in policy.items():
            if _is_dist(value):
                out[f"policies.{policy['name']}.{key}"] = _as_dist(value)
    return out


def _is_dist(value: Any) -> bool:
    """Whether plain data is a non-fixed distribution mapping."""
    return isinstance(value, dict) and value.get("dist") not in (None, "fixed")


# -- sampling ---------------------------------------------------------------------------
def unit_samples(d: int, n: int, method: str = "lhs", seed: int | None = 0) -> np.ndarray:
    """``n`` points in the unit cube ``[0, 1)^d``.

    Parameters
    ----------
    d : int
        Dimensions.
    n : int
        Points.
    method : {"lhs", "sobol", "mc"}
        Latin hypercube, scrambled Sobol (the first ``n`` points of a base-2 sequence), or
        plain Monte Carlo.
    seed : int or None
        Seed of the generator.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, d)``, values in (0, 1) [1].
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; available: {', '.join(METHODS)}")
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and at least one input, got n={n}, d={d}")
    if method == "lhs":
        u = qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)
    elif method == "sobol":
        engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
        u = engine.random_base2(max(0, math.ceil(math.log2(n))))[:n]
    else:
        u = np.random.default_rng(seed).random((n, d))
    return np.clip(u, U_EPS, 1.0 - U_EPS)


def spearman_to_pearson(rank_corr: np.ndarray) -> np.ndarray:
    """Pearson correlation of a Gaussian copula with the given Spearman correlation.

    Parameters
    ----------
    rank_corr : numpy.ndarray
        Spearman correlation matrix [1].

    Returns
    -------
    numpy.ndarray
        ``2 sin(pi r / 6)``, element-wise [1].
    """
    return 2.0 * np.sin(np.pi * np.asarray(rank_corr, dtype=float) / 6.0)


def correlate(u: np.ndarray, rank_corr: np.ndarray) -> np.ndarray:
    """Impose a rank correlation on independent uniforms through a Gaussian copula.

    Parameters
    ----------
    u : numpy.ndarray
        Independent uniforms, shape ``(n, d)`` [1].
    rank_corr : numpy.ndarray
        Target Spearman correlation, shape ``(d, d)``, symmetric with unit diagonal [1].

    Returns
    -------
    numpy.ndarray
        Correlated uniforms, same shape [1]. Latin hypercube strata are not kept.
    """
    r = np.asarray(rank_corr, dtype=float)
    d = u.shape[1]
    if r.shape != (d, d) or not np.allclose(r, r.T) or not np.allclose(np.diag(r), 1.0):
        raise ValueError(f"rank_corr must be a symmetric {d}x{d} matrix with unit diagonal")
    try:
        chol = np.linalg.cholesky(spearman_to_pearson(r))
    except np.linalg.LinAlgError:
        raise ValueError("rank_corr is not positive definite") from None
    z = stats.norm.ppf(u) @ chol.T
    return np.clip(stats.norm.cdf(z), U_EPS, 1.0 - U_EPS)


def sample_inputs(
    space: Mapping[str, Any],
    n: int,
    method: str = "lhs",
    seed: int | None = 0,
    rank_corr: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sample the inputs of ``space`` jointly.

    Unit-cube points (:func:`unit_samples`) are optionally correlated with a Gaussian
    copula (:func:`correlate`), then each column goes through its distribution's ``ppf``.

    Parameters
    ----------
    space : mapping of str to Distribution
        ``{path: distribution}``, e.g. from :func:`uncertain_inputs`.
    n : int
        Number of samples.
    method : {"lhs", "sobol", "mc"}
        Unit-cube design.
    seed : int or None
        Seed; the same seed gives the same table.
    rank_corr : pandas.DataFrame, optional
        Spearman correlation between paths (index and columns are paths; missing pairs 0).

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, one column per path, values in the unit of each field.
    """
    names = list(space)
    u = unit_samples(len(names), n, method, seed)
    if rank_corr is not None:
        r = rank_corr.reindex(index=names, columns=names).fillna(0.0).to_numpy(float, copy=True)
        np.fill_diagonal(r, 1.0)
        u = correlate(u, r)
    cols = {name: space[name].ppf(u[:, j]) for j, name in enumerate(names)}
    return pd.DataFrame(cols, columns=names)
