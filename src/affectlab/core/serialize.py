"""One JSON serializer for every record: dataclasses to JSON-safe dicts, NaN and inf to null.

>>> import math
>>> jsonable({"r": math.nan, "n": (1, 2.123456789)}, digits=3)
{'r': None, 'n': [1, 2.123]}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["jsonable"]


def jsonable(value: Any, *, digits: int | None = None) -> Any:
    """``value`` as plain JSON types: dict, list, str, int, float, bool or None.

    Dataclasses become dicts of their fields (recursively), tuples and arrays
    lists, numpy scalars Python numbers, non-finite floats None. With ``digits``,
    floats are rounded to that many decimal places.
    """
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        return number if digits is None else round(number, digits)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), digits=digits) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, digits=digits) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v, digits=digits) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)
