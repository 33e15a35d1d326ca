"""Emotion without emotion words: enISEAR event descriptions and GoodNewsEveryone headlines.

Neither corpus has an official split; both get a seeded 60/20/20 split of the
whole corpus, stratified by the source label (:func:`seeded_split`), before
any label is mapped or dropped, so every view of a corpus shares one split.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from affectlab.datasets._base import Dataset, _check_split, _file, _multi_hot, data_dir
from affectlab.datasets._split import seeded_split
from affectlab.errors import ParameterError

__all__ = [
    "ENISEAR_EKMAN",
    "ENISEAR_SPLIT_SEED",
    "GNE_EKMAN",
    "GNE_SPLIT_SEED",
    "enisear",
    "goodnewseveryone",
    "strip_enisear_template",
]

EVENT_SPLIT_PERCENT = (60, 20, 20)
ENISEAR_SPLIT_SEED = 20190728  # enISEAR has no official split; see enisear().
GNE_SPLIT_SEED = 20200511  # GoodNewsEveryone has no official split; see goodnewseveryone().
ENISEAR_LABELS = ("anger", "disgust", "fear", "guilt", "joy", "sadness", "shame")
#: enISEAR label -> Ekman label; guilt and shame (self-conscious emotions) have none and are dropped.
ENISEAR_EKMAN: dict[str, str] = {e: e for e in ("anger", "disgust", "fear", "joy", "sadness")}
GNE_LABELS = (
    "anger",
    "annoyance",
    "disgust",
    "fear",
    "guilt",
    "joy",
    "love_including_like",
    "negative_anticipation_including_pessimism",
    "negative_surprise",
    "positive_anticipation_including_optimism",
    "positive_surprise",
    "pride",
    "sadness",
    "shame",
    "trust",
)
#: GoodNewsEveryone dominant emotion -> Ekman label; the other 7 classes are dropped (docs/datasets.md).
GNE_EKMAN: dict[str, str] = {
    "anger": "anger",
    "annoyance": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "joy": "joy",
    "sadness": "sadness",
    "negative_surprise": "surprise",
    "positive_surprise": "surprise",
}
ENISEAR_SOURCE = "enISEAR (Troiano, Padó & Klinger, ACL 2019) with appraisals (Hofmann et al., COLING 2020), ODC-By 1.0"
GNE_SOURCE = (
    "GoodNewsEveryone (Bostan, Kim & Klinger, LREC 2020), annotations CC BY 4.0; headlines belong to their publishers"
)

# The writers completed "I felt [emotion] when ...", with the emotion word replaced by "..." or "…".
# The opening (who felt, an optional qualifier, the blank) and one connective after it are stripped.
_ENISEAR_TEMPLATE = re.compile(
    r"""^\s*(?:the\ last\ time\ )?
    (?:I\ )?(?:once\ )?(?:felt|feel|fetl|was(?:\ once)?|experienced|remember\ being)\s*
    (?:(?:a\ sense\ of|a\ lot\ of|great|very|really|true)\s+)?
    (?:\.\.\.|…|(?:shame|joy)\b(?:\s*(?:\.\.\.|…))?)\s*,?\s*
    (?:was\s+)?
    (?:(?:when|because|that|as)\b,?\s*)?""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_enisear_template(text: str) -> str:
    """Strip enISEAR's ``"I felt ... when"`` opening, leaving the event.

    Parameters
    ----------
    text : str
        An enISEAR sentence.

    Returns
    -------
    str
        The text after the opening, its first letter upper-cased; ``text``
        unchanged (stripped of surrounding blanks) when it has no such opening.

    Examples
    --------
    >>> strip_enisear_template("I felt ... when my Gran passed away.")
    'My Gran passed away.'
    >>> strip_enisear_template("I feel … because I lied to my partner.")
    'I lied to my partner.'
    """
    event = _ENISEAR_TEMPLATE.sub("", text, count=1).strip()
    return event[:1].upper() + event[1:] if event else text.strip()


def _check_grouping(grouping: str | None, owner: str) -> None:
    if grouping not in (None, "ekman"):
        raise ParameterError(f"The 'grouping' parameter of {owner} must be None or 'ekman'. Got {grouping!r} instead.")


def enisear(split: str = "test", grouping: str | None = "ekman", *, root: Path | None = None) -> Dataset:
    """enISEAR event descriptions with the ``"I felt ... when"`` template stripped.

    Parameters
    ----------
    split : {"train", "dev", "test"}, default="test"
        Seeded 60/20/20 split stratified by the prior emotion (seed ``ENISEAR_SPLIT_SEED``).
    grouping : {"ekman", None}, default="ekman"
        ``"ekman"``: anger, disgust, fear, joy, sadness; guilt and shame rows are
        dropped (``"enisear-ekman"``). None: all 7 labels, no taxonomy (``"enisear"``).
    root : Path, optional
        Benchmark data folder.

    Returns
    -------
    Dataset
        One gold label per row; ids are ``"enisear-<Sentence_id>"``.
    """
    _check_split(split)
    _check_grouping(grouping, "enisear")
    path = _file(data_dir(root), "enisear", "enISEAR_appraisal_majority.tsv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    labels = [r["Prior_Emotion"].strip().lower() for r in rows]
    in_split = seeded_split(
        [int(r["Sentence_id"]) for r in rows], seed=ENISEAR_SPLIT_SEED, percent=EVENT_SPLIT_PERCENT, strata=labels
    )
    keep = [s == split and (grouping is None or lab in ENISEAR_EKMAN) for s, lab in zip(in_split, labels)]
    kept = [(r, lab) for r, lab, k in zip(rows, labels, keep) if k]
    texts = [strip_enisear_template(r["Sentence"]) for r, _ in kept]
    columns = ENISEAR_LABELS if grouping is None else tuple(ENISEAR_EKMAN)
    n_dropped = sum(s == split and lab not in ENISEAR_EKMAN for s, lab in zip(in_split, labels))
    n_unstripped = sum(t == r["Sentence"].strip() for t, (r, _) in zip(texts, kept))
    notes = [
        f"seeded 60/20/20 split stratified by the 7-class label, seed {ENISEAR_SPLIT_SEED}",
        f"'I felt ... when' opening stripped; {n_unstripped} of {len(texts)} texts had none and are kept whole",
    ]
    if grouping == "ekman":
        notes.append(f"{n_dropped} guilt/shame rows of this split dropped (no Ekman counterpart)")
    return Dataset(
        "enisear" if grouping is None else "enisear-ekman",
        split,
        [f"enisear-{r['Sentence_id']}" for r, _ in kept],
        texts,
        "multilabel",
        columns,
        _multi_hot([[ENISEAR_EKMAN.get(lab, lab) if grouping else lab] for _, lab in kept], columns),
        None if grouping is None else "ekman",
        "0/1, one gold label per row (the emotion the writer was asked to recall)",
        ENISEAR_SOURCE,
        notes=notes,
    )


def _gne_ids(rows: list[dict[str, str]]) -> list[str]:
    """The corpus id, made unique: 19 ids are shared by 73 headlines, numbered by sorted headline."""
    counts = Counter(r["id"] for r in rows)
    rank: dict[tuple[str, str], int] = {}
    for key in counts:
        if counts[key] > 1:
            shared = sorted(r["headline"] for r in rows if r["id"] == key)
            rank.update({(key, headline): i for i, headline in enumerate(shared, 1)})
    return [r["id"] if counts[r["id"]] == 1 else f"{r['id']}-{rank[r['id'], r['headline']]}" for r in rows]


def goodnewseveryone(split: str = "test", grouping: str | None = "ekman", *, root: Path | None = None) -> Dataset:
    """GoodNewsEveryone headlines with their dominant emotion, 15 classes or mapped to Ekman.

    Parameters
    ----------
    split : {"train", "dev", "test"}, default="test"
        Seeded 60/20/20 split stratified by the 15-class dominant emotion (seed ``GNE_SPLIT_SEED``).
    grouping : {"ekman", None}, default="ekman"
        ``"ekman"``: mapped by ``GNE_EKMAN`` to anger, disgust, fear, joy, sadness,
        surprise; rows of the other 7 classes dropped (``"goodnewseveryone-ekman"``).
        None: the 15 classes, no taxonomy (``"goodnewseveryone"``).
    root : Path, optional
        Benchmark data folder.

    Returns
    -------
    Dataset
        One gold label per row; ids are the corpus ids, ``-<n>`` added where the corpus repeats one.
    """
    _check_split(split)
    _check_grouping(grouping, "goodnewseveryone")
    path = _file(data_dir(root), "goodnewseveryone", "gne-release-v1.0.tsv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    ids, labels = _gne_ids(rows), [r["dominant_emotion"].strip() for r in rows]
    in_split = seeded_split(ids, seed=GNE_SPLIT_SEED, percent=EVENT_SPLIT_PERCENT, strata=labels)
    keep = [s == split and (grouping is None or lab in GNE_EKMAN) for s, lab in zip(in_split, labels)]
    columns = GNE_LABELS if grouping is None else tuple(dict.fromkeys(GNE_EKMAN.values()))
    targets = [[GNE_EKMAN[lab] if grouping else lab] for lab, k in zip(labels, keep) if k]
    notes = [f"seeded 60/20/20 split stratified by the 15-class label, seed {GNE_SPLIT_SEED}"]
    if grouping == "ekman":
        dropped = Counter(lab for s, lab in zip(in_split, labels) if s == split and lab not in GNE_EKMAN)
        listed = ", ".join(f"{lab} {n}" for lab, n in sorted(dropped.items()))
        notes.append(f"{sum(dropped.values())} rows of this split dropped (no clear Ekman counterpart): {listed}")
    return Dataset(
        "goodnewseveryone" if grouping is None else "goodnewseveryone-ekman",
        split,
        [i for i, k in zip(ids, keep) if k],
        [r["headline"] for r, k in zip(rows, keep) if k],
        "multilabel",
        columns,
        _multi_hot(targets, columns),
        None if grouping is None else "ekman",
        "0/1, one gold label per row (the annotators' dominant emotion)",
        GNE_SOURCE,
        notes=notes,
    )
