"""Named parameter arrays whose entries may be uncertain, sampled per path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
        for j, (name, index, dist) in enumerate(self.uncertain):
            out[name][:, index] = dist.ppf(u[:, j])
        for j, (name, index, dist) in enumerate(self.uncertain_rules):
            out[name][:, index] = dist.ppf(u_rules[:, j])
        if u_levers is not None:
            for j, (name, index, dist) in enumerate(self.levers):
                out[name][:, index] = dist.ppf(u_levers[:, j])
        return out

    def sample_streams(self, streams) -> dict[str, np.ndarray]:
        """Per-path values from the ``sampling``, ``rule_sampling`` and ``levers`` streams."""
        u = streams.uniform("sampling", (self.n_uncertain,))
        rules = (streams.uniform("rule_sampling", (self.n_uncertain_rules,))
                 if self.uncertain_rules else None)
        lev = streams.uniform("levers", (len(self.levers),)) if self.levers else None
        return self.sample(u, rules, lev)


def _is_fixed(dist: Any) -> bool:
    return getattr(dist, "dist", None) == "fixed"
