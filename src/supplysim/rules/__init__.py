"""Pure array functions that decide *what* happens; both engines call them.

Every function works on plain numpy arrays, for a scalar as well as for ``(paths, ...)`` shapes,
and allocates nothing it does not return.
"""
