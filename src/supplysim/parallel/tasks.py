"""Chunk tasks from plain inputs, shared by the Dask and the local-process runners.

A task's arguments are everything needed to rebuild the network: the world (None for the
embedded one, a folder path, or the world's tables) and the scenario's validated plain data,
plus the root seed and the chunk. Each worker process compiles a network once and reuses it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

#: Compiled networks kept per worker process, by (world, scenario) payload.
_NETWORKS: dict[tuple, Any] = {}
_CACHE_SIZE = 4


def world_payload(world: Any) -> Any:
    """What a task needs to rebuild ``world``: None (embedded), a folder path, or its tables."""
    if world is None or isinstance(world, str):
        return world
    if hasattr(world, "__fspath__"):
        return str(world)
    return {"tables": dict(world.tables), "schema": world.schema, "name": world.name,
            "meta": dict(world.meta), "base_minerals": tuple(world.base_minerals)}


def scenario_payload(scenario: Any, vocab: Any) -> Any:
    """The scenario's validated plain data (JSON text), or the object if that does not rebuild it.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    vocab : Vocabulary
        The world's vocabulary, to check that the plain data rebuilds the same scenario.
    """
    from supplysim.scenario import parse_scenario

    text = json.dumps(scenario.to_dict(), sort_keys=True)
    try:
        same = parse_scenario(text, vocab, file="<cluster>").hash == scenario.hash
    except Exception:  # the plain data does not validate on its own: send the object
        same = False
    return text if same else scenario


def task_inputs(world: Any, scenario: Any, vocab: Any, root: np.random.SeedSequence) -> tuple:
    """Plain arguments of every chunk task: world and scenario payloads, root entropy, spawn key."""
    return (world_payload(world), scenario_payload(scenario, vocab), root.entropy,
            tuple(int(k) for k in root.spawn_key))


def _rebuild_world(payload: Any) -> Any:
    """The World of a :func:`world_payload`."""
    from supplysim import load_world
    from supplysim.model.world import World

    if isinstance(payload, dict):
        return World(**payload)
    return load_world(payload)


def _network(world: Any, scenario: Any) -> Any:
    """Compile (or reuse) the network of a task's world and scenario payloads."""
    from supplysim.network import compile_network
    from supplysim.scenario import parse_scenario

    key = None
    if isinstance(scenario, str) and (world is None or isinstance(world, str)):
        key = (world, scenario)
        if key in _NETWORKS:
            return _NETWORKS[key]
    w = _rebuild_world(world)
    s = parse_scenario(scenario, w.vocabulary(), file="<cluster>") if isinstance(
        scenario, str) else scenario
    net = compile_network(w, s)
    if key is not None:
        if len(_NETWORKS) >= _CACHE_SIZE:
            _NETWORKS.pop(next(iter(_NETWORKS)))
        _NETWORKS[key] = net
    return net


def run_chunk_task(world: Any, scenario: Any, root_entropy: Any, first: int, n: int,
                   spawn_key: tuple[int, ...] = (), backend: str = "numpy",
                   out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Simulate one chunk from plain inputs (runs on a worker).

    Parameters
    ----------
    world : None, str or dict
        See :func:`world_payload`.
    scenario : str or Scenario
        See :func:`scenario_payload`.
    root_entropy : int or list of int
        Entropy of the root seed.
    first, n : int
        The chunk: paths ``[first, first + n)``.
    spawn_key : tuple of int
        Spawn key of the root seed (empty for an int seed).
    backend : str
        Backend that runs the chunk (see :mod:`supplysim.engines.backends`).
    out : dict of numpy.ndarray, optional
        Zeroed arrays that receive the result (see :func:`supplysim.run.run_chunk`).

    Returns
    -------
    dict of numpy.ndarray
        As :func:`supplysim.run.run_chunk`.
    """
    from supplysim.engines.balance import BalanceLog
    from supplysim.run import run_chunk

    net = _network(world, scenario)
    root = np.random.SeedSequence(root_entropy, spawn_key=tuple(spawn_key))
    return run_chunk(net, root, first, n, BalanceLog(net), backend=backend, out=out)
