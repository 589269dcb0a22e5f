"""Engines decide *when* things happen; :mod:`supplysim.rules` decides *what*."""
