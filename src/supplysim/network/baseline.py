"""Baseline monthly use of every slot at point values, used to size initial stocks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def baseline_use(slots: pd.DataFrame, lines: pd.DataFrame, out_pairs: pd.DataFrame,
                 in_pairs: pd.DataFrame, links: pd.DataFrame, demand: pd.DataFrame,
                 values: dict[str, np.ndarray]) -> np.ndarray:
    """Steady use of each slot [t/month]: consumption for inputs, shipments for outputs.

    Demand is pushed upstream stage by stage: consumer use is split over links by share,
    a line runs at the rate its most-demanded output needs, and its inputs follow the recipe.
    """
    use = np.zeros(len(slots))
    np.add.at(use, demand.slot.to_numpy(), values["demand_t_per_month"])
    trade = links[links.kind == "trade"]
    stage = slots.stage_order.to_numpy()
    out_stage = stage[out_pairs.slot.to_numpy()]
    for k in range(int(stage.max()), -1, -1):
        cons = trade[stage[trade.dst_slot.to_numpy()] == k]
        np.add.at(use, cons.src_slot.to_numpy(), use[cons.dst_slot.to_numpy()] * cons.share.to_numpy())
        pairs = out_pairs[out_stage == k]
        activity = np.zeros(len(lines))
        need = use[pairs.slot.to_numpy()] / np.maximum(values["out_yield"][pairs.index], 1e-12)
        np.maximum.at(activity, pairs.line.to_numpy(), need)
        ins = in_pairs[in_pairs.line.isin(pairs.line)]
        np.add.at(use, ins.slot.to_numpy(), activity[ins.line.to_numpy()] * values["in_ratio"][ins.index])
    return use
