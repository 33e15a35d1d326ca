"""Figures and reports (matplotlib is imported lazily; install the ``plot`` extra)."""
