"""Surfaces: the Python API, the command line, the HTTP service and Ray batch jobs."""
