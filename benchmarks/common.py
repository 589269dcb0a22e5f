"""Functions shared by the benchmark scripts: scenario variants, machine description, JSON."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import supplysim

OUT = Path(__file__).parent / "out"


def horizon_variant(base: str, months: int, world=None):
    """``base`` (a bundled name) extended to a horizon of ``months`` months."""
    text = f"name: {base}_{months}m\nextends: {base}\nhorizon: {{months: {months}}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{base}_{months}m.yaml"
        path.write_text(text)
        return supplysim.load_scenario(path, world)


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine() -> dict:
    """Where and when the figures were measured."""
    return dict(platform=platform.platform(), machine=platform.machine(),
                processor=cpu_model(), cpus=os.cpu_count(),
                python=platform.python_version(), numpy=np.__version__,
                supplysim=supplysim.__version__,
                utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                load_average=list(os.getloadavg()) if hasattr(os, "getloadavg") else None)


def write_json(path: str | os.PathLike[str], report: dict) -> Path:
    """Write ``report`` as indented JSON, creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path
