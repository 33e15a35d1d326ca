"""Surfaces: how people reach affectlab.

- :mod:`affectlab.surfaces.api`: the Python API (``analyze``, ``Analyzer``, ``flatten``).
- :mod:`affectlab.surfaces.cli`: the ``affectlab`` command, one module per sub-command.
- :mod:`affectlab.surfaces.plots`: PNG and HTML pictures and reports (extra ``[plot]``).

Surfaces call analyses and engines; nothing below imports a surface.
"""
