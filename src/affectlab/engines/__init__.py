"""Engines: interchangeable backends that turn texts into Affect records, and the one pipeline.

- :mod:`.base`: the :class:`~affectlab.engines.base.Engine` interface (implement ``score``).
- :mod:`.registry`: names to factories, entry-point plugins loaded lazily.
- :mod:`.pipeline`: :class:`~affectlab.engines.pipeline.Analyzer`, the batching pipeline every analysis uses.
- :mod:`.embedded`, :mod:`.lexicon`, :mod:`.hf`: the shipped engines.
"""
