"""Named parameter arrays whose entries may be uncertain, sampled per path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats


@dataclass
class ParamTable:
    """Point values of named parameter vectors, and a distribution for uncertain entries.

    Each uncertain entry takes one column of the uniform matrix given to :meth:`sample`, in the
    order the entries were declared, so the draws of a path depend on the network alone.
    Entries declared with ``stream="rules"`` (parameters of origin and technology rules) take
    their columns from a second matrix, so adding such a rule leaves the other draws unchanged.
    Entries declared with ``stream="levers"`` (policy levers such as contract volumes) take
    columns of a third matrix drawn from their own stream, so adding a lever to a scenario
    leaves the draws of every other parameter unchanged (common random numbers).
    """

    values: dict[str, np.ndarray] = field(default_factory=dict)
    uncertain: list[tuple[str, int, Any]] = field(default_factory=list)
    frozen: bool = False
    uncertain_rules: list[tuple[str, int, Any]] = field(default_factory=list)
    levers: list[tuple[str, int, Any]] = field(default_factory=list)

    def add(self, name: str, values, dists: dict[int, Any] | None = None,
            stream: str = "sampling") -> None:
        """Declare vector ``name`` with point ``values`` and optional ``{index: dist}``."""
        if self.frozen or name in self.values:
            raise ValueError(f"parameter {name!r} already declared or table frozen")
        self.values[name] = np.asarray(values, dtype=float).copy()
        for i, dist in sorted((dists or {}).items()):
            self.set_dist(name, i, dist, stream)

    def set_dist(self, name: str, index: int, dist: Any, stream: str = "sampling") -> None:
        """Make entry ``index`` of ``name`` uncertain (``dist`` has ``ppf`` and ``mean``)."""
        if dist is None or _is_fixed(dist):
            if dist is not None:
                self.values[name][index] = float(dist.mean())
            return
        self.values[name][index] = float(dist.mean())
        target = {"rules": self.uncertain_rules, "levers": self.levers}.get(stream, self.uncertain)
        target.append((name, index, dist))

    def freeze(self) -> ParamTable:
        """Return a read-only copy."""
        for v in self.values.values():
            v.setflags(write=False)
        return ParamTable(self.values, list(self.uncertain), frozen=True,
                          uncertain_rules=list(self.uncertain_rules), levers=list(self.levers))

    @property
    def n_uncertain(self) -> int:
        """Number of uncertain entries (columns of the uniform matrix)."""
        return len(self.uncertain)

    @property
    def n_uncertain_rules(self) -> int:
        """Number of uncertain entries of origin and technology rules (second matrix)."""
        return len(self.uncertain_rules)

    def sample(self, u: np.ndarray, u_rules: np.ndarray | None = None,
               u_levers: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-path values: a ``(paths, K)`` array per name from uniforms ``u (paths, n_uncertain)``.

        ``u_rules (paths, n_uncertain_rules)`` gives the draws of rule parameters;
        lever entries take ``u_levers (paths, len(levers))``, without it they keep their means.
        """
        n = u.shape[0]
        out = {k: np.broadcast_to(v, (n, v.size)).copy() for k, v in self.values.items()}
        pairs = [(self.uncertain, u), (self.uncertain_rules, u_rules)]
        if u_levers is not None:
            pairs.append((self.levers, u_levers))
        for entries, draws in pairs:
            if entries:
                for (name, index, _), column in zip(entries, quantiles(entries, draws).T):
                    out[name][:, index] = column
        return out

    def sample_streams(self, streams) -> dict[str, np.ndarray]:
        """Per-path values from the ``sampling``, ``rule_sampling`` and ``levers`` streams."""
        u = streams.uniform("sampling", (self.n_uncertain,))
        rules = (streams.uniform("rule_sampling", (self.n_uncertain_rules,))
                 if self.uncertain_rules else None)
        lev = streams.uniform("levers", (len(self.levers),)) if self.levers else None
        return self.sample(u, rules, lev)


def quantiles(entries: list[tuple[str, int, Any]], u: np.ndarray) -> np.ndarray:
    """``ppf`` of each entry's distribution at its column of ``u`` (paths, entries).

    Entries of one ``scipy.stats`` family, possibly scaled by a constant (``base`` and
    ``factor``), are evaluated in one call with a column of parameters each: per element the
    same arithmetic as each entry's own ``ppf``, without a call's overhead per entry.

    Raises
    ------
    ValueError
        If ``u`` has not one column per entry.
    """
    if u.ndim != 2 or u.shape[1] != len(entries):
        raise ValueError(f"expected uniforms shaped (paths, {len(entries)}), got {u.shape}")
    out = np.empty(u.shape)
    groups: dict[tuple, list] = {}
    for j, (_, _, dist) in enumerate(entries):
        parts = _family_parts(dist)
        if parts is None:
            out[:, j] = dist.ppf(u[:, j])
        else:
            family, shapes, loc, scale, factor = parts
            groups.setdefault((family.name, len(shapes)), []).append(
                (j, family, shapes + (loc, scale, factor)))
    for members in groups.values():
        cols = [j for j, _, _ in members]
        *shapes, loc, scale, factor = np.array([p for _, _, p in members]).T
        family = members[0][1]
        out[:, cols] = family.ppf(u[:, cols], *shapes, loc=loc, scale=scale) * factor
    return out


def _family_parts(dist: Any) -> tuple | None:
    """``(family, shapes, loc, scale, factor)`` of a frozen ``scipy.stats`` continuous
    distribution, of an object whose ``frozen()`` returns one, or of either scaled once by
    ``factor``; None for anything else."""
    factor = 1.0
    if hasattr(dist, "base") and hasattr(dist, "factor"):
        dist, factor = dist.base, float(dist.factor)
    frozen = dist.frozen() if callable(getattr(dist, "frozen", None)) else dist
    family = getattr(frozen, "dist", None)
    if not isinstance(family, stats.rv_continuous) or set(frozen.kwds) - {"loc", "scale"}:
        return None
    args = tuple(float(a) for a in frozen.args)
    shapes, rest = args[:family.numargs], args[family.numargs:]
    loc = float(frozen.kwds.get("loc", rest[0] if rest else 0.0))
    scale = float(frozen.kwds.get("scale", rest[1] if len(rest) > 1 else 1.0))
    return family, shapes, loc, scale, factor


def _is_fixed(dist: Any) -> bool:
    return getattr(dist, "dist", None) == "fixed"
