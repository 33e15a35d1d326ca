"""Posts and their reply chains: roots, replies, orphans, cycles, conversations and UTC times.

:func:`resolve_posts` reads one row per post (id, text, parent id, time) and works out, for each,
its role (``root``: no parent; ``reply``: the parent is in the table; ``orphan``: a parent id that is
not in the table, treated as a root as the published code does), the row of its parent, and its
conversation (the id of the root its chain leads to). Times are read as UTC: naive times are taken
to be UTC, times with an offset or zone are converted, numbers are Unix seconds.

Bad input raises :class:`~affectlab.errors.InputError` naming the row, or with ``on_error="skip"``
flags the row: ``missing_id``, ``duplicate_id`` (a later row reusing an id; never a parent),
``cycle`` (the chain loops, or leads into a loop), ``bad_time`` (missing or unreadable time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from affectlab.core.validation import check_choice
from affectlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ON_ERROR", "Posts", "resolve_posts"]

ON_ERROR = ("fail", "skip")
_HINT = "Fix the table or pass on_error='skip' (--on-error skip) to flag such rows and go on."


@dataclass(frozen=True)
class Posts:
    """The posts of a corpus with their reply structure.

    Attributes
    ----------
    table : DataFrame
        One row per input row, in order (RangeIndex): ``id``, ``text``, ``parent_id`` (None for a root),
        ``parent_row`` (position of the parent row, -1 when there is none), ``role`` (root, reply or
        orphan), ``conversation`` (id of the chain's root; None in a cycle), ``time`` (UTC timestamps,
        NaT when unreadable) and ``flags`` (tuple of str).
    source : DataFrame
        The input rows (RangeIndex), for annotators that read labels from columns.
    """

    table: pd.DataFrame
    source: pd.DataFrame


def _as_id(value: object) -> str | None:
    """A post id as text: None for missing/blank, ``3`` for the float ``3.0`` a csv reader makes of ``3``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else None


def _where(row: int, post_id: str | None) -> str:
    return f"Row {row + 1} of the table" + (f" (id {post_id!r})" if post_id is not None else "")


def resolve_posts(
    frame: pd.DataFrame,
    *,
    id_column: str = "id",
    text_column: str = "text",
    parent_column: str = "parent_id",
    time_column: str = "time",
    on_error: str = "fail",
) -> Posts:
    """Roles, parents, conversations and UTC times of the posts in ``frame``.

    Parameters
    ----------
    frame : DataFrame
        One row per post.
    id_column, text_column, parent_column, time_column : str
        Columns of post ids, texts, the id of the post replied to (empty for a root) and times.
    on_error : {"fail", "skip"}, default="fail"
        ``fail`` raises at the first bad row; ``skip`` flags it (see the module docs).

    Returns
    -------
    Posts

    Raises
    ------
    InputError
        A missing column; with ``on_error="fail"`` a missing or repeated id, a reply cycle, a missing or
        unreadable time (the message names the row).
    """
    import pandas as pd

    check_choice(on_error, "on_error", "polarization", ON_ERROR)
    missing = [c for c in dict.fromkeys((id_column, text_column, parent_column, time_column)) if c not in frame]
    if missing:
        raise InputError(
            f"Column(s) {', '.join(map(repr, missing))} not found. Available: {', '.join(map(str, frame.columns))}."
        )
    source = frame.reset_index(drop=True)
    n = len(source)
    ids = [_as_id(v) for v in source[id_column].tolist()]
    parents = [_as_id(v) for v in source[parent_column].tolist()]
    flags: list[list[str]] = [[] for _ in range(n)]

    def bad(row: int, flag: str, message: str) -> None:
        if on_error == "fail":
            raise InputError(f"{message} {_HINT}")
        flags[row].append(flag)

    position: dict[str, int] = {}
    for row, post_id in enumerate(ids):
        if post_id is None:
            bad(row, "missing_id", f"{_where(row, None)} has no id in column {id_column!r}.")
        elif post_id in position:
            first = position[post_id]
            bad(row, "duplicate_id", f"{_where(row, post_id)} repeats the id of row {first + 1}.")
        else:
            position[post_id] = row

    parent_row = np.full(n, -1, dtype=np.int64)
    role = np.full(n, "root", dtype=object)
    for row, parent in enumerate(parents):
        if parent is None:
            continue
        found = position.get(parent)
        if found is None:
            role[row] = "orphan"
        else:
            role[row], parent_row[row] = "reply", found
    conversation = _conversations(ids, parent_row, bad)

    times = _utc_times(source[time_column])
    for row in np.flatnonzero(times.isna().to_numpy()):
        value = source[time_column].iloc[row]
        what = "has no time" if _as_id(value) is None else f"has time {value!r}, which cannot be read as a date"
        bad(
            int(row),
            "bad_time",
            f"{_where(int(row), ids[row])} {what} in column {time_column!r}; use ISO 8601 such as "
            "2026-03-01T09:00:00Z (naive times are taken as UTC).",
        )
    texts = source[text_column]
    table = pd.DataFrame(
        {
            "id": ids,
            "text": texts.where(texts.notna(), "").astype(str).tolist(),
            "parent_id": parents,
            "parent_row": parent_row,
            "role": role,
            "conversation": conversation,
            "time": times,
            "flags": [tuple(f) for f in flags],
        }
    )
    return Posts(table, source)


def _conversations(
    ids: list[str | None], parent_row: np.ndarray, bad: Callable[[int, str, str], None]
) -> list[str | None]:
    """Root id of every row's chain; None (and a ``cycle`` flag, or an error) for chains that loop."""
    n = len(ids)
    root: list[str | None] = [None] * n
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current path, 2 done
    for start in range(n):
        path = []
        row = start
        while state[row] == 0:
            state[row] = 1
            path.append(row)
            if parent_row[row] < 0:
                break
            row = int(parent_row[row])
        if state[row] == 1 and parent_row[row] >= 0:  # walked back onto the current path: a loop
            loop = path[path.index(row) :]
            shown = " -> ".join(repr(ids[r]) for r in [*loop, loop[0]])
            for r in path:
                bad(r, "cycle", f"{_where(r, ids[r])} is in or below a reply cycle ({shown}).")
            found = None
        else:
            found = ids[row] if parent_row[row] < 0 else root[row]
            if state[row] == 2 and parent_row[row] >= 0 and root[row] is None:  # joins a known loop
                for r in path:
                    bad(r, "cycle", f"{_where(r, ids[r])} replies into a reply cycle.")
        for r in path:
            root[r], state[r] = found, 2
    return root


def _utc_times(column: pd.Series) -> pd.Series:
    """UTC timestamps: naive values taken as UTC, aware ones converted, numbers as Unix seconds; NaT if unreadable."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return pd.to_datetime(column, unit="s", utc=True, errors="coerce")
    values = column.where(column.notna(), None)
    return pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
