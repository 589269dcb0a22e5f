"""The vector engine's month compiled with numba: one loop over paths, each path's step fused."""
