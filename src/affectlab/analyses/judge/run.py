"""Rate responses with an LLM judge on a rubric: one row per (response, attribute), in input order.

The judge reads each response (and, when given, the message it answers) and returns, for
every attribute of the rubric, an integer score on the attribute's scale and a one-sentence
explanation, validated against a JSON schema. With ``samples=k`` the score is the median of
the k valid answers and ``spread`` their range (max - min). A response with no valid answer
keeps its rows with ``score`` empty and ``error`` set; an empty response is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.judge.rubric import Rubric, load_rubric
from affectlab.core.validation import check_int
from affectlab.engines.llm import JSONRequest, LLMClient, Template, load_template
from affectlab.errors import InputError
from affectlab.io.progress import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RATING_COLUMNS", "judge"]

#: Columns of the long rating table :func:`judge` returns, in order.
RATING_COLUMNS = [
    "id",
    "rater",
    "attribute",
    "score",
    "spread",
    "samples",
    "explanation",
    "model",
    "rubric",
    "template_hash",
    "error",
]
CHUNK = 64


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def judge(
    frame: pd.DataFrame,
    *,
    rubric: str | Path | Rubric,
    model: str | LLMClient,
    response_column: str = "response",
    context_column: str | None = None,
    id_column: str | None = None,
    samples: int = 1,
    rater: str | None = None,
    template: str | Path | Template = "judge",
    progress: bool = False,
    **client_options: Any,
) -> pd.DataFrame:
    """Rate every response on every attribute of ``rubric``.

    Parameters
    ----------
    frame : DataFrame
        One response per row.
    rubric : str, path or Rubric
        A built-in rubric name (``support-quality``, ``empathy-epitome``, ``empathy-dialogue``) or a file.
    model : str or LLMClient
        ``llm:<model>@<base_url>``, or a client already configured.
    response_column : str, default="response"
        Column of the responses to rate.
    context_column : str, optional
        Column of the message each response answers (the judge sees "(none)" without it).
    id_column : str, optional
        Column of ids, copied to the ``id`` column (default: row numbers from 0).
    samples : int, default=1
        Answers per response (>= 1); the score is their median.
    rater : str, optional
        Name written in the ``rater`` column (default: the model name).
    template : str, path or Template, default="judge"
        The judge's prompt template.
    progress : bool, default=False
        Show a progress bar (only on a terminal).
    **client_options
        For a model given by name: :class:`~affectlab.engines.llm.LLMClient` options
        (``api_key_env``, ``temperature`` (default 0, or 0.7 for several samples), ``seed``,
        ``dialect``, ``cache``, ``concurrency``, ``retries``, ``timeout``).

    Returns
    -------
    DataFrame
        Columns :data:`RATING_COLUMNS`; ``len(frame) * n_attributes`` rows, attributes in rubric
        order within each response; ``score`` is a float (NaN where no valid answer).

    Raises
    ------
    InputError
        If a named column is missing (the message lists the columns).
    """
    import pandas as pd

    check_int(samples, "samples", "judge", minimum=1)
    for column in (response_column, context_column, id_column):
        if column is not None and column not in frame.columns:
            raise InputError(f"Column {column!r} not found. Available columns: {', '.join(map(str, frame.columns))}.")
    spec = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    prompt = template if isinstance(template, Template) else load_template(template)
    if isinstance(model, LLMClient):
        client = model
    else:
        client_options.setdefault("temperature", 0.0 if samples == 1 else 0.7)
        client = LLMClient(model, **client_options)
        client.check()
    ids = frame[id_column].astype(str).tolist() if id_column else [str(i) for i in range(len(frame))]
    responses = [_text(v) for v in frame[response_column]]
    contexts = [_text(v) for v in frame[context_column]] if context_column else [""] * len(frame)
    schema = spec.schema()
    fixed = {"rubric_description": spec.description, "attributes": "\n".join(a.describe() for a in spec.attributes)}
    rows: list[dict[str, Any]] = []
    base = {
        "rater": rater or client.endpoint.model,
        "model": str(client.endpoint),
        "rubric": f"{spec.id}@{spec.version}",
        "template_hash": f"{prompt.hash}-{spec.hash}",
    }
    with Progress("judging", len(frame), enabled=progress, unit="responses") as bar:
        for start in range(0, len(frame), CHUNK):
            stop = min(start + CHUNK, len(frame))
            todo = [i for i in range(start, stop) if responses[i]]
            requests = [
                JSONRequest(prompt.render(**fixed, context=contexts[i] or "(none)", response=responses[i]), schema, s)
                for i in todo
                for s in range(samples)
            ]
            replies = iter(client.complete_json(requests))
            answers = {i: [next(replies) for _ in range(samples)] for i in todo}
            for i in range(start, stop):
                rows += _rows(ids[i], answers.get(i), spec, base)
            bar.update(completed=stop, count=stop)
    return pd.DataFrame(rows, columns=RATING_COLUMNS)


def _rows(id_: str, replies: Sequence[Any] | None, spec: Rubric, base: dict[str, str]) -> list[dict[str, Any]]:
    """The rating rows of one response from its sample replies (None: empty response)."""
    valid = [r.value for r in replies or () if r.value is not None]
    if replies is None:
        error = "empty response: not rated"
    elif not valid:
        error = next((r.error for r in reversed(replies) if r.error), "no valid answer")
    else:
        error = "" if len(valid) == len(replies) else f"{len(replies) - len(valid)} of {len(replies)} samples failed"
    out = []
    for attribute in spec.attributes:
        scores = [float(v[attribute.name]["score"]) for v in valid]
        out.append(
            {
                "id": id_,
                "rater": base["rater"],
                "attribute": attribute.name,
                "score": float(np.median(scores)) if scores else float("nan"),
                "spread": float(max(scores) - min(scores)) if scores else float("nan"),
                "samples": len(scores),
                "explanation": valid[0][attribute.name]["explanation"] if valid else "",
                "model": base["model"],
                "rubric": base["rubric"],
                "template_hash": base["template_hash"],
                "error": error,
            }
        )
    return out
