"""Reading conversation rows: validation, time order and predecessor links."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.conversation.records import DEFAULT_CONVERSATION, Turn
from affectlab.errors import AffectlabWarning, InputError, ParameterError

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


def check_choice(name: str, value: object, allowed: Sequence[str], owner: str = "conversation_dynamics") -> None:
    if value not in allowed:
        raise ParameterError(
            f"The '{name}' parameter of {owner} must be one of {', '.join(map(repr, allowed))}. Got {value!r} instead."
        )


def check_number(name: str, value: object, low: float, high: float | None, *, integer: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = isinstance(value, int)
    if ok:
        ok = value >= low and (high is None or value <= high)  # type: ignore[operator]
    if not ok:
        kind = "an int" if integer else "a number"
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ParameterError(
            f"The '{name}' parameter of conversation_dynamics must be {kind} {bound}. Got {value!r} instead."
        )


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


def _resolve_column(given: str | None, defaults: tuple[str, ...], option: str, available: list[str]) -> str | None:
    if given is not None:
        if given not in available:
            raise InputError(
                f"Column {given!r} ({option}) not found. Available columns: {', '.join(available) or 'none'}."
            )
        return given
    return next((d for d in defaults if d in available), None)


def load_turns(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    speaker_col: str = "speaker",
    text_col: str = "text",
    time_col: str | None = None,
    reply_to_col: str | None = None,
    turn_id_col: str | None = None,
    conversation_col: str | None = None,
    on_unsorted: str = "sort",
) -> list[Turn]:
    """Validate conversation rows and put each conversation in order.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        One row per turn.
    speaker_col, text_col : str, default="speaker", "text"
        Required columns.
    time_col, reply_to_col, turn_id_col, conversation_col : str, optional
        Optional columns. When not named, ``timestamp``, ``reply_to``, ``turn_id`` (or ``id``) and
        ``conversation_id`` are used if present. Timestamps are numbers (any unit) or dates.
    on_unsorted : {"sort", "error"}, default="sort"
        What to do when a conversation's timestamps go backwards: sort it (stable, with an
        :class:`~affectlab.errors.AffectlabWarning`) or raise :class:`~affectlab.errors.InputError`.

    Returns
    -------
    list of Turn
        Conversations in order of first appearance, each in conversation order.

    Raises
    ------
    InputError
        Missing columns (the message lists the available ones), a row without a speaker,
        duplicate turn ids within a conversation, unreadable timestamps, or unsorted input
        under ``on_unsorted="error"``.

    Examples
    --------
    >>> turns = load_turns([{"speaker": "a", "text": "hi"}, {"speaker": "b", "text": "hello"}])
    >>> [(t.turn_id, t.parent) for t in turns]
    [('0', None), ('1', '0')]
    """
    check_choice("on_unsorted", on_unsorted, ("sort", "error"), "load_turns")
    rows, available = _rows_of(data)
    if not rows:
        raise InputError("The conversation data has no rows; pass at least one turn.")
    missing = [c for c in (speaker_col, text_col) if c not in available]
    if missing:
        raise InputError(
            f"Missing column(s) {', '.join(map(repr, missing))} (speaker_col={speaker_col!r}, "
            f"text_col={text_col!r}). Available columns: {', '.join(available)}. Name the right ones "
            "(--speaker-col / --text-col on the command line)."
        )
    time_col = _resolve_column(time_col, ("timestamp",), "time_col", available)
    reply_to_col = _resolve_column(reply_to_col, ("reply_to",), "reply_to_col", available)
    turn_id_col = _resolve_column(turn_id_col, ("turn_id", "id"), "turn_id_col", available)
    conversation_col = _resolve_column(conversation_col, ("conversation_id",), "conversation_col", available)

    groups: dict[str, list[Turn]] = {}
    keys: dict[str, list[tuple[str, float] | None]] = {}
    for index, row in enumerate(rows):
        speaker = as_id(row.get(speaker_col))
        if speaker is None:
            raise InputError(f"Row {index} has no speaker (column {speaker_col!r}); fill it in or drop the row.")
        conversation = DEFAULT_CONVERSATION
        if conversation_col is not None:
            conversation = as_id(row.get(conversation_col)) or ""
            if not conversation:
                raise InputError(
                    f"Row {index} has no conversation id (column {conversation_col!r}); fill it in or drop the row."
                )
        turn_id = str(index)
        if turn_id_col is not None:
            turn_id = as_id(row.get(turn_id_col)) or ""
            if not turn_id:
                raise InputError(f"Row {index} has no turn id (column {turn_id_col!r}); every turn needs one.")
        raw_time = row.get(time_col) if time_col else None
        groups.setdefault(conversation, []).append(
            Turn(
                conversation_id=conversation,
                turn_id=turn_id,
                row=index,
                speaker=speaker,
                text=row.get(text_col),
                timestamp=_json_time(raw_time),
                reply_to=as_id(row.get(reply_to_col)) if reply_to_col else None,
                flags=("missing_timestamp",) if time_col and is_missing(raw_time) else (),
                columns=dict(row),
            )
        )
        keys.setdefault(conversation, []).append(_time_key(raw_time, f"Row {index}") if time_col else None)

    out: list[Turn] = []
    for conversation, turns in groups.items():
        seen: set[str] = set()
        for t in turns:
            if t.turn_id in seen:
                raise InputError(
                    f"Turn id {t.turn_id!r} appears twice in conversation {conversation!r} (row {t.row}); "
                    "turn ids must be unique within a conversation."
                )
            seen.add(t.turn_id)
        if time_col:
            turns = _sort_by_time(conversation, turns, keys[conversation], on_unsorted)
        out += _link(turns, threaded=any(t.reply_to is not None for t in turns))
    return out


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
