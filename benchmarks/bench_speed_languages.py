"""End-to-end speed of ``affectlab analyze --lang`` per language, against the English model's own.

Run from the project root (needs ``pip install -e '.[multilingual]'``)::

    python benchmarks/bench_speed_languages.py            # writes benchmarks/results/speed-languages.md and .json

For each language, the BRIGHTER track A test texts (all of them, as ``bench_speed.py`` takes all of GoEmotions
test, or the first ``--texts``; their labels are not read) are written one per line, and
``affectlab analyze FILE --lang auto -o out.csv`` and ``--lang <code>`` run in a fresh subprocess each,
``--repeat`` times (best run reported, every run kept, as ``bench_speed.py`` does): texts/s end to end
(start-up, language identification, scoring, writing) and the peak RSS. English is measured with
``--lang auto`` (routed to the English model) and without ``--lang`` (the English model directly), so the cost
of routing shows. Issue 19 asks >= 300 texts/s for non-English text and English unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab import datasets
from affectlab.engines.multilingual import multilingual_model_dir
from bench_speed import run_measured

RESULTS = Path(__file__).resolve().parent / "results"
#: Languages with USE + TF-IDF heads (deu, esp, chn, ptbr), TF-IDF only (hau, rus, amh), and English.
LANGS = ("deu", "esp", "chn", "ptbr", "rus", "hau", "amh", "eng")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=0, help="Texts per language (default 0: all test texts).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "speed-languages.md"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGS:
            texts = [" ".join(t.split()) for t in datasets.load_dataset(f"brighter-a:{lang}", split="test").texts]
            texts = texts[: args.texts] if args.texts else texts
            source = Path(tmp) / f"{lang}.txt"
            source.write_text("\n".join(texts) + "\n", encoding="utf-8")
            modes = {"auto": ["--lang", "auto"], "named": ["--lang", lang]}
            if lang == "eng":
                modes = {"auto": ["--lang", "auto"], "named": []}  # named = the English model, no --lang
            row = {"lang": lang, "n": len(texts)}
            for mode, flags in modes.items():
                runs = []
                for _ in range(args.repeat):
                    out = Path(tmp) / "out.csv"
                    cmd = [sys.executable, "-m", "affectlab", "analyze", str(source), *flags, "-o", str(out), "--force"]
                    runs.append(run_measured([*cmd, "-q"]))
                row[mode] = [len(texts) / r["wall_s"] for r in runs]
                row[f"{mode}_rss"] = max(r["peak_rss_bytes"] for r in runs)
            rows.append(row)
            print(f"{lang}: auto {max(row['auto']):.0f} texts/s, named {max(row['named']):.0f} texts/s", flush=True)
    table = render(rows, args)
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")
    config = json.loads((multilingual_model_dir() / "config.json").read_text(encoding="utf-8"))
    record = {"run": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "rows": rows}
    record["artifact"] = f"{config['name']} {config['version']}"
    Path(args.out).with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def machine() -> str:
    return f"{cpu_name()}, {os.cpu_count()} logical cores (shared), Python {platform.python_version()}"


def render(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# End-to-end speed per language (benchmarks/bench_speed_languages.py)",
        "",
        f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on {machine()}; `python benchmarks/"
        f"bench_speed_languages.py --texts {args.texts} --repeat {args.repeat}` (--texts 0: all). "
        "`affectlab analyze FILE --lang auto -o out.csv` (auto) and `--lang <code>` (named; for English: no "
        "`--lang`, the English model) in a fresh process each, best of the runs (all runs in brackets), start-up "
        "included.",
        "",
        "| lang | texts | auto texts/s | named texts/s | peak RSS auto (MB) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        runs = {m: ", ".join(f"{v:.0f}" for v in row[m]) for m in ("auto", "named")}
        lines.append(
            f"| {row['lang']} | {row['n']} | **{max(row['auto']):.0f}** ({runs['auto']}) | "
            f"**{max(row['named']):.0f}** ({runs['named']}) | {row['auto_rss'] / 1e6:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
