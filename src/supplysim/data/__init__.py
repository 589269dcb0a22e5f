"""Embedded default world (2024 baseline) and the loader that reads any world folder.

Every table is a CSV with an ``id`` column, a ``source`` key (see ``sources.csv``) and a ``note``;
columns, dtypes and units are declared in ``schema.csv`` beside this file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from supplysim.errors import DataError
from supplysim.model.world import TABLES, World

DATA_DIR = Path(__file__).parent
DEFAULT_WORLD = DATA_DIR / "world_2024"
_DTYPES = {"str": str, "float": float, "int": int}


def read_schema(path: Path | None = None) -> pd.DataFrame:
    """The table schema: ``table, attribute, dtype, unit, default, description``."""
    return pd.read_csv(path or DATA_DIR / "schema.csv", dtype=str, keep_default_na=False)


def _read_table(folder: Path, table: str, schema: pd.DataFrame) -> pd.DataFrame:
    path = folder / f"{table}.csv"
    if not path.exists():
        raise DataError(f"{path.name}: table missing from world folder {folder.name}")
    cols = schema[schema.table == table]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in cols.itertuples():
        if col.attribute not in frame.columns:
            if col.default == "":
                raise DataError(f"{path.name}: required column {col.attribute!r} missing")
            frame[col.attribute] = col.default
        frame[col.attribute] = _convert(frame[col.attribute], col, path.name)
    unknown = set(frame.columns) - set(cols.attribute)
    if unknown:
        raise DataError(f"{path.name}: columns not in schema.csv: {sorted(unknown)}")
    if frame["id"].duplicated().any():
        dup = frame["id"][frame["id"].duplicated()].iloc[0]
        raise DataError(f"{path.name}: duplicate id {dup!r}")
    return frame.set_index("id", drop=False).rename_axis(None)


def _convert(values: pd.Series, col, table: str) -> pd.Series:
    if col.dtype == "str":
        return values.astype(str)
    filled = values.where(values != "", col.default)
    try:
        out = pd.to_numeric(filled, errors="raise")
    except ValueError as exc:
        raise DataError(f"{table}: column {col.attribute!r}: not a number ({exc})") from None
    if out.isna().any():
        row = int(out.isna().to_numpy().argmax()) + 2
        raise DataError(f"{table}: line {row}: column {col.attribute!r} is empty")
    return out.astype(_DTYPES[col.dtype])


def load_world(path: str | Path | None = None) -> World:
    """Load a world folder (default: the embedded 2024 world) and check its references.

    Parameters
    ----------
    path : str or Path, optional
        A folder holding the tables of :data:`supplysim.model.world.TABLES`; a ``schema.csv``
        in it overrides the embedded schema.

    Raises
    ------
    DataError
        If a table or column is missing, a value is not a number, or a reference is unknown.
    """
    from supplysim.model.checks import check_world

    folder = Path(path) if path is not None else DEFAULT_WORLD
    schema_path = folder / "schema.csv"
    schema = read_schema(schema_path if schema_path.exists() else None)
    tables = {t: _read_table(folder, t, schema) for t in TABLES}
    world = World(tables=tables, schema=schema, name=folder.name)
    check_world(world, strict=True)
    return world
