"""Checkpoints: each finished chunk on disk, so a killed run resumes where it stopped.

A checkpoint folder holds ``manifest.json`` (scenario hash, root seed entropy, runs, chunk
size, version), written first, and one ``chunk_<first>_<n>.npz`` per finished chunk. Every
file is written to a hidden temporary name in the folder, flushed and fsync'ed, then moved into
place with :func:`os.replace`: a final name never holds a half-written file. A chunk file that
cannot be loaded, or holds the wrong arrays, is run again, never trusted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import IO, Any

import numpy as np

from supplysim.errors import SupplysimError
from supplysim.parallel.chunks import OUTPUTS

MANIFEST = "manifest.json"
FORMAT = 1
_CHECKED = ("scenario_hash", "seed_entropy", "runs", "chunk_size", "version")
_log = logging.getLogger(__name__)


class CheckpointError(SupplysimError):
    """A checkpoint folder belongs to a different run, or cannot be used."""


def write_atomic(path: Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(file)`` on a hidden temporary file next to ``path``, fsync, move into place.

    Parameters
    ----------
    path : pathlib.Path
        Final file name.
    write : callable
        Writes the content to the binary file object it is given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def seed_entropy(seed: Any) -> int | list[int] | None:
    """The entropy a checkpoint records for ``seed`` (None: to be drawn once).

    Raises
    ------
    CheckpointError
        For a SeedSequence with a spawn key, which its entropy alone does not reproduce.
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.SeedSequence):
        if tuple(seed.spawn_key):
            raise CheckpointError("checkpointing needs an int seed or a SeedSequence without "
                                  f"a spawn key, got spawn key {tuple(seed.spawn_key)}")
        ent = seed.entropy
        return [int(e) for e in ent] if isinstance(ent, (list, tuple, np.ndarray)) else int(ent)
    from supplysim.seeding import root_seed

    return int(root_seed(seed).entropy)


@dataclass
class Checkpoint:
    """An open checkpoint folder whose manifest matches the run.

    Attributes
    ----------
    folder : pathlib.Path
        The checkpoint folder.
    manifest : dict
        Content of ``manifest.json``.
    """

    folder: Path
    manifest: dict

    @classmethod
    def open(cls, folder: str | os.PathLike[str], *, scenario_name: str, scenario_hash: str,
             seed: Any, runs: int, chunk_size: int, restart: bool = False) -> Checkpoint:
        """Open (or start) the checkpoint of a run in ``folder``.

        Parameters
        ----------
        folder : path-like
            Checkpoint folder, created if missing.
        scenario_name, scenario_hash : str
            The scenario's name and hash.
        seed : int, SeedSequence or None
            Root seed; None reuses the recorded entropy, or draws it once and records it.
        runs : int
            Number of paths.
        chunk_size : int
            Paths per chunk, in whole random blocks.
        restart : bool
            Discard a checkpoint of a different run instead of raising.

        Raises
        ------
        CheckpointError
            If the folder holds the checkpoint of a different run and ``restart`` is False.
        """
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        _remove_temporaries(path)
        want = dict(scenario_hash=scenario_hash, seed_entropy=seed_entropy(seed), runs=int(runs),
                    chunk_size=int(chunk_size), version=_pkg_version("supplysim"))
        if restart:
            _clear(path)
        old = _read_manifest(path)
        if old is not None:
            _check_same(path, old, want)
            return cls(path, old)
        if any(path.glob("chunk_*.npz")):
            raise CheckpointError(f"checkpoint folder {path} holds chunk files but no {MANIFEST}; "
                                  "use --restart (restart=True) to discard them")
        if want["seed_entropy"] is None:
            want["seed_entropy"] = seed_entropy(np.random.SeedSequence())
        manifest = dict(format=FORMAT, scenario=scenario_name, **want)
        text = json.dumps(manifest, indent=2) + "\n"
        write_atomic(path / MANIFEST, lambda f: f.write(text.encode("utf-8")))
        return cls(path, manifest)

    @property
    def root(self) -> np.random.SeedSequence:
        """The root seed of the run, rebuilt from the recorded entropy."""
        return np.random.SeedSequence(self.manifest["seed_entropy"])

    def chunk_path(self, first: int, n: int) -> Path:
        """File of the chunk ``(first, n)``."""
        return self.folder / f"chunk_{first}_{n}.npz"

    def save(self, first: int, n: int, arrays: dict[str, np.ndarray]) -> Path:
        """Write a finished chunk atomically."""
        return write_atomic(self.chunk_path(first, n), lambda f: np.savez(f, **arrays))

    def load(self, first: int, n: int) -> dict[str, np.ndarray] | None:
        """The arrays of a finished chunk, or None when missing, corrupt or malformed."""
        path = self.chunk_path(first, n)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
                arrays = {k: np.array(z[k]) for k in OUTPUTS}
        except Exception as exc:  # any failure to read means: run the chunk again
            _log.warning("checkpoint chunk %s cannot be loaded (%s); running it again",
                         path.name, exc)
            return None
        if not _well_formed(arrays, n):
            _log.warning("checkpoint chunk %s is malformed; running it again", path.name)
            return None
        return arrays

    def load_done(self, plan: list[tuple[int, int]]) -> dict[tuple[int, int], dict]:
        """Chunks of ``plan`` already finished, by ``(first, n)``."""
        done = {}
        for chunk in plan:
            arrays = self.load(*chunk)
            if arrays is not None:
                done[chunk] = arrays
        return done


def _well_formed(arrays: dict[str, np.ndarray], n: int) -> bool:
    """Whether chunk arrays have ``n`` paths, one month count, three dims and float32."""
    months = {a.shape[1] if a.ndim == 3 else -1 for a in arrays.values()}
    return (len(months) == 1 and -1 not in months
            and all(a.shape[0] == n and a.dtype == np.float32 for a in arrays.values()))


def _read_manifest(folder: Path) -> dict | None:
    """The manifest in ``folder``, None if there is none."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} cannot be read ({exc}); use --restart (restart=True) "
                              "to discard the checkpoint") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a supplysim checkpoint manifest (format {FORMAT}); "
                              "use --restart (restart=True) to discard it")
    return manifest


def _check_same(folder: Path, old: dict, want: dict) -> None:
    """Raise :class:`CheckpointError` naming what differs between two manifests."""
    diffs = [f"{key} {old.get(key)!r} != {want[key]!r}" for key in _CHECKED
             if not (key == "seed_entropy" and want[key] is None) and old.get(key) != want[key]]
    if diffs:
        raise CheckpointError(f"checkpoint {folder} belongs to a different run "
                              f"({'; '.join(diffs)}); use --restart (restart=True) to discard it")


def _remove_temporaries(folder: Path) -> None:
    """Delete temporary files left by a killed writer (never final names)."""
    for pattern in (".chunk_*.tmp", f".{MANIFEST}.*.tmp"):
        for tmp in folder.glob(pattern):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _clear(folder: Path) -> None:
    """Delete a checkpoint's manifest and chunk files (``restart``)."""
    for path in [*folder.glob("chunk_*.npz"), folder / MANIFEST]:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
