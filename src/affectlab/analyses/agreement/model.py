"""A model as one more rater: score each item's text with an engine and put the field on the humans' scale."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from affectlab.analyses.agreement.compare import agreement, compare_with_model
from affectlab.core import scales
from affectlab.core.records import flatten
from affectlab.core.validation import check_choice
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import InputError, ParameterError

__all__ = ["MODEL_SCALES", "compare_with_engine", "item_texts", "model_values", "on_scale"]

MODEL_SCALES = ("raw", "unit", "emobank")
SIGNED_FIELDS = ("vad.valence", "vad.arousal", "vad.dominance", "sentiment.score")
_NOT_OUTPUTS = ("id", "evidence", "flags", "error", "taxonomy", "model")


def item_texts(frame: pd.DataFrame, *, item: str, text_column: str, where: str = "the table") -> pd.Series:
    """The first non-empty text of each item, indexed by item id.

    Parameters
    ----------
    frame : DataFrame
        A table with the ``item`` and ``text_column`` columns (the ratings, or a separate texts table).
    item, text_column : str
        Columns of item ids and texts.
    where : str, default="the table"
        How messages name ``frame``.

    Raises
    ------
    InputError
        A column is missing; the message lists the available ones.
    """
    for column in (item, text_column):
        if column not in frame.columns:
            raise InputError(
                f"Column {column!r} not found in {where}; it needs item ids and texts. "
                f"Available columns: {', '.join(map(str, frame.columns))}."
            )
    texts = frame[[item, text_column]].dropna()
    texts = texts[texts[text_column].astype(str).str.strip() != ""]
    return texts.drop_duplicates(item).set_index(item)[text_column].astype(str)


def model_values(
    texts: pd.Series,
    *,
    engine: EngineSpec,
    field: str,
    scale: str = "raw",
    taxonomy: str | None = None,
    progress: bool = False,
) -> pd.Series:
    """The model's ``field`` for each text, scored once and put on the humans' scale.

    Parameters
    ----------
    texts : Series of str
        One text per item, indexed by item id (see :func:`item_texts`).
    engine : str, Engine or Analyzer
        The model (see :func:`affectlab.engines.pipeline.as_analyzer`).
    field : str
        A column of :func:`affectlab.core.records.flatten`: ``vad.valence``, ``emotions.joy``, ``top``, ...
    scale : str, default="raw"
        See :func:`on_scale`: ``raw``, ``unit`` or ``emobank``.
    taxonomy : str, optional
        Taxonomy of the reported emotions (default: the engine's native one).
    progress : bool, default=False
        A progress bar on stderr (only on a terminal).

    Returns
    -------
    Series
        Indexed like ``texts``.

    Raises
    ------
    ParameterError
        ``field`` is not a model output or the model gives none for these texts; a ``scale`` the field does not
        take.
    """
    check_choice(scale, "scale", "model_values", MODEL_SCALES)
    analyzer = as_analyzer(engine, owner="model_values", taxonomy=taxonomy)
    records = analyzer.analyze(texts.tolist(), texts.index.tolist(), progress=progress, description="scoring")
    rows = [flatten(record) for record in records]
    for row in rows:
        if field not in row or field in _NOT_OUTPUTS:
            usable = ", ".join(k for k in row if k not in _NOT_OUTPUTS)
            raise ParameterError(
                f"The 'field' parameter of model_values must be a model output. Got {field!r} instead; choose "
                f"from {usable}."
            )
    series = pd.Series([row[field] for row in rows], index=texts.index, dtype=object)
    if series.isna().all():
        raise ParameterError(f"The model {engine!r} gives no {field!r} for these texts; choose another field.")
    return on_scale(series, field, scale)


def on_scale(values: pd.Series, field: str, scale: str) -> pd.Series:
    """Put model values on the humans' scale.

    ``raw`` keeps them (probabilities in [0, 1], VAD and sentiment score in [-1, 1], labels); ``unit`` maps the
    [-1, 1] fields to [0, 1] (``(x + 1) / 2``; [0, 1] fields unchanged); ``emobank`` maps [-1, 1] fields to
    EmoBank's 1-5 scale (``2x + 3``), both with :mod:`affectlab.core.scales`.

    Examples
    --------
    >>> on_scale(pd.Series([-1.0, 0.0, 0.5]), "vad.valence", "emobank").tolist()
    [1.0, 3.0, 4.0]
    """
    check_choice(scale, "scale", "on_scale", MODEL_SCALES)
    if scale == "raw":
        return values
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.isna().all():
        raise ParameterError(f"Scale {scale!r} needs a numeric field, but {field!r} holds labels; use scale 'raw'.")
    signed = field in SIGNED_FIELDS
    if scale == "emobank":
        if not signed:
            raise ParameterError(
                f"Scale 'emobank' converts fields in [-1, 1] ({', '.join(SIGNED_FIELDS)}); {field!r} is in "
                "[0, 1]. Use scale 'unit' or 'raw'."
            )
        return pd.Series(scales.to_emobank(numeric.to_numpy()), index=values.index)
    return pd.Series(scales.signed_to_unit(numeric.to_numpy()), index=values.index) if signed else numeric


def compare_with_engine(
    frame: pd.DataFrame,
    texts: pd.Series,
    *,
    engine: EngineSpec,
    field: str,
    item: str,
    rater: str,
    value: str,
    scale: str = "raw",
    taxonomy: str | None = None,
    progress: bool = False,
    metrics: Sequence[str] = ("krippendorff",),
    level: str | None = None,
    weights: str | None = None,
    raters: Sequence[object] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Score ``texts`` with ``engine`` and compare the model with the human raters.

    The ratings and parameters are checked before the (slower) model run. Parameters are those of
    :func:`model_values` and :func:`compare_with_model`.

    Returns
    -------
    table : DataFrame
        As :func:`compare_with_model` returns it.
    values : Series
        The model's value per item id, on the humans' scale.
    """
    options = {"item": item, "rater": rater, "value": value, "level": level, "weights": weights, "raters": raters}
    for metric in metrics:
        agreement(frame, metric=metric, n_boot=0, **options)  # type: ignore[arg-type]
    check_choice(scale, "scale", "compare_with_engine", MODEL_SCALES)
    values = model_values(texts, engine=engine, field=field, scale=scale, taxonomy=taxonomy, progress=progress)
    table = compare_with_model(frame, values, metrics=metrics, n_boot=n_boot, seed=seed, **options)  # type: ignore[arg-type]
    return table, values
