"""The ratings behind a reliability report: checked, counted, cleaned, and the reference built from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectlab.analyses.agreement.ratings import check_columns, is_missing
from affectlab.core.validation import check_choice
from affectlab.errors import InputError, ParameterError

__all__ = ["AGGREGATES", "Ratings", "prepare"]

#: How several reference raters become one reference value per item.
AGGREGATES = ("mean", "median")
#: Column names of the clean table.
KEY = ["attribute", "system", "item"]


@dataclass(frozen=True)
class Ratings:
    """Clean ratings and what was left out.

    ``values``: the judged raters' usable ratings (columns attribute, system, item, rater, value as float);
    ``reference``: one value per rated (attribute, system, item), with ``n_members`` and ``partial``;
    ``everyone``: every rater's usable ratings (for pairs); ``raters`` judged and ``attributes`` in first-seen
    order; ``counts`` per rater and attribute; ``notes``.
    """

    values: pd.DataFrame
    reference: pd.DataFrame
    everyone: pd.DataFrame
    raters: tuple[str, ...]
    attributes: tuple[str, ...]
    counts: pd.DataFrame
    notes: tuple[str, ...]


def prepare(
    frame: pd.DataFrame,
    *,
    item: str,
    rater: str,
    value: str,
    reference: Sequence[str],
    attribute: str | None,
    system: str | None,
    raters: Sequence[str] | None,
    exclude_self: Sequence[tuple[str, str]],
    aggregate: str,
    owner: str,
) -> Ratings:
    """Check the columns and names, count bad values, drop self-ratings, and build the reference per item."""
    check_columns(frame, [item, rater, value, attribute, system])
    check_choice(aggregate, "reference_aggregate", owner, AGGREGATES)
    for column in (item, rater, attribute, system):
        if column is not None:
            _no_missing_ids(frame[column], column)
    table = pd.DataFrame(
        {
            "attribute": frame[attribute].astype(str).to_numpy() if attribute else value,
            "system": frame[system].astype(str).to_numpy() if system else "",
            "item": frame[item].astype(str).to_numpy(),
            "rater": frame[rater].astype(str).to_numpy(),
        }
    )
    present = list(dict.fromkeys(table["rater"]))
    _known(reference, present, "reference rater", rater)
    judged = tuple(r for r in present if r not in reference) if raters is None else tuple(raters)
    _known(judged, present, "rater", rater)
    if not judged:
        raise InputError(f"Every rater in column {rater!r} is part of the reference; there is no rater to judge.")
    missing = is_missing(frame[value])
    numbers = pd.to_numeric(frame[value].where(~missing), errors="coerce").to_numpy(dtype=np.float64)
    non_numeric = ~missing & ~np.isfinite(numbers)
    table["value"] = np.where(non_numeric, np.nan, numbers)
    table["missing"], table["non_numeric"] = missing, non_numeric
    table["excluded"] = _self_rows(table, exclude_self, system, present)
    _no_repeats(table[~missing & ~non_numeric], item)
    valid = table[~(table["missing"] | table["non_numeric"] | table["excluded"])]
    ref = _reference(valid[valid["rater"].isin(reference)], reference, aggregate)
    values = valid[valid["rater"].isin(judged)][[*KEY, "rater", "value"]].reset_index(drop=True)
    counts = _counts(table, ref)
    attributes = tuple(dict.fromkeys(table["attribute"]))
    raw = pd.Series(frame[value].to_numpy(), index=table.index)
    notes = _notes(raw, table, counts, ref, reference, judged, aggregate)
    everyone = valid[[*KEY, "rater", "value"]].reset_index(drop=True)
    return Ratings(values, ref, everyone, judged, attributes, counts, notes)


def _no_missing_ids(column: pd.Series, name: str) -> None:
    missing = column.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"Row {row} has no {name!r} value ({int(missing.sum())} such rows); every rating needs its item, rater, "
            "attribute and system. Drop those rows or fill them in."
        )


def _known(names: Sequence[str], present: list[str], what: str, column: str) -> None:
    unknown = [n for n in names if n not in present]
    if unknown:
        shown = ", ".join(present[:20]) + (" ..." if len(present) > 20 else "")
        raise InputError(f"Unknown {what} {unknown[0]!r}: column {column!r} holds the raters {shown}.")


def _self_rows(
    table: pd.DataFrame, exclude_self: Sequence[tuple[str, str]], system: str | None, present: list[str]
) -> np.ndarray:
    """Rows where a judge rates its own system (to leave out)."""
    out = np.zeros(len(table), dtype=bool)
    if not exclude_self:
        return out
    if system is None:
        raise ParameterError("exclude_self needs the system column: pass system= (--system-column).")
    systems = list(dict.fromkeys(table["system"]))
    for judge, own in exclude_self:
        _known([judge], present, "rater in exclude_self", "rater")
        if own not in systems:
            shown = ", ".join(systems[:20]) + (" ..." if len(systems) > 20 else "")
            raise InputError(f"Unknown system {own!r} in exclude_self ({judge}={own}): the systems are {shown}.")
        out |= ((table["rater"] == judge) & (table["system"] == own)).to_numpy()
    return out


def _no_repeats(table: pd.DataFrame, item: str) -> None:
    repeated = table.duplicated([*KEY, "rater"])
    if repeated.any():
        first = table[repeated].iloc[0]
        raise InputError(
            f"Item {first['item']!r} has more than one {first['attribute']!r} rating from rater {first['rater']!r} "
            f"({int(repeated.sum())} repeated ratings); give each rating its own {item!r} id, or average the repeats."
        )


def _reference(rows: pd.DataFrame, members: Sequence[str], aggregate: str) -> pd.DataFrame:
    """One reference value per (attribute, system, item): the member's, or the members' mean or median."""
    grouped = rows.groupby(KEY, sort=False)["value"]
    out = grouped.agg(aggregate).rename("value").to_frame()
    out["n_members"] = grouped.size()
    out["partial"] = out["n_members"] < len(members)
    return out.reset_index()


def _counts(table: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """Per rater and attribute: rows, missing, non-numeric, excluded, no reference, paired."""
    keys = pd.MultiIndex.from_frame(ref[KEY])
    table = table.assign(covered=pd.MultiIndex.from_frame(table[KEY]).isin(keys))
    usable = ~(table["missing"] | table["non_numeric"] | table["excluded"])
    table["no_reference"] = usable & ~table["covered"]
    table["paired"] = usable & table["covered"]
    grouped = table.groupby(["rater", "attribute"], sort=False)
    counts = grouped.agg(
        rows=("value", "size"),
        missing=("missing", "sum"),
        non_numeric=("non_numeric", "sum"),
        excluded_self=("excluded", "sum"),
        no_reference=("no_reference", "sum"),
        paired=("paired", "sum"),
    ).reset_index()
    return counts.astype({c: np.int64 for c in counts.columns[2:]})


def _notes(
    raw: pd.Series,
    table: pd.DataFrame,
    counts: pd.DataFrame,
    ref: pd.DataFrame,
    members: Sequence[str],
    judged: tuple[str, ...],
    aggregate: str,
) -> tuple[str, ...]:
    """What was counted and left out, one line per rater, attribute and cause."""
    made = members[0] if len(members) == 1 else f"the per-item {aggregate} of {', '.join(members)}"
    notes = [f"reference: {made}; {len(ref)} rated (attribute, item) pairs"]
    partial = int(ref["partial"].sum())
    if partial:
        notes.append(f"reference: {partial} item(s) lack some of its raters ({aggregate} of the others)")
    for row in counts.itertuples():
        where = f"{row.rater}, {row.attribute}"
        if row.missing:
            notes.append(f"{where}: {row.missing} missing rating(s) left out")
        if row.non_numeric:
            mine = raw[table["non_numeric"] & (table["rater"] == row.rater) & (table["attribute"] == row.attribute)]
            shown = ", ".join(repr(v) for v in mine.drop_duplicates().head(3))
            notes.append(f"{where}: {row.non_numeric} non-numeric value(s) ({shown}) left out")
        if row.excluded_self:
            notes.append(f"{where}: {row.excluded_self} rating(s) of its own system left out (exclude_self)")
        if row.no_reference:
            notes.append(f"{where}: {row.no_reference} rating(s) of items without a reference value left out")
        if row.rater in judged and row.paired < 2:
            notes.append(f"{where}: {row.paired} item(s) rated with the reference; its ICCs are undefined")
    return tuple(notes)
