"""Speed and memory of the default engine against a roberta-base-sized transformers pipeline.

Run from the project root (the baseline needs the ``[hf]`` extra)::

    python benchmarks/bench_speed.py                 # full GoEmotions test set through the CLI
    python benchmarks/bench_speed.py --baseline-texts 256 --out benchmarks/results/speed.md

Measures, each in a fresh subprocess:

1. ``affectlab analyze`` end to end on GoEmotions test (5,427 texts, one per line) written to a CSV file:
   texts/s and peak RSS of that process;
2. import plus first result (``python -c "import affectlab; affectlab.analyze('...')"``), wall seconds;
3. the embedded engine in-process on the same texts (texts/s, no file I/O);
4. a transformers ``text-classification`` pipeline with a BERT-base-sized model (12 layers, hidden 768,
   the size of roberta-base) with random weights, on the first ``--baseline-texts`` texts, same threads.

Each of 1-3 runs ``--repeat`` times (default 3) and the best run is reported, with every run in the
note: other processes share this machine's cores, and the best of several runs is the one least
disturbed by them (as ``timeit`` does). Peak RSS is the largest of the runs.

Prints a markdown table with the machine, versions and ratios, and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab import datasets

CHILD_RSS = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"wall_s": wall, "peak_rss_bytes": rss, "returncode": proc.returncode, "stderr": proc.stderr[-2000:]}))
"""

BASELINE = """
import json, sys, time, torch
from pathlib import Path
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast, pipeline
torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
texts = json.loads(Path(sys.argv[1]).read_text())
tokenizer = BertTokenizerFast(tokenizer_file=sys.argv[3], model_max_length=512)
model = BertForSequenceClassification(BertConfig(num_labels=28)).eval()
pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, top_k=None, device=-1)
pipe(texts[:8], batch_size=8, truncation=True)
start = time.perf_counter()
pipe(texts, batch_size=32, truncation=True)
print(json.dumps({"texts_per_s": len(texts) / (time.perf_counter() - start),
                  "params": sum(p.numel() for p in model.parameters())}))
"""


def run_measured(cmd: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD_RSS, *cmd], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["returncode"] != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{result['stderr']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline-texts", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure; the best is reported")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/speed.md"))
    args = parser.parse_args()

    import onnxruntime

    import affectlab

    texts = datasets.goemotions("test").texts
    work = Path(tempfile.mkdtemp(prefix="affectlab-bench-"))
    source = work / "goemotions_test.txt"
    source.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
    out = work / "out.csv"
    env_threads = ["--threads", str(args.threads)]

    clis = [
        run_measured([sys.executable, "-m", "affectlab", "analyze", str(source), "-o", str(out), "-q", "--force",
                      *env_threads])
        for _ in range(args.repeat)
    ]  # fmt: skip
    n_out = sum(1 for _ in out.open(encoding="utf-8")) - 1
    assert n_out == len(texts), f"{n_out} output rows for {len(texts)} inputs"
    cli = min(clis, key=lambda r: r["wall_s"])
    firsts = [run_measured([sys.executable, "-c", "import affectlab; affectlab.analyze('What a day!')"])["wall_s"]
              for _ in range(args.repeat)]  # fmt: skip

    engine = affectlab.load_engine("embedded", threads=args.threads)
    engine.predict(texts[:64])
    rates = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        engine.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    in_process = max(rates)

    def runs(values: list[float], fmt: str) -> str:
        return f"best of {len(values)}: " + ", ".join(format(v, fmt) for v in values)

    rows = [
        (
            "CLI end to end, GoEmotions test -> CSV",
            f"{len(texts) / cli['wall_s']:,.0f} texts/s",
            f"{len(texts)} texts in {cli['wall_s']:.1f} s, incl. start-up; "
            + runs([len(texts) / r["wall_s"] for r in clis], ",.0f"),
        ),
        ("peak RSS of that CLI process", f"{max(r['peak_rss_bytes'] for r in clis) / 2**20:,.0f} MB", "largest run"),
        ("import + first result", f"{min(firsts):.2f} s", "fresh interpreter; " + runs(firsts, ".2f")),
        ("embedded engine in-process", f"{in_process:,.0f} texts/s", "no file I/O; " + runs(rates, ",.0f")),
    ]
    baseline = None
    if not args.skip_baseline:
        from affectlab.engines.embedded import default_model_dir

        sample = work / "baseline.json"
        sample.write_text(json.dumps(texts[: args.baseline_texts]))
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                BASELINE,
                str(sample),
                str(args.threads),
                str(default_model_dir() / "tokenizer.json"),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"baseline failed:\n{proc.stderr[-3000:]}")
        baseline = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            (
                f"transformers pipeline, BERT-base size ({baseline['params'] / 1e6:.0f}M params), "
                f"{args.baseline_texts} texts",
                f"{baseline['texts_per_s']:,.1f} texts/s",
                "random weights",
            )
        )
        rows.append(
            (
                "speed-up of the CLI over the pipeline",
                f"{len(texts) / cli['wall_s'] / baseline['texts_per_s']:.1f}x",
                "same machine, same threads",
            )
        )
        rows.append(("speed-up in-process", f"{in_process / baseline['texts_per_s']:.1f}x", ""))

    import numpy

    versions = (
        f"Python {platform.python_version()}, affectlab {affectlab.__version__}, onnxruntime "
        f"{onnxruntime.__version__}, numpy {numpy.__version__}"
    )
    lines = [
        "# Speed benchmark",
        "",
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, threads {args.threads}, {platform.platform()}.  ",
        f"Versions: {versions}.  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Command: `python benchmarks/bench_speed.py "
        f"--baseline-texts {args.baseline_texts} --threads {args.threads} --repeat {args.repeat}`.",
        "",
        "| measure | value | note |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
