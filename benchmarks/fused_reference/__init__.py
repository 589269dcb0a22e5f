"""Fused reference of the vector engine's monthly step: one compiled loop per path (numba).

It gives the same numbers as :mod:`supplysim.engines.vector` and shows what this machine can do
with the same model, so ``throughput.py`` states the engine's speed as a fraction of it.
"""
