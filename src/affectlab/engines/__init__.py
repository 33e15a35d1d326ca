"""Engines: interchangeable backends that turn texts into Affect records."""
