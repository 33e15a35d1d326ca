"""Behaviour suite: hand-written cases the default model should handle, scored per class (for measurement only).

Run from the project root::

    python benchmarks/bench_behaviour.py                              # the shipped model
    python benchmarks/bench_behaviour.py --model embedded:<folder> --out /tmp/behaviour.md

Every ``benchmarks/behaviour/<class>.jsonl`` file holds one class of cases, one JSON object a line:
``{"id": ..., "text": ..., "expect": {...}, "note": ...}``. The cases were written before the model's
outputs were looked at and must not be edited to make a model pass: the suite measures the next model
against the current one, it is not a training or tuning set.

Classes and their checks (Ekman taxonomy; "the six" are the Ekman emotions without ``neutral``):

- ``implicit_<emotion>``: emotional situations without emotion words. Pass: the top of the six is the
  intended emotion; stricter: the overall top, neutral included, is it. The benchmark refuses to run if
  a case contains a word of :data:`EMOTION_WORDS`.
- ``indignation``: rhetorical disbelief at a repeated wrong. Pass: the top of the six is anger or disgust.
- ``moral_disgust``: moral revulsion. Pass: disgust is among the two most probable Ekman labels (of seven).
- ``neutral_request``: plain requests and questions. Pass: top is neutral; surprise is not in ``.labels``.
- ``quantifier_negation``: nothing / no one / never + emotion word. Pass: that emotion is not in ``.labels``.
- ``hedged_denial``: "I'm not X, just Y". Pass: X not in ``.labels``; a label named by Y ranks above X.
- ``absent_intensity``: plainly single-emotion sentences. Pass: every other ``.intensity`` value (of anger,
  fear, joy, sadness, surprise) is at most ``others_max`` (0.15).
- ``evidence_content``: with ``explain=True``, at least one evidence span, and no span is a function word
  (:data:`STOPWORDS`) or punctuation only.

Prints the table and the machine line, and writes them, the command, the model and up to
``--examples`` failing cases per class to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import affectlab
from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab import Affect

DATA = Path(__file__).resolve().parent / "behaviour"
EKMAN = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
SIX = EKMAN[:-1]
INTENSITY = ("anger", "fear", "joy", "sadness", "surprise")


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text."""
    return frozenset(block.split())


#: Words (and their usual forms) that name an emotion; none may appear in an ``implicit_*`` case.
EMOTION_WORDS: frozenset[str] = _words(
    """
    anger angry angrier angriest angered angrily mad madder furious fury furiously rage raging enraged
    annoyed annoying annoyance irritated irritating irritation livid outraged outrage outrageous infuriated
    infuriating irate resent resentful resentment pissed frustrated frustrating frustration hate hated hatred
    seething cross
    disgust disgusted disgusting disgustingly gross grossed revolting revolted revulsion repulsive repulsed
    repelled repellent nauseating nauseated sickening sickened vile yuck yucky eww ew nasty icky loathe loathing
    fear feared fearful afraid scared scary scare scaring terrified terrifying terror frightened frightening
    fright horror horrified horrifying panic panicked panicking anxious anxiety nervous nervousness worried
    worry worrying dread dreading dreaded petrified spooked alarmed creepy
    happy happier happiest happily happiness joy joyful joyous glad gladly delighted delight delightful
    thrilled thrilling excited exciting excitement cheerful ecstatic elated overjoyed pleased love loved
    lovely wonderful great awesome yay hooray glee gleeful proud pride grateful gratitude relieved relief
    sad sadder saddest sadly sadness unhappy depressed depressing depression miserable misery heartbroken
    heartbreaking grief grieving grieve sorrow sorrowful gloomy cry crying cried cries tears tearful
    devastated devastating lonely loneliness upset despair hopeless mourn mourning
    surprise surprised surprising surprisingly shocked shocking shock astonished astonishing amazed amazing
    stunned stunning unexpected unexpectedly unbelievable incredible wow whoa omg speechless startled
    """
)

#: Function words an evidence span must not be: pronouns, determiners, prepositions, conjunctions,
#: auxiliaries and their contractions. Negations ("not", "never", "can't") are not in it: they carry meaning.
STOPWORDS: frozenset[str] = _words(
    """
    i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its
    itself we us our ours ourselves they them their theirs themselves one this that these those who whom
    whose which what there here
    a an the some any each every all both either neither no another such
    of in on at by for with about against between into through during before after above below to from up
    down out off over under behind like than as per upon within without toward towards around across along
    near onto beside
    and or but nor so yet because if while although though when whether since unless until whereas then
    am is are was were be been being have has had having do does did will would shall should can could may
    might must
    i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd they'd
    i'll you'll he'll she'll we'll they'll that's there's what's who's let's
    """
)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (curly apostrophes read as straight ones)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def emotion_words_in(text: str) -> list[str]:
    """The words of ``text`` that are in :data:`EMOTION_WORDS` (a contraction's stem counts too)."""
    return [t for t in tokens(text) if t in EMOTION_WORDS or t.split("'")[0] in EMOTION_WORDS]


def is_content_span(text: str) -> bool:
    """Whether an evidence span is a content word: some word token, and none of them in :data:`STOPWORDS`."""
    words = tokens(text)
    return bool(words) and not any(w in STOPWORDS for w in words)


def six_ranked(record: Affect) -> list[str]:
    """The six Ekman emotions (no neutral), most probable first."""
    return sorted(SIX, key=lambda label: -record.emotions[label])


def all_ranked(record: Affect) -> list[str]:
    """All seven Ekman labels, most probable first."""
    return sorted(EKMAN, key=lambda label: -record.emotions[label])


Predicate = Callable[[Affect, dict[str, Any]], bool]


@dataclass(frozen=True)
class Check:
    """One expectation: a short name for the table and the predicate on (record, expect)."""

    name: str
    test: Predicate


def _hedge_named_above(record: Affect, expect: dict[str, Any]) -> bool:
    return max(record.emotions[label] for label in expect["named"]) > record.emotions[expect["denied"]]


def _others_low(record: Affect, expect: dict[str, Any]) -> bool:
    if record.intensity is None:
        return False
    return all(record.intensity[k] <= expect["others_max"] for k in INTENSITY if k != expect["emotion"])


def _evidence_ok(record: Affect, expect: dict[str, Any]) -> bool:
    return bool(record.evidence) and all(is_content_span(e.text) for e in record.evidence)


IMPLICIT_CHECKS = (
    Check("top of the six (no neutral) is the emotion", lambda r, e: six_ranked(r)[0] == e["emotion"]),
    Check("strict: overall top (neutral included) is the emotion", lambda r, e: r.top == e["emotion"]),
)
CHECKS: dict[str, tuple[Check, ...]] = {
    **{f"implicit_{emotion}": IMPLICIT_CHECKS for emotion in SIX},
    "indignation": (
        Check(
            "top of the six is anger or disgust (not surprise)", lambda r, e: six_ranked(r)[0] in e["top_emotion_in"]
        ),
    ),
    "moral_disgust": (
        Check("disgust in the top 2 of the 7 Ekman labels", lambda r, e: e["in_top2"] in all_ranked(r)[:2]),
    ),
    "neutral_request": (
        Check("top is neutral", lambda r, e: r.top == e["top"]),
        Check("surprise not in labels", lambda r, e: e["not_label"] not in r.labels),
        Check("both", lambda r, e: r.top == e["top"] and e["not_label"] not in r.labels),
    ),
    "quantifier_negation": (Check("the named emotion not in labels", lambda r, e: e["not_label"] not in r.labels),),
    "hedged_denial": (
        Check("denied emotion not in labels", lambda r, e: e["denied"] not in r.labels),
        Check("a named state's label ranks above the denied one", _hedge_named_above),
        Check("both", lambda r, e: e["denied"] not in r.labels and _hedge_named_above(r, e)),
    ),
    "absent_intensity": (Check("every other intensity <= 0.15", _others_low),),
    "evidence_content": (Check(">= 1 evidence span, all content words", _evidence_ok),),
}
EXPECT_KEYS: dict[str, set[str]] = {
    **{f"implicit_{emotion}": {"emotion"} for emotion in SIX},
    "indignation": {"top_emotion_in"},
    "moral_disgust": {"in_top2"},
    "neutral_request": {"top", "not_label"},
    "quantifier_negation": {"not_label"},
    "hedged_denial": {"denied", "named"},
    "absent_intensity": {"emotion", "others_max"},
    "evidence_content": {"evidence"},
}


def _labels_of(expect: dict[str, Any]) -> list[str]:
    labels: list[str] = []
    for key, value in expect.items():
        if key in ("others_max", "evidence"):
            continue
        labels.extend(value if isinstance(value, list) else [value])
    return labels


def load_cases(folder: Path = DATA) -> dict[str, list[dict[str, Any]]]:
    """Read and validate every class file of ``folder``.

    Raises
    ------
    ValueError
        If a class is unknown, a line is not a valid case, an id repeats, an expected label is not an Ekman
        label, or an ``implicit_*`` case contains an emotion word; the message lists every problem.
    """
    cases: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        name = path.stem
        if name not in CHECKS:
            problems.append(f"{path.name}: unknown class {name!r} (known: {', '.join(CHECKS)})")
            continue
        rows = cases.setdefault(name, [])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{number}"
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc})")
                continue
            if not isinstance(case, dict) or set(case) != {"id", "text", "expect", "note"}:
                problems.append(f"{where}: a case has exactly the keys id, text, expect, note")
                continue
            if not isinstance(case["id"], str) or not isinstance(case["text"], str) or not case["text"].strip():
                problems.append(f"{where}: id and text must be strings, text not empty")
                continue
            if case["id"] in seen:
                problems.append(f"{where}: id {case['id']!r} repeats")
            seen.add(case["id"])
            expect = case["expect"]
            if not isinstance(expect, dict) or set(expect) != EXPECT_KEYS[name]:
                problems.append(f"{where}: expect must have the keys {sorted(EXPECT_KEYS[name])}")
                continue
            bad = [label for label in _labels_of(expect) if label not in EKMAN]
            if bad:
                problems.append(f"{where}: {bad} are not Ekman labels")
            if name.startswith("implicit_") and (found := emotion_words_in(case["text"])):
                problems.append(f"{where} ({case['id']}): emotion words {found} in an implicit case")
            rows.append(case)
    if problems:
        raise ValueError("The behaviour cases are invalid:\n  " + "\n  ".join(problems))
    return cases


def code_version() -> str:
    """The git commit the package was run from, marked when ``src/`` has uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True)
    except OSError:
        return "unknown"
    if sha.returncode != 0:
        return "unknown"
    return sha.stdout.strip() + (" with uncommitted changes under src/" if dirty.stdout.strip() else "")


def describe(record: Affect, name: str) -> str:
    """What the model said about a case, in the terms of the class's check."""
    top3 = ", ".join(f"{label} {record.emotions[label]:.2f}" for label in all_ranked(record)[:3])
    said = f"top3: {top3}; labels: [{', '.join(record.labels)}]"
    if name == "absent_intensity":
        values = "none" if record.intensity is None else ", ".join(f"{k} {record.intensity[k]:.2f}" for k in INTENSITY)
        said = f"intensity: {values}"
    elif name == "evidence_content":
        said = "evidence: " + (", ".join(f"'{e.text}' ({e.label})" for e in record.evidence) or "none")
    return said


def main() -> None:
    """Run the suite, print the table and write the results page."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="embedded", help="engine spec, e.g. embedded or embedded:<folder>")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the <class>.jsonl files")
    parser.add_argument("--examples", type=int, default=3, help="failing cases shown per class")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/behaviour.md"))
    args = parser.parse_args()

    try:
        cases = load_cases(args.data)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    engine = affectlab.load_engine(args.model)
    plain = affectlab.Analyzer(engine, taxonomy="ekman")
    explained = affectlab.Analyzer(engine, taxonomy="ekman", explain=True)

    rows: list[tuple[str, int, int, str]] = []
    failures: dict[str, list[str]] = {}
    model = ""
    for name, checks in CHECKS.items():
        group = cases.get(name, [])
        if not group:
            continue
        analyzer = explained if name == "evidence_content" else plain
        records = analyzer.analyze([case["text"] for case in group])
        if records and records[0].model is not None:
            model = f"{records[0].model.engine} {records[0].model.version}"
        for check in checks:
            rows.append((name, len(group), sum(check.test(r, c["expect"]) for r, c in zip(records, group)), check.name))
        failing = [(c, r) for c, r in zip(group, records) if not all(ch.test(r, c["expect"]) for ch in checks)]
        failures[name] = [f"- `{c['id']}` {c['text']!r}: {describe(r, name)}" for c, r in failing[: args.examples]] + (
            [f"- ... {len(failing) - args.examples} more"] if len(failing) > args.examples else []
        )

    machine = (
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}, "
        f"affectlab {affectlab.__version__} (git {code_version()})."
    )
    command = "python benchmarks/bench_behaviour.py" + ("" if args.model == "embedded" else f" --model {args.model}")
    table = [
        "| class | n | pass | pass rate | check |",
        "|---|---|---|---|---|",
        *[f"| {name} | {n} | {ok} | {ok / n:.0%} | {check} |" for name, n, ok, check in rows],
    ]
    print("\n".join(table))
    print(f"\nModel: {model}. {machine}")

    lines = [
        "# Behaviour suite",
        "",
        "Hand-written cases (`benchmarks/behaviour/*.jsonl`) of behaviour the default model should show; "
        "they measure a model and are never used to tune one. Checks are on the Ekman taxonomy; "
        "the script's docstring defines each one.",
        "",
        f"Command: `{command}`. Model: {model}. Date: {datetime.now(UTC):%Y-%m-%d} UTC.  ",
        f"{machine}",
        "",
        *table,
        "",
        "## Failing examples",
        "",
        f"Up to {args.examples} per class (a case fails when any of its class's checks fails).",
        "",
    ]
    for name, shown in failures.items():
        lines += [f"### {name}", "", *(shown or ["- none"]), ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
