"""``to_dataset`` puts every demand line in its (region, sector, material) cell."""

from __future__ import annotations

import numpy as np

from supplysim.results.dataset import to_dataset
from supplysim.run import run_chunk
from supplysim.seeding import root_seed


def test_demand_lines_land_in_their_cells(networks):
    net = networks["china_licensing_2025"]
    arrays = run_chunk(net, root_seed(5), 0, 4)
    ds = to_dataset(net, arrays, 5, 4)
    filled = np.zeros(ds["demand_t"].shape[2:], bool)
    for i, line in enumerate(net.demand.itertuples()):
        cell = dict(region=line.region, sector=line.sector, material=line.material)
        for name in ("demand_t", "unmet_t"):
            np.testing.assert_array_equal(ds[name].sel(cell).values, arrays[name][:, :, i])
        filled[ds.indexes["region"].get_loc(line.region), ds.indexes["sector"].get_loc(line.sector),
               ds.indexes["material"].get_loc(line.material)] = True
    assert arrays["demand_t"].any()
    assert not ds["demand_t"].values[:, :, ~filled].any()  # cells without a line hold 0
