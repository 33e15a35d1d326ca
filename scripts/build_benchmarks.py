"""Regenerate docs/benchmarks.md from ``affectlab eval --json`` runs; nothing in it is typed by hand.

Every built-in dataset's test split is scored by running the CLI as a subprocess,
exactly the commands the page lists. BRIGHTER is scored in English by default;
``--all-languages`` adds every language found in the data folder.

    python scripts/build_benchmarks.py --force                      # default model -> docs/benchmarks.md
    python scripts/build_benchmarks.py --model embedded:/path/to/artifact --output /tmp/bench.md

``--limit`` and ``--datasets`` exist for smoke tests of this script; a page built
with ``--limit`` says in bold that its figures are not benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from affectlab.datasets import available_datasets

ROOT = Path(__file__).resolve().parents[1]
FIXED = ["goemotions", "goemotions-ekman", "goemotions-sentiment", "emobank", "xed-en"]
#: Held-out domains: events and headlines that name no emotion (never trained on; see docs/datasets.md).
EVENTS = ["enisear-ekman", "goodnewseveryone-ekman"]
ENGLISH = ["brighter-a:eng", "brighter-b:eng"]


def _affectlab_executable() -> str:
    beside = Path(sys.executable).parent / "affectlab"
    found = str(beside) if beside.is_file() else shutil.which("affectlab")
    if found is None:
        sys.exit("error: the 'affectlab' command is not installed in this environment (pip install -e .).")
    return found


def datasets(all_languages: bool, data_dir: str | None) -> list[str]:
    """The datasets to score: the fixed ones, BRIGHTER English, and optionally every BRIGHTER language."""
    names = FIXED + ENGLISH + EVENTS
    if all_languages:
        names += [n for n in available_datasets(data_dir) if n.startswith("brighter-") and n not in ENGLISH]
    return names


def command(name: str, args: argparse.Namespace) -> list[str]:
    """The ``affectlab eval`` command line for one dataset, as shown on the page."""
    cmd = ["affectlab", "eval", name, "--split", "test", "--model", args.model, "--thresholds", args.thresholds]
    cmd += ["--n-boot", str(args.n_boot), "--seed", str(args.seed)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    return [*cmd, "--json", "--quiet"]


def run(cmd: list[str], executable: str) -> tuple[dict[str, Any], float]:
    """Run one command; returns its JSON object and wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run([executable, *cmd[1:]], capture_output=True, text=True, check=False)
    elapsed_s = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"error: `{shlex.join(cmd)}` failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return json.loads(done.stdout), elapsed_s


def machine() -> str:
    """CPU, cores, OS, Python and onnxruntime versions of this machine."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} logical cores; {platform.platform()}; Python {platform.python_version()}; "
        f"onnxruntime {version('onnxruntime')}"
    )


def revision() -> str:
    """The git commit of the checkout (read-only), marked when the working tree has changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {commit}" + (" with uncommitted changes" if dirty else "")


def _value(result: dict[str, Any], key: str, dim: str | None = None) -> str:
    value = result.get(key) if dim is None else (result.get(key) or {}).get(dim)
    if value is None:
        return "n/a"
    interval = result["ci95"].get(key if dim is None else f"{key}.{dim}")
    return _num(value) + (f" [{_num(interval[0])}, {_num(interval[1])}]" if interval else "")


def _num(value: float) -> str:
    return f"{round(value, 3) + 0.0:.3f}"  # + 0.0 turns -0.0 into 0.0


def _cell(text: str | None) -> str:
    return (text or "n/a").replace("|", "\\|")


def render(results: list[tuple[list[str], dict[str, Any], float]], args: argparse.Namespace, total_s: float) -> str:
    """The markdown page."""
    first = results[0][1]
    model = first["model"]
    subsets = [r for _, r, _ in results if r.get("subset")]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by scripts/build_benchmarks.py from `affectlab eval --json`; do not edit by hand. -->",
        "",
    ]
    if subsets:
        lines += [
            f"**SMOKE TEST ONLY: every run scored a subset ({subsets[0]['subset']}). "
            "These are not benchmark figures.**",
            "",
        ]
    lines += [
        f"- model: {model['engine']} {model['version']} (native taxonomy {model['native_taxonomy']}), "
        f"loaded as `{args.model}`",
        f"- affectlab {first.get('affectlab_version', 'unknown')}, {revision()}",
        f"- machine: {machine()}",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; {len(results)} runs, {total_s:.0f} s",
        f"- intervals: 95% percentile bootstrap over items ({args.n_boot} resamples, seed {args.seed}); "
        "metric definitions in [evaluation.md](evaluation.md)",
        "- every figure is on the test split; thresholds are never fitted on it",
        "",
        "## Emotion labels (multi-label classification)",
        "",
        "| dataset | n | taxonomy | predictions | thresholds | macro F1 | micro F1 | Jaccard | ECE | top-label ECE "
        "| Brier |",
        "|---|---:|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r, _ in results:
        if r["kind"] == "multilabel":
            lines.append(
                f"| {r['dataset']} | {r['n']} | {r['taxonomy']} | {_cell(r['prediction_source'])} | "
                f"{_cell(r['threshold_source'])} | {_value(r, 'macro_f1')} | {_value(r, 'micro_f1')} | "
                f"{_value(r, 'jaccard')} | {_value(r, 'ece')} | {_value(r, 'top_label_ece')} | {_value(r, 'brier')} |"
            )
    lines += [
        "",
        "## Dimensions (regression)",
        "",
        "| dataset | dimension | scored from | n | Pearson | Spearman | CCC | MAE |",
        "|---|---|---|---:|---|---|---|---|",
    ]
    for _, r, _ in results:
        if r["kind"] == "regression":
            for dim in [*r["columns"], "mean"]:
                source = (r.get("dimension_source") or {}).get(dim, "")
                lines.append(
                    f"| {r['dataset']} | {dim} | {_cell(source)} | {r['n']} | {_value(r, 'pearson', dim)} | "
                    f"{_value(r, 'spearman', dim)} | {_value(r, 'ccc', dim)} | {_value(r, 'mae', dim)} |"
                )
    for _, r, _ in results:
        if r["kind"] == "multilabel" and r.get("per_label"):
            lines += [
                "",
                f"## Per-label results: {r['dataset']}",
                "",
                "| label | F1 | precision | recall | support |",
                "|---|---:|---:|---:|---:|",
            ]
            lines += [
                f"| {label} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['support']} |"
                for label, m in r["per_label"].items()
            ]
    multilingual = ROOT / "docs" / "multilingual.json"
    if multilingual.is_file():  # the multilingual engine's runs (scripts/build_multilingual_table.py)
        from build_multilingual_table import END, START, body

        lines += [
            "",
            "## Every BRIGHTER language: the multilingual engine",
            "",
            "From `python scripts/build_multilingual_table.py` (docs/multilingual.json; details in "
            "[multilingual.md](multilingual.md)).",
            "",
            START,
            body(json.loads(multilingual.read_text(encoding="utf-8"))),
            END,
        ]
    notes = [(r["dataset"], note) for _, r, _ in results for note in r.get("notes", [])]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {name}: {note}" for name, note in notes]
    lines += ["", "## Commands", "", "Each row above is the JSON printed by one of these commands:", "", "```bash"]
    lines += [f"{shlex.join(cmd)}  # {elapsed_s:.1f} s" for cmd, _, elapsed_s in results]
    lines += ["```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded", help="Engine name (default: embedded).")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"), help="Markdown file to write.")
    parser.add_argument("--all-languages", action="store_true", help="Score every BRIGHTER language, not only eng.")
    parser.add_argument("--thresholds", choices=("model", "dev"), default="model")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="Benchmark data folder (default $AFFECTLAB_DATA).")
    parser.add_argument("--datasets", nargs="+", default=None, help="Only these datasets (smoke tests).")
    parser.add_argument("--limit", type=int, default=None, help="First N items per dataset (smoke tests only).")
    parser.add_argument("--force", action="store_true", help="Overwrite the output file.")
    args = parser.parse_args(argv)
    output = Path(args.output)
    if output.exists() and not args.force:
        sys.exit(f"error: {output} exists; pass --force to overwrite it.")
    executable = _affectlab_executable()
    names = args.datasets or datasets(args.all_languages, args.data_dir)
    start = time.perf_counter()
    results = []
    for name in names:
        cmd = command(name, args)
        print(f"running: {shlex.join(cmd)}", file=sys.stderr)
        result, elapsed_s = run(cmd, executable)
        results.append((cmd, result, elapsed_s))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(results, args, time.perf_counter() - start), encoding="utf-8")
    raw = output.with_suffix(".json")  # the same results, machine-readable (read by build_model_card.py)
    generated = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {revision()}"
    runs = [{"command": shlex.join(cmd), "result": result, "elapsed_s": elapsed} for cmd, result, elapsed in results]
    raw.write_text(json.dumps({"generated": generated, "runs": runs}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {output} and {raw}", file=sys.stderr)


if __name__ == "__main__":
    main()
