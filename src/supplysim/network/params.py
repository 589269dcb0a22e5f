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
    Entries declared with ``stream="levers"`` (policy levers such as contract volumes) take
    columns of a second matrix drawn from their own stream, so adding a lever to a scenario
    leaves the draws of every other parameter unchanged (common random numbers).
    """

    values: dict[str, np.ndarray] = field(default_factory=dict)
    uncertain: list[tuple[str, int, Any]] = field(default_factory=list)
    frozen: bool = False
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
        (self.levers if stream == "levers" else self.uncertain).append((name, index, dist))

    def freeze(self) -> ParamTable:
        """Return a read-only copy."""
        for v in self.values.values():
            v.setflags(write=False)
        return ParamTable(self.values, list(self.uncertain), frozen=True, levers=list(self.levers))

    def sample_streams(self, streams) -> dict[str, np.ndarray]:
        """Per-path values drawn from the ``sampling`` and ``levers`` streams of ``streams``."""
        u = streams.uniform("sampling", (self.n_uncertain,))
        lev = streams.uniform("levers", (len(self.levers),)) if self.levers else None
        return self.sample(u, lev)

    @property
    def n_uncertain(self) -> int:
        """Number of uncertain entries (columns of the uniform matrix)."""
        return len(self.uncertain)

    def sample(self, u: np.ndarray, u_levers: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-path values: a ``(paths, K)`` array per name from ``u (paths, n_uncertain)``.

        Lever entries take ``u_levers (paths, len(levers))``; without it they keep their means.
        """
        n = u.shape[0]
        out = {k: np.broadcast_to(v, (n, v.size)).copy() for k, v in self.values.items()}
        for j, (name, index, dist) in enumerate(self.uncertain):
            out[name][:, index] = dist.ppf(u[:, j])
        if u_levers is not None:
            for j, (name, index, dist) in enumerate(self.levers):
                out[name][:, index] = dist.ppf(u_levers[:, j])
        return out


def _is_fixed(dist: Any) -> bool:
    return getattr(dist, "dist", None) == "fixed"
