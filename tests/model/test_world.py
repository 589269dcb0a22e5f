"""The embedded world: every number has a source and a unit; checks catch broken tables."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import supplysim
from supplysim.data import DEFAULT_WORLD, load_world
from supplysim.errors import DataError
from supplysim.model.checks import check_world


def test_embedded_world_passes_every_check(world):
    assert check_world(world, strict=False) == []


def test_every_row_has_a_known_source(world):
    keys = set(world.sources.index)
    for name, frame in world.tables.items():
        if name == "sources":
            continue
        for cell in frame.source:
            used = {k.strip() for k in cell.split(";") if k.strip()}
            assert used and used <= keys, (name, cell)


def test_every_column_has_a_unit_in_the_schema(world):
    for name, frame in world.tables.items():
        declared = world.schema[world.schema.table == name]
        assert set(frame.columns) == set(declared.attribute), name
        numeric = declared[declared.dtype.isin(["float", "int"])]
        assert (numeric.unit.str.len() > 0).all(), name


def test_estimates_are_marked_and_have_distributions(world):
    est = world.estimates
    assert len(est) > 100
    marked = world.mines[world.mines.note.str.contains("EST")]
    assert set(marked.index) <= set(est.row_id)


def test_elements_and_stages_come_from_the_tables(world):
    vocab = world.vocabulary()
    assert {"NdPr", "Dy", "Tb"} <= vocab.elements
    assert {"ore", "oxide", "metal", "magnet"} <= vocab.stages
    assert {"China", "Japan", "United States", "European Union", "Rest of world"} <= vocab.regions


def _copy_world(tmp_path):
    folder = tmp_path / "world"
    shutil.copytree(DEFAULT_WORLD, folder)
    return folder


def test_unknown_country_in_a_table_is_a_data_error(tmp_path):
    folder = _copy_world(tmp_path)
    mines = pd.read_csv(folder / "mines.csv", dtype=str, keep_default_na=False)
    mines.loc[0, "country"] = "Atlantis"
    mines.to_csv(folder / "mines.csv", index=False)
    with pytest.raises(DataError, match="mines.csv: row .*unknown country 'Atlantis'"):
        load_world(folder)


def test_technology_dependence_in_china_is_a_data_error(tmp_path):
    folder = _copy_world(tmp_path)
    dep = pd.read_csv(folder / "tech_dependence.csv", dtype=str, keep_default_na=False)
    dep.loc[0, "country"] = "China"
    dep.to_csv(folder / "tech_dependence.csv", index=False)
    with pytest.raises(DataError, match="tech_dependence.csv: row .*cannot depend on China"):
        load_world(folder)


def test_shares_that_do_not_sum_to_one_are_a_data_error(tmp_path):
    folder = _copy_world(tmp_path)
    links = pd.read_csv(folder / "trade_links.csv", dtype=str, keep_default_na=False)
    links.loc[0, "share"] = "0.01"
    links.to_csv(folder / "trade_links.csv", index=False)
    with pytest.raises(DataError, match="shares into"):
        load_world(folder)


def test_missing_source_is_a_data_error(tmp_path):
    folder = _copy_world(tmp_path)
    demand = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    demand.loc[2, "source"] = "NOPE"
    demand.to_csv(folder / "demand.csv", index=False)
    with pytest.raises(DataError, match="not in sources.csv"):
        load_world(folder)


def test_a_non_number_is_a_data_error(tmp_path):
    folder = _copy_world(tmp_path)
    sep = pd.read_csv(folder / "separators.csv", dtype=str, keep_default_na=False)
    sep.loc[0, "capacity_t_per_yr"] = "lots"
    sep.to_csv(folder / "separators.csv", index=False)
    with pytest.raises(DataError, match="capacity_t_per_yr"):
        load_world(folder)


def test_a_user_world_folder_runs(tmp_path):
    folder = _copy_world(tmp_path)
    world = load_world(folder)
    res = supplysim.simulate("baseline_2024", runs=256, seed=0, world=world)
    assert res.meta["paths"] == 256


def test_estimate_cells_give_each_estimated_cell_its_distribution(world):
    from supplysim.network.topology import world_estimate

    cells = world.tables["estimates"].drop_duplicates(["table", "row_id", "column"])
    assert len(world.estimate_cells) == len(cells)
    for r in cells.itertuples():
        dist = world_estimate(world, r.table, r.row_id, r.column)
        assert dist.support() == pytest.approx((r.low, r.high))
        assert dist is world_estimate(world, r.table, r.row_id, r.column)  # shared, not rebuilt
    assert world_estimate(world, "mines", "no_such_mine", "capacity_t_per_yr") is None


def test_a_loaded_world_is_read_again_when_a_file_changes_and_is_never_shared(tmp_path):
    folder = _copy_world(tmp_path)
    first = load_world(folder)
    first.mines.loc[first.mines.index[0], "country"] = "Atlantis"  # the caller's own copy
    again = load_world(folder)
    assert again.mines.country.iloc[0] != "Atlantis"
    mines = pd.read_csv(folder / "mines.csv", dtype=str, keep_default_na=False)
    mines.loc[0, "country"] = "Atlantis"
    mines.to_csv(folder / "mines.csv", index=False)
    with pytest.raises(DataError, match="unknown country 'Atlantis'"):
        load_world(folder)
