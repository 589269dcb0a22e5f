"""Streamed summaries: running accumulators that replace the per-path arrays of a long run.

Each finished chunk of paths is reduced into sums, counts and fixed-bin histograms, then
dropped, so memory does not grow with the number of paths. What is kept (see
:class:`SummaryAccumulator`):

- exact sums of unmet demand, demand and unmet share per (month, group) for every grouping of
  the demand keys (region, sector, material), of horizon totals per group, of shipments per
  (month, flow) and of stockpile levels per (month, stockpile): means are exact up to
  floating-point rounding, whatever the chunk size;
- exact exceedance counts, for each threshold of :attr:`SummarySpec.thresholds`, of
  ``unmet share > threshold`` per (month, group) and of "at least one month so far above it";
- histograms with fixed bins for quantiles: amounts in tonnes on log-spaced bins
  (:attr:`SummarySpec.bins_per_decade` per decade from :attr:`SummarySpec.low_t`, so a quantile
  is within a factor ``10 ** (1 / bins_per_decade)`` of the exact one, or within ``low_t``
  below it), unmet shares on linear bins of width :attr:`SummarySpec.share_bin`; the exact
  minimum and maximum of every cell clip the estimates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from supplysim.results.results import EMPTY_T

DEMAND_KEYS = ("region", "sector", "material", "mineral")

#: Unmet-share thresholds whose exceedance probabilities are counted exactly [1].
THRESHOLDS = (0.05, 0.1, 0.2, 0.5)


@dataclass(frozen=True)
class SummarySpec:
    """What a streamed run keeps, and how finely.

    Attributes
    ----------
    thresholds : tuple of float
        Unmet shares whose exceedance probabilities are counted exactly [1].
    bins_per_decade : int
        Log-spaced tonne bins per factor 10; quantile accuracy ``10 ** (1 / bins_per_decade)``
        (40: within 6 %).
    low_t, high_t : float
        Range of the tonne bins [t or t/month]; below ``low_t`` counts as zero, above
        ``high_t`` in an overflow bin (estimates clipped to the exact maximum).
    share_bin : float
        Width of the unmet-share bins [1].
    month_block : int
        Months reduced at once (memory only, never numbers) [months].
    """

    thresholds: tuple[float, ...] = THRESHOLDS
    bins_per_decade: int = 40
    low_t: float = 1e-3
    high_t: float = 1e9
    share_bin: float = 0.01
    month_block: int = 12

    def __post_init__(self) -> None:
        th = tuple(float(t) for t in self.thresholds)
        if not th or any(not 0.0 <= t < 1.0 for t in th) or len(set(th)) != len(th):
            raise ValueError(f"thresholds must be distinct shares in [0, 1), got {self.thresholds}")
        object.__setattr__(self, "thresholds", th)
        if self.bins_per_decade < 1 or not 0 < self.low_t < self.high_t:
            raise ValueError("need bins_per_decade >= 1 and 0 < low_t < high_t")
        if not 0 < self.share_bin <= 0.5 or self.month_block < 1:
            raise ValueError("need 0 < share_bin <= 0.5 and month_block >= 1")


class LogBins:
    """Tonne bins: ``[0, low)``, then log-spaced bins up to ``high``, then an overflow bin."""

    def __init__(self, low: float, high: float, per_decade: int) -> None:
        self.low, self.per_decade = float(low), int(per_decade)
        n_log = int(np.ceil(np.log10(high / low) * per_decade))
        self.edges = low * 10.0 ** (np.arange(n_log + 1) / per_decade)
        self.n = n_log + 2

    def in_first(self, v: np.ndarray) -> np.ndarray:
        """Whether each value falls in bin 0 (below ``low``)."""
        return v < self.low

    def index(self, v: np.ndarray) -> np.ndarray:
        """Bin of each value (int64)."""
        k = np.maximum(v, self.low * 0.5)
        k /= self.low
        np.log10(k, out=k)
        k *= self.per_decade
        np.floor(k, out=k)
        k += 1
        np.clip(k, 1, self.n - 1, out=k)
        k[v < self.low] = 0
        return k.astype(np.int64)

    def value(self, b: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """Value at fraction ``frac`` of bin ``b`` (geometric inside log bins; 0 in bin 0)."""
        i = np.clip(b - 1, 0, len(self.edges) - 2)
        lo, hi = self.edges[i], self.edges[i + 1]
        inside = lo * (hi / lo) ** frac
        return np.where(b == 0, 0.0, np.where(b == self.n - 1, np.inf, inside))


class ShareBins:
    """Unmet-share bins: ``{<= 0}``, then ``((i-1) w, i w]`` up to 1, then an overflow bin."""

    def __init__(self, width: float) -> None:
        self.width = float(width)
        self.n = int(np.ceil(1.0 / width - 1e-9)) + 2

    def in_first(self, v: np.ndarray) -> np.ndarray:
        """Whether each share falls in bin 0 (not above 0)."""
        return v <= 0.0

    def index(self, v: np.ndarray) -> np.ndarray:
        """Bin of each share (int64)."""
        return np.clip(np.ceil(v / self.width), 0, self.n - 1).astype(np.int64)

    def value(self, b: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """Value at fraction ``frac`` of bin ``b`` (linear)."""
        return np.where(b == 0, 0.0, np.where(b == self.n - 1, np.inf,
                                              (b - 1 + frac) * self.width))


def hist_quantile(counts: np.ndarray, q: float, bins, vmin: np.ndarray,
                  vmax: np.ndarray) -> np.ndarray:
    """Quantile ``q`` of each cell from its histogram ``counts`` (..., bins).

    As numpy's linear method: the value at fractional rank ``q (N - 1)``, interpolated between
    the order statistics on either side. Each order statistic is read from its bin, the values
    of a bin taken as spread evenly inside it (geometrically for log bins), so it is within one
    bin of the exact one; everything is clipped to the cell's exact range.
    """
    cum = np.cumsum(counts, axis=-1)
    n = cum[..., -1]
    h = q * np.maximum(n - 1, 0)
    lo_rank = np.floor(h)

    def order_stat(k: np.ndarray) -> np.ndarray:
        b = np.argmax(cum > k[..., None], axis=-1)
        c = np.take_along_axis(counts, b[..., None], axis=-1)[..., 0]
        before = np.take_along_axis(cum, b[..., None], axis=-1)[..., 0] - c
        frac = np.clip((k - before + 0.5) / np.maximum(c, 1), 0.0, 1.0)
        return np.clip(bins.value(b, frac), vmin, vmax)

    a = order_stat(lo_rank)
    b = order_stat(np.minimum(lo_rank + 1, np.maximum(n - 1, 0)))
    out = a + (h - lo_rank) * (b - a)
    return np.where(n > 0, out, np.nan)


def demand_groupings(region, sector, material, mineral=None) -> list[tuple[tuple[str, ...], dict, np.ndarray]]:
    """Every grouping of the demand rows by a subset of (region, sector, material, mineral).

    A material belongs to one mineral, so no grouping names both. ``mineral`` defaults to one
    unnamed chain.

    Returns
    -------
    list of (keys, labels, code)
        ``keys`` in canonical order, ``labels`` the dense label lists of each key, ``code``
        (rows,) the flat dense group of each demand row.
    """
    cols = {"region": np.asarray(region), "sector": np.asarray(sector),
            "material": np.asarray(material)}
    cols["mineral"] = np.asarray(mineral) if mineral is not None else np.full(len(cols["region"]), "")
    labels = {k: list(dict.fromkeys(cols[k].tolist())) for k in DEMAND_KEYS}
    out = []
    for r in range(len(DEMAND_KEYS) + 1):
        for keys in combinations(DEMAND_KEYS, r):
            if "material" in keys and "mineral" in keys:
                continue
            code = np.zeros(len(cols["region"]), np.int64)
            for k in keys:
                code = code * len(labels[k]) + np.array([labels[k].index(x) for x in cols[k]])
            out.append((keys, {k: labels[k] for k in keys}, code))
    return out


@dataclass
class SummaryAccumulator:
    """Running sums, counts and histograms of a streamed run; :meth:`add` takes one chunk.

    ``G`` below is the total number of dense groups over all 12 groupings of the demand keys;
    ``groups[keys]`` gives each grouping's slice of it.
    """

    spec: SummarySpec
    n_months: int
    indicator: np.ndarray                  # (rows, G) 0/1: demand row -> group, all groupings
    groups: dict                           # keys -> (slice, labels)
    n_flows: int
    n_stockpiles: int
    paths: int = 0
    sums: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    lo: dict = field(default_factory=dict)
    hi: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # name -> (months, k) sums of every chunk output

    @classmethod
    def of(cls, region, sector, material, n_months: int, n_flows: int, n_stockpiles: int,
           spec: SummarySpec | None = None, mineral=None) -> SummaryAccumulator:
        """An empty accumulator for demand rows labelled ``region``, ``sector``, ``material``
        and ``mineral``."""
        spec = spec or SummarySpec()
        parts, groups, start = [], {}, 0
        for keys, labels, code in demand_groupings(region, sector, material, mineral):
            size = int(np.prod([len(v) for v in labels.values()], dtype=np.int64))
            m = np.zeros((len(code), size))
            m[np.arange(len(code)), code] = 1.0
            parts.append(m)
            groups[keys] = (slice(start, start + size), labels)
            start += size
        acc = cls(spec, int(n_months), np.concatenate(parts, axis=1), groups, int(n_flows),
                  int(n_stockpiles))
        acc._allocate()
        return acc

    # -- layout ----------------------------------------------------------------------------
    @property
    def tonne_bins(self) -> LogBins:
        s = self.spec
        return LogBins(s.low_t, s.high_t, s.bins_per_decade)

    @property
    def share_bins(self) -> ShareBins:
        return ShareBins(self.spec.share_bin)

    def _allocate(self) -> None:
        T, G, F, SP = self.n_months, self.indicator.shape[1], self.n_flows, self.n_stockpiles
        nth, nt, ns = len(self.spec.thresholds), self.tonne_bins.n, self.share_bins.n
        z = np.zeros
        self.sums = dict(unmet=z((T, G)), demand=z((T, G)), share=z((T, G)),
                         unmet_total=z(G), demand_total=z(G), shipped=z((T, F)),
                         stock=z((T, SP)))
        self.counts = dict(exceed=z((nth, T, G), np.int64), exceed_any=z((nth, T, G), np.int64),
                           stock_empty=z((T, SP), np.int64),
                           unmet_hist=z((T, G, nt), np.int32), share_hist=z((T, G, ns), np.int32),
                           total_hist=z((G, nt), np.int32), shipped_hist=z((T, F, nt), np.int32),
                           stock_hist=z((T, SP, nt), np.int32))
        self.lo = dict(unmet=np.full((T, G), np.inf), share=np.full((T, G), np.inf),
                       total=np.full(G, np.inf), shipped=np.full((T, F), np.inf),
                       stock=np.full((T, SP), np.inf))
        self.hi = {k: -v for k, v in self.lo.items()}
        self.hi["demand"] = z((T, G))

    # -- reduction -------------------------------------------------------------------------
    def add(self, arrays: dict[str, np.ndarray]) -> None:
        """Reduce one chunk: arrays shaped (paths, months, k) as ``run_chunk`` returns them."""
        n = arrays["demand_t"].shape[0]
        if n == 0:
            return
        for name, a in arrays.items():
            total = a.sum(axis=0, dtype=np.float64)
            self.raw[name] = self.raw[name] + total if name in self.raw else total
        G = self.indicator.shape[1]
        running = np.full((n, G), -np.inf)
        totals_u, totals_d = np.zeros((n, G)), np.zeros((n, G))
        for t0 in range(0, self.n_months, self.spec.month_block):
            t1 = min(t0 + self.spec.month_block, self.n_months)
            sl = slice(t0, t1)
            unmet = arrays["unmet_t"][:, sl].astype(np.float64) @ self.indicator
            demand = arrays["demand_t"][:, sl].astype(np.float64) @ self.indicator
            pos = demand > 0
            share = np.divide(unmet, demand, out=np.zeros_like(unmet), where=pos)
            totals_u += unmet.sum(axis=1)
            totals_d += demand.sum(axis=1)
            self._moments("unmet", sl, unmet)
            self._moments("share", sl, share)
            self.sums["demand"][sl] += demand.sum(axis=0)
            np.maximum(self.hi["demand"][sl], demand.max(axis=0), out=self.hi["demand"][sl])
            cummax = np.empty_like(share)  # running maximum over months, month by month
            for t in range(t1 - t0):
                running = np.maximum(running, share[:, t], out=cummax[:, t])
            for i, th in enumerate(self.spec.thresholds):
                self.counts["exceed"][i, sl] += (share > th).sum(axis=0)
                self.counts["exceed_any"][i, sl] += (cummax > th).sum(axis=0)
            self._count("unmet_hist", sl, unmet, self.tonne_bins)
            self._count("share_hist", sl, share, self.share_bins)
            shipped = arrays["shipped_t"][:, sl].astype(np.float64)
            self._moments("shipped", sl, shipped)
            self._count("shipped_hist", sl, shipped, self.tonne_bins)
            stock = arrays["stockpile_t"][:, sl].astype(np.float64)
            self._moments("stock", sl, stock)
            self.counts["stock_empty"][sl] += (stock < EMPTY_T).sum(axis=0)
            self._count("stock_hist", sl, stock, self.tonne_bins)
        self.sums["unmet_total"] += totals_u.sum(axis=0)
        self.sums["demand_total"] += totals_d.sum(axis=0)
        np.minimum(self.lo["total"], totals_u.min(axis=0), out=self.lo["total"])
        np.maximum(self.hi["total"], totals_u.max(axis=0), out=self.hi["total"])
        self._count("total_hist", slice(None), totals_u, self.tonne_bins)
        self.paths += n

    def _moments(self, name: str, sl: slice, x: np.ndarray) -> None:
        """Add sums and update the exact range of (paths, months, k) values."""
        self.sums[name][sl] += x.sum(axis=0)
        np.minimum(self.lo[name][sl], x.min(axis=0), out=self.lo[name][sl])
        np.maximum(self.hi[name][sl], x.max(axis=0), out=self.hi[name][sl])

    def _count(self, name: str, sl: slice, v: np.ndarray, bins) -> None:
        """Count values ``v`` (paths, ...) into the rows ``sl`` of histogram ``name``.

        Only the values above bin 0 are binned: most amounts of unmet demand are zero.
        """
        hist = self.counts[name][sl]
        nb, cells = hist.shape[-1], hist.size // hist.shape[-1]
        flat = v.reshape(-1)  # path after path, each its ``cells`` values
        at = np.flatnonzero(~bins.in_first(flat))
        counts = np.bincount(at % cells * nb + bins.index(flat[at]), minlength=cells * nb)
        counts = counts.reshape(hist.shape)
        counts[..., 0] = v.shape[0] - counts.sum(axis=-1)
        hist += counts

    def merge(self, other: SummaryAccumulator) -> None:
        """Add another accumulator of the same layout (e.g. from another worker)."""
        for k in self.sums:
            self.sums[k] += other.sums[k]
        for k in self.counts:
            self.counts[k] += other.counts[k]
        for k in self.lo:
            np.minimum(self.lo[k], other.lo[k], out=self.lo[k])
        for k in self.hi:
            np.maximum(self.hi[k], other.hi[k], out=self.hi[k])
        for k, v in other.raw.items():
            self.raw[k] = self.raw[k] + v if k in self.raw else v.copy()
        self.paths += other.paths

    def nbytes(self) -> int:
        """Memory held by the accumulators [bytes]."""
        arrays = [*self.sums.values(), *self.counts.values(), *self.lo.values(),
                  *self.hi.values(), *self.raw.values(), self.indicator]
        return int(sum(a.nbytes for a in arrays))
