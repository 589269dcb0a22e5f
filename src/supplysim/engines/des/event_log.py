"""The event log: one row per thing that happened in a path, stored compactly as codes.

Kinds (``kind`` column):

- ``production``: a batch at a facility (``tonnes`` made, all outputs; ``detail`` the batch);
- ``outage_start`` / ``outage_end``: capacity loss at a facility (``detail`` the loss share);
- ``shipment_departed`` / ``shipment_arrived``: goods on a link (``counterpart`` the other end;
  ``detail`` ``trade``, ``replenish`` or ``pipeline`` for goods under way at the start);
- ``stockpile_release``: a strategic stock hands goods to its holder's users;
- ``licence_filed``, ``licence_review``, ``licence_rfi``, ``licence_decision``: one application
  per licensed lot (``detail`` the policy, or ``approved`` / ``denied``);
- ``demand_draw``: users take goods from a region's stock (``detail`` the priority class);
- ``shortage``: unmet demand of one demand line in a month (``detail`` the sector);
- ``project_fid``, ``construction_done``, ``ramp_step``: capacity project milestones
  (``tonnes`` the capacity reached [t/month]).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("production", "outage_start", "outage_end", "shipment_departed", "shipment_arrived",
         "stockpile_release", "licence_filed", "licence_review", "licence_rfi",
         "licence_decision", "demand_draw", "shortage", "project_fid", "construction_done",
         "ramp_step")
KIND = {k: i for i, k in enumerate(KINDS)}
COLUMNS = ("path", "time", "kind", "node", "counterpart", "material", "tonnes", "detail")


class Labels:
    """Codes of the strings a log refers to (node names, materials, details), shared by paths."""

    def __init__(self, nodes, countries, materials) -> None:
        self.nodes = [str(n) for n in nodes]
        self.countries = [str(c) for c in countries]
        self.materials = ["", *sorted({str(m) for m in materials})]
        self.material = {m: i for i, m in enumerate(self.materials)}
        self.details: list[str] = [""]
        self._detail = {"": 0}

    def detail(self, text: str) -> int:
        """Code of a detail string (added on first use)."""
        code = self._detail.get(text)
        if code is None:
            code = self._detail[text] = len(self.details)
            self.details.append(text)
        return code


class EventLog:
    """Rows of one path; ``node`` and ``counterpart`` are node indices (-1: none)."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.rows: list[tuple] = []

    def add(self, day: float, kind: str, node: int, counterpart: int = -1, material: str = "",
            tonnes: float = np.nan, detail: str = "") -> None:
        """Append one event at ``day`` [d] moving ``tonnes`` [t]."""
        self.rows.append((day, KIND[kind], node, counterpart, self.labels.material[material],
                          tonnes, self.labels.detail(detail)))

    def arrays(self) -> dict[str, np.ndarray]:
        """The rows as compact column arrays, in time order."""
        if not self.rows:
            a = np.zeros((0, 7))
        else:
            a = np.array(self.rows, dtype=float)
        order = np.argsort(a[:, 0], kind="stable")
        a = a[order]
        cols = dict(time=a[:, 0], kind=a[:, 1].astype(np.int16), node=a[:, 2].astype(np.int32),
                    counterpart=a[:, 3].astype(np.int32), material=a[:, 4].astype(np.int32),
                    tonnes=a[:, 5].astype(np.float64), detail=a[:, 6].astype(np.int32))
        self.rows = []
        return cols


def to_frame(parts: list[dict[str, np.ndarray]], labels: Labels, start) -> pd.DataFrame:
    """Event log of all paths as a DataFrame with columns :data:`COLUMNS`.

    ``time`` is a pandas Timestamp (``start`` plus the event day); text columns are
    categorical.
    """
    n = [len(p["time"]) for p in parts]
    cat = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, int)
           for k in ("time", "kind", "node", "counterpart", "material", "tonnes", "detail")}
    nodes = [*labels.nodes, ""]
    df = pd.DataFrame({
        "path": np.repeat(np.arange(len(parts)), n),
        "time": pd.Timestamp(start) + pd.to_timedelta(cat["time"], unit="D"),
        "kind": pd.Categorical.from_codes(cat["kind"], KINDS),
        "node": pd.Categorical.from_codes(np.where(cat["node"] < 0, len(nodes) - 1, cat["node"]),
                                          nodes),
        "counterpart": pd.Categorical.from_codes(
            np.where(cat["counterpart"] < 0, len(nodes) - 1, cat["counterpart"]), nodes),
        "material": pd.Categorical.from_codes(cat["material"], labels.materials),
        "tonnes": cat["tonnes"],
        "detail": pd.Categorical.from_codes(cat["detail"], labels.details),
    })
    df.attrs["units"] = {"tonnes": "t"}
    df.attrs["node_country"] = dict(zip(labels.nodes, labels.countries))
    return df
