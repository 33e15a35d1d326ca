"""The ``affectlab`` command line."""
