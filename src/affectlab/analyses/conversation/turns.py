"""Reading conversation rows: validation, time order and predecessor links."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.conversation.records import DEFAULT_CONVERSATION, Turn, TurnColumns, turn_columns
from affectlab.core.validation import check_choice
from affectlab.errors import AffectlabWarning, InputError

if TYPE_CHECKING:
    import pandas as pd


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def as_id(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.integer | np.floating):
        return as_id(value.item())
    return str(value).strip()


def _time_key(value: object, where: str) -> tuple[str, float] | None:
    """(kind, sortable seconds) of a timestamp; kind is ``number`` or ``date``."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise InputError(f"{where}: timestamp {value!r} is a boolean; use numbers (seconds) or dates.")
    number: float | None = None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    if number is not None:
        return ("number", number) if math.isfinite(number) else None
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{where}: timestamp {value!r} is neither a number nor a date; use seconds or ISO 8601 dates."
        ) from exc
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return "date", (stamp - pd.Timestamp(0)).total_seconds()


def _json_time(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, str | int | float):
        return value
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


# ---------------------------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------------------------
def _rows_of(data: object) -> tuple[list[Mapping[str, Any]], list[str]]:
    if isinstance(data, str | bytes):
        raise InputError("Conversation data must be a DataFrame or rows (mappings), not a string; read the file first.")
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        frame: Any = data
        columns = [str(c) for c in frame.columns]
        records = frame.to_dict("records")
        return [{str(k): v for k, v in r.items()} for r in records], columns
    if not isinstance(data, Iterable):
        raise InputError(f"Conversation data must be a DataFrame or an iterable of rows. Got {type(data).__name__}.")
    rows: list[Mapping[str, Any]] = []
    columns: dict[str, None] = {}
    for index, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise InputError(f"Row {index} is a {type(row).__name__}; every row must be a mapping of column -> value.")
        rows.append(row)
        columns.update(dict.fromkeys(map(str, row)))
    return rows, list(columns)


def resolve_columns(columns: TurnColumns, available: list[str]) -> TurnColumns:
    """``columns`` with the optional names filled in from the defaults present in ``available``.

    Raises
    ------
    InputError
        A required column, or an optional one named explicitly, is not in ``available`` (the message lists them).
    """
    missing = [c for c in (columns.speaker, columns.text) if c not in available]
    if missing:
        raise InputError(
            f"Missing column(s) {', '.join(map(repr, missing))} (speaker={columns.speaker!r}, "
            f"text={columns.text!r}). Available columns: {', '.join(available)}. Name the right ones "
            "(--speaker-column / --text-column on the command line, TurnColumns(speaker=..., text=...) in Python)."
        )
    optional = {"time": ("timestamp",), "reply_to": ("reply_to",), "id": ("turn_id", "id")}
    optional["conversation"] = ("conversation_id",)
    resolved = {}
    for name, defaults in optional.items():
        given = getattr(columns, name)
        if given is not None and given not in available:
            raise InputError(
                f"Column {given!r} ({name}) not found. Available columns: {', '.join(available) or 'none'}."
            )
        resolved[name] = given if given is not None else next((d for d in defaults if d in available), None)
    return TurnColumns(text=columns.text, speaker=columns.speaker, **resolved)


def load_turns(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    columns: TurnColumns | None = None,
    on_unsorted: str = "sort",
    **deprecated: str | None,
) -> list[Turn]:
    """Validate conversation rows and put each conversation in order.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        One row per turn.
    columns : TurnColumns, optional
        Column names; default ``TurnColumns()``: ``speaker`` and ``text`` (required), and ``timestamp``,
        ``reply_to``, ``turn_id`` (or ``id``) and ``conversation_id`` when present. Timestamps are numbers
        (any unit) or dates.
    on_unsorted : {"sort", "error"}, default="sort"
        What to do when a conversation's timestamps go backwards: sort it (stable, with an
        :class:`~affectlab.errors.AffectlabWarning`) or raise :class:`~affectlab.errors.InputError`.
    **deprecated : str
        The first release's ``speaker_col=``, ``text_col=``, ``time_col=``, ``reply_to_col=``,
        ``turn_id_col=``, ``conversation_col=`` (DeprecationWarning; use ``columns``).

    Returns
    -------
    list of Turn
        Conversations in order of first appearance, each in conversation order.

    Raises
    ------
    InputError
        No rows, missing columns (the message lists the available ones), a row without a speaker,
        duplicate turn ids within a conversation, unreadable timestamps, or unsorted input
        under ``on_unsorted="error"``.

    Examples
    --------
    >>> turns = load_turns([{"speaker": "a", "text": "hi"}, {"speaker": "b", "text": "hello"}])
    >>> [(t.turn_id, t.parent) for t in turns]
    [('0', None), ('1', '0')]
    """
    columns = turn_columns(columns, deprecated, "load_turns")
    check_choice(on_unsorted, "on_unsorted", "load_turns", ("sort", "error"))
    rows, available = _rows_of(data)
    if not rows:
        raise InputError("The conversation data has no rows (no turns); pass at least one turn.")
    columns = resolve_columns(columns, available)
    groups: dict[str, list[Turn]] = {}
    keys: dict[str, list[tuple[str, float] | None]] = {}
    for index, row in enumerate(rows):
        turn = _turn(index, row, columns)
        groups.setdefault(turn.conversation_id, []).append(turn)
        key = _time_key(row.get(columns.time), f"Row {index}") if columns.time else None
        keys.setdefault(turn.conversation_id, []).append(key)
    out: list[Turn] = []
    for conversation, turns in groups.items():
        _check_unique(conversation, turns)
        if columns.time:
            turns = _sort_by_time(conversation, turns, keys[conversation], on_unsorted)
        out += _link(turns, threaded=any(t.reply_to is not None for t in turns))
    return out


def _required_id(row: Mapping[str, Any], column: str, index: int, what: str, fix: str) -> str:
    value = as_id(row.get(column)) or ""
    if not value:
        raise InputError(f"Row {index} has no {what} (column {column!r}); {fix}.")
    return value


def _turn(index: int, row: Mapping[str, Any], columns: TurnColumns) -> Turn:
    """The turn of input row ``index`` (not yet linked); ``columns`` are resolved."""
    speaker = _required_id(row, columns.speaker, index, "speaker", "fill it in or drop the row")
    conversation = DEFAULT_CONVERSATION
    if columns.conversation is not None:
        conversation = _required_id(row, columns.conversation, index, "conversation id", "fill it in or drop the row")
    turn_id = str(index)
    if columns.id is not None:
        turn_id = _required_id(row, columns.id, index, "turn id", "every turn needs one")
    raw_time = row.get(columns.time) if columns.time else None
    return Turn(
        conversation_id=conversation,
        turn_id=turn_id,
        row=index,
        speaker=speaker,
        text=row.get(columns.text),
        timestamp=_json_time(raw_time),
        reply_to=as_id(row.get(columns.reply_to)) if columns.reply_to else None,
        flags=("missing_timestamp",) if columns.time and is_missing(raw_time) else (),
        columns=dict(row),
    )


def _check_unique(conversation: str, turns: list[Turn]) -> None:
    seen: set[str] = set()
    for t in turns:
        if t.turn_id in seen:
            raise InputError(
                f"Turn id {t.turn_id!r} appears twice in conversation {conversation!r} (row {t.row}); "
                "turn ids must be unique within a conversation."
            )
        seen.add(t.turn_id)


def _sort_by_time(
    conversation: str, turns: list[Turn], keys: list[tuple[str, float] | None], on_unsorted: str
) -> list[Turn]:
    kinds = {k[0] for k in keys if k is not None}
    if len(kinds) > 1:
        raise InputError(
            f"Conversation {conversation!r} mixes numeric and date timestamps; use one kind for all its turns."
        )
    filled: list[float] = []
    for key in keys:
        filled.append(key[1] if key is not None else (filled[-1] if filled else -math.inf))
    backwards = [i for i in range(1, len(filled)) if filled[i] < filled[i - 1]]
    if not backwards:
        return turns
    first = backwards[0]
    where = (
        f"conversation {conversation!r}: turn {turns[first].turn_id!r} (timestamp {turns[first].timestamp!r}) "
        f"comes after turn {turns[first - 1].turn_id!r} (timestamp {turns[first - 1].timestamp!r})"
    )
    if on_unsorted == "error":
        raise InputError(f"Turns are not in time order in {where}. Sort the input or pass on_unsorted='sort'.")
    warnings.warn(
        f"Turns are not in time order in {where}; sorted by timestamp ({len(backwards)} out-of-order turn(s)).",
        AffectlabWarning,
        stacklevel=4,
    )
    order = sorted(range(len(turns)), key=lambda i: filled[i])
    return [
        Turn(**{**turns[i].__dict__, "flags": (*turns[i].flags, "reordered")}) if i != pos else turns[i]
        for pos, i in enumerate(order)
    ]


def _link(turns: list[Turn], *, threaded: bool) -> list[Turn]:
    position = {t.turn_id: i for i, t in enumerate(turns)}
    out = []
    for i, t in enumerate(turns):
        flags = t.flags
        parent: str | None
        if not threaded:
            parent = turns[i - 1].turn_id if i else None
        elif t.reply_to is None:
            parent = None
        elif t.reply_to not in position:
            parent, flags = None, (*flags, "unknown_reply_to")
        elif position[t.reply_to] >= i:
            parent, flags = None, (*flags, "reply_to_not_earlier")
        else:
            parent = t.reply_to
        out.append(Turn(**{**t.__dict__, "parent": parent, "flags": flags}))
    return out
