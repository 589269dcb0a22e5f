"""The vector engine's month compiled with numba (``backend="numba"``).

A ``prange`` runs blocks of paths in parallel; each block's month runs every row's arithmetic
in an inner loop over the block's paths, in the order of the numpy engine's operations, so the
numbers equal the numpy backend's bit for bit. ``inputs`` decides with the numpy engine's own
functions what does not depend on the paths' state; ``pack`` flattens the network's layout;
``kernels`` and ``month`` are the compiled month; ``guard`` checks every path's balance each
month; ``run`` runs a chunk.
"""
