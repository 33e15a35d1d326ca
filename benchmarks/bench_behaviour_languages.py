"""Behaviour per language: a dozen hand-written sentences per language, scored as ``--lang`` scores them.

Run from the project root (needs ``pip install -e '.[multilingual]'``)::

    python benchmarks/bench_behaviour_languages.py        # writes benchmarks/results/behaviour-languages.md

Every ``benchmarks/behaviour_languages/<lang>.jsonl`` holds twelve cases in one BRIGHTER language, one JSON
object a line: ``{"id", "text", "expect", "kind"}``. Ten name one emotion (two each of anger, fear, joy and
sadness, one surprise, one disgust; ``expect: {"top": emotion}``: pass when it is the most probable of the six
``semeval`` emotions); two negate one (``expect: {"absent": emotion}``: pass when it is not in ``.labels``).
The sentences were written by the project, in the same ten situations in every language, before any output was
looked at; they are not checked by native speakers, and they are never used for training or tuning. ``WEAKER``
lists the languages whose sentences the project wrote with the least confidence (a failure there may be the
sentence's); Makhuwa (``vmw``), which the project cannot write, has none.

Each language is scored twice: with its language named (``--lang <code>``: the language's head, or the English
model for ``eng``) and identified (``--lang auto``, which also reports how many cases were identified as the
right language). A case whose emotion the language's head lacks (BRIGHTER Afrikaans has no surprise) is "n/a".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab import Affect, load_engine
from affectlab.surfaces.cli._common import model_for_lang

DATA = Path(__file__).resolve().parent / "behaviour_languages"
RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("anger", "fear", "joy", "sadness", "surprise", "disgust", "negation")
#: Languages whose sentences the project wrote with the least confidence (marked in the table).
WEAKER = ("amh", "arq", "ary", "ibo", "kin", "orm", "som", "sun", "tat", "tir", "yor")


def cases(lang: str) -> list[dict[str, Any]]:
    """The cases of one language, in file order."""
    lines = (DATA / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def verdict(case: dict[str, Any], record: Affect, labels: set[str]) -> str:
    """``pass``, ``fail`` or ``n/a`` (the head has no such label)."""
    expect = case["expect"]
    emotion = expect.get("top") or expect.get("absent")
    if emotion not in labels:
        return "n/a"
    if "top" in expect:
        ranked = sorted(labels, key=lambda label: -record.emotions.get(label, 0.0))
        return "pass" if ranked[0] == emotion else "fail"
    return "pass" if emotion not in record.labels else "fail"


def head_labels(engine: Any, lang: str) -> set[str]:
    """The emotions a language's head reports (all six for the English model)."""
    languages = getattr(engine, "languages", {})
    return set(languages[lang]["labels"]) if lang in languages and lang != "eng" else set(KINDS[:6])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "behaviour-languages.md"))
    args = parser.parse_args()
    langs = sorted(p.stem for p in DATA.glob("*.jsonl"))
    auto = load_engine(model_for_lang("embedded", "auto"))
    rows, failures = [], []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lang in langs:
        mine = cases(lang)
        texts = [c["text"] for c in mine]
        named_engine = load_engine(model_for_lang("embedded", lang))
        labels = head_labels(auto, lang)
        named = named_engine.predict(texts, taxonomy="semeval")
        found = auto.predict(texts, taxonomy="semeval")
        verdicts = {"named": [verdict(c, r, labels) for c, r in zip(mine, named)]}
        verdicts["auto"] = [verdict(c, r, labels) for c, r in zip(mine, found)]
        identified = sum(dict(r.model.settings).get("lang") == lang for r in found)
        row: dict[str, Any] = {"lang": lang, "identified": identified, "n": len(mine)}
        for mode, values in verdicts.items():
            scored = [v for v in values if v != "n/a"]
            row[mode] = (sum(v == "pass" for v in scored), len(scored))
            totals[mode][0] += row[mode][0]
            totals[mode][1] += row[mode][1]
        per_kind = defaultdict(lambda: [0, 0])
        for case, value in zip(mine, verdicts["named"]):
            if value != "n/a":
                per_kind[case["kind"]][0] += value == "pass"
                per_kind[case["kind"]][1] += 1
        row["kinds"] = {k: tuple(v) for k, v in per_kind.items()}
        rows.append(row)
        for case, record, value in zip(mine, named, verdicts["named"]):
            if value == "fail":
                top = max(labels, key=lambda label: record.emotions.get(label, 0.0))
                failures.append(f"| {case['id']} | {case['text']} | {case['expect']} | {top} | {list(record.labels)} |")
    table = render(rows, totals, failures)
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")


def _share(pair: tuple[int, int]) -> str:
    passed, n = pair
    return f"{passed}/{n}" if n else "—"


def render(rows: list[dict[str, Any]], totals: dict[str, list[int]], failures: list[str]) -> str:
    machine = f"{cpu_name()}, {os.cpu_count()} logical cores, Python {platform.python_version()}"
    lines = [
        "# Behaviour per language (benchmarks/bench_behaviour_languages.py)",
        "",
        f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on {machine}. Cases: "
        "`benchmarks/behaviour_languages/<lang>.jsonl` (twelve per language, written by the project, not checked by "
        "native speakers; † the languages the project writes least reliably, where a failure may be the "
        "sentence's). *named*: `--lang <code>`; *auto*: `--lang auto`; identified: cases `--lang auto` put in "
        "the right language.",
        "",
        "| lang | named | auto | identified | " + " | ".join(KINDS) + " |",
        "|---|---|---|---|" + "---|" * len(KINDS),
    ]
    for row in rows:
        kinds = " | ".join(_share(row["kinds"].get(k, (0, 0))) for k in KINDS)
        mark = " †" if row["lang"] in WEAKER else ""
        lines.append(
            f"| {row['lang']}{mark} | {_share(row['named'])} | {_share(row['auto'])} | "
            f"{row['identified']}/{row['n']} | {kinds} |"
        )
    lines.append(
        f"| **all** | {_share(tuple(totals['named']))} | {_share(tuple(totals['auto']))} | "
        f"{sum(r['identified'] for r in rows)}/{sum(r['n'] for r in rows)} |" + " |" * len(KINDS)
    )
    lines += ["", "Failures (named):", "", "| id | text | expected | top | labels |", "|---|---|---|---|---|"]
    lines += failures
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
