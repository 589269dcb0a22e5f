"""Embedded default world (2024 baseline) and the loader that reads any world folder.

Every table is a CSV with an ``id`` column, a ``source`` key (see ``sources.csv``) and a ``note``;
columns, dtypes and units are declared in ``schema.csv`` beside this file.

A world folder may hold further minerals in ``minerals/<name>/`` subfolders, each with any of
the tables; their rows are appended to the folder's own (rows of ``sources`` and ``countries``
that repeat an identical row are merged). A scenario carries them when its ``minerals`` key
names them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from supplysim.errors import DataError
from supplysim.model.world import REQUIRED_TABLES, TABLES, World

DATA_DIR = Path(__file__).parent
DEFAULT_WORLD = DATA_DIR / "world_2024"
_DTYPES = {"str": str, "float": float, "int": int}


def read_schema(path: Path | None = None) -> pd.DataFrame:
    """The table schema: ``table, attribute, dtype, unit, default, description``."""
    return pd.read_csv(path or DATA_DIR / "schema.csv", dtype=str, keep_default_na=False)


def _read_table(folder: Path, table: str, schema: pd.DataFrame,
                required: bool = True) -> pd.DataFrame:
    path = folder / f"{table}.csv"
    cols = schema[schema.table == table]
    if not path.exists():
        if required and table in REQUIRED_TABLES:
            raise DataError(f"{path.name}: table missing from world folder {folder.name}")
        frame = pd.DataFrame({c: pd.Series(dtype=str) for c in cols.attribute})
    else:
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

    A folder is read and checked once per process while its files are unchanged; each call
    returns a World of its own copies of the tables.

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
    folder = (Path(path) if path is not None else DEFAULT_WORLD).resolve()
    key = (folder, _stamp(folder), _stamp(DATA_DIR, "schema.csv"))
    if key not in _LOADED:
        _LOADED.clear()  # keep one folder's tables, the one in use
        _LOADED[key] = _read_world(folder)
    w = _LOADED[key]
    return World(tables={k: f.copy() for k, f in w.tables.items()}, schema=w.schema.copy(),
                 name=w.name, meta=dict(w.meta), base_minerals=w.base_minerals)


#: The last world read, by folder and the stamps of its files (see :func:`_stamp`).
_LOADED: dict = {}


def _stamp(folder: Path, pattern: str = "**/*.csv") -> tuple:
    """Name, size and modification time of the files under ``folder`` matching ``pattern``."""
    stamps = []
    for p in sorted(folder.glob(pattern)):
        st = p.stat()
        stamps.append((str(p.relative_to(folder)), st.st_size, st.st_mtime_ns))
    return tuple(stamps)


def _read_world(folder: Path) -> World:
    """Read and check the world folder ``folder`` (see :func:`load_world`)."""
    from supplysim.model.checks import check_world

    schema_path = folder / "schema.csv"
    schema = read_schema(schema_path if schema_path.exists() else None)
    tables = {t: _read_table(folder, t, schema) for t in TABLES}
    base = tuple(dict.fromkeys(tables["materials"].mineral))
    for sub in sorted(p for p in (folder / "minerals").glob("*") if p.is_dir()):
        extra = {t: _read_table(sub, t, schema, required=False) for t in TABLES}
        tables = {t: _append(tables[t], extra[t], f"minerals/{sub.name}/{t}.csv") for t in TABLES}
    world = World(tables=tables, schema=schema, name=folder.name, base_minerals=base)
    check_world(world, strict=True)
    return world


def _append(frame: pd.DataFrame, extra: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of ``extra`` after those of ``frame``; a repeated id must repeat the whole row."""
    if extra.empty:
        return frame
    seen = extra.index.isin(frame.index)
    for row_id in extra.index[seen]:
        if not frame.loc[row_id].equals(extra.loc[row_id]):
            raise DataError(f"{name}: id {row_id!r} repeats a different row")
    return pd.concat([frame, extra[~seen]]) if len(frame) else extra[~seen]
