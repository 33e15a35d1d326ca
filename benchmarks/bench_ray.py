"""Rows per second of ``affectlab analyze`` with the local backend and with ``--backend ray``, on this machine.

Run from the project root (needs the ``[ray]`` extra and the GoEmotions test split)::

    python benchmarks/bench_ray.py                       # 2,000 texts, default model
    python benchmarks/bench_ray.py --texts 500 --model embedded:/path/to/artifact

Measures, on the first ``--texts`` texts of GoEmotions test written as one Parquet file:

1. the local backend through the CLI in a fresh process (``--threads`` = all cores), start-up included;
2. ``--backend ray`` through the CLI in a fresh process, which starts its own local Ray (start-up included),
   interleaved with 1 (``--repeats`` times each, the best reported);
3. ``analyze_on_ray`` in-process on a Ray cluster started beforehand (``ray.init(num_cpus=cores)``):
   what a run on a running cluster costs, one actor per core, one engine thread per actor.

Every Ray output is checked equal, frame for frame, to the local one. Prints a markdown table with the
machine and versions, and writes it to ``--out`` (``.md``) and the numbers to the same name with ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab import datasets


def timed_cli(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "affectlab", "analyze", *args, "-q"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"affectlab analyze {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--repeats", type=int, default=2, help="Runs of each kind (the best is reported).")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ray.md"))
    args = parser.parse_args()

    import onnxruntime
    import ray

    import affectlab
    from affectlab.analyses.distributed import analyze_on_ray

    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]  # the cores may be shared: a load near or above `cores` slows every row
    texts = datasets.goemotions("test").texts[: args.texts]
    work = Path(tempfile.mkdtemp(prefix="affectlab-bench-ray-"))
    source = work / "texts.parquet"
    pd.DataFrame({"id": [f"t{i}" for i in range(len(texts))], "text": texts}).to_parquet(source)
    model = ["-m", args.model]

    local_runs, ray_cli_runs = [], []
    for k in range(args.repeats):  # interleaved, so that a busy moment of a shared machine hits both
        local_runs.append(
            timed_cli([str(source), "-o", str(work / f"local-{k}.parquet"), "--threads", str(cores), *model])
        )
        ray_cli_runs.append(timed_cli([str(source), "-o", str(work / f"ray-cli-{k}"), "--backend", "ray", *model]))
    expected = pd.read_parquet(work / "local-0.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(work / "ray-cli-0"), expected)
    local_s, ray_cli_s = min(local_runs), min(ray_cli_runs)

    start = time.perf_counter()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    init_s = time.perf_counter() - start
    runs = []
    for k in range(args.repeats):
        out = work / f"ray-{k}"
        start = time.perf_counter()
        analyze_on_ray(source, out, engine=args.model)
        runs.append(time.perf_counter() - start)
        pd.testing.assert_frame_equal(pd.read_parquet(out), expected)
    ray.shutdown()
    shutil.rmtree(work)

    n = len(texts)
    results = {
        "texts": n,
        "model": args.model,
        "cores": cores,
        "load_average_1min": load,
        "local_cli_s": local_s,
        "local_cli_runs_s": local_runs,
        "ray_cli_s": ray_cli_s,
        "ray_cli_runs_s": ray_cli_runs,
        "ray_init_s": init_s,
        "ray_running_cluster_s": min(runs),
        "ray_running_cluster_runs_s": runs,
    }
    rows = [
        (
            "local backend, CLI, fresh process",
            f"{n / local_s:,.0f}",
            f"{local_s:.1f} s",
            f"best of {args.repeats}; --threads {cores}",
        ),
        (
            "--backend ray, CLI, fresh process",
            f"{n / ray_cli_s:,.0f}",
            f"{ray_cli_s:.1f} s",
            f"best of {args.repeats}; starts a local Ray ({cores} CPUs), up to {cores} actors x 1 thread",
        ),
        (
            "--backend ray on a running cluster",
            f"{n / min(runs):,.0f}",
            f"{min(runs):.1f} s",
            f"best of {args.repeats}; ray.init alone took {init_s:.1f} s",
        ),
        ("Ray on a running cluster / local", f"{local_s / min(runs):.2f}x", "", "above 1 = Ray faster"),
    ]
    versions = (
        f"Python {platform.python_version()}, affectlab {affectlab.__version__}, ray {ray.__version__}, "
        f"onnxruntime {onnxruntime.__version__}"
    )
    lines = [
        "# Ray backend benchmark",
        "",
        f"Machine: {cpu_name()}, {cores} cores, {platform.platform()}; load average {load:.1f} at the start.  ",
        f"Versions: {versions}.  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Command: `python benchmarks/bench_ray.py --texts {n} "
        f"--model {args.model}`.  ",
        f"Input: the first {n} texts of GoEmotions test as one Parquet file; every Ray output equals the local one.",
        "",
        "| run | rows/s | wall | note |",
        "|---|---:|---:|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        "The CLI rows include starting Python and loading the model (and, for Ray, starting Ray); the running-cluster",
        "row includes starting the actors, each loading the model, but not `ray.init`. A load average above the core",
        "count means other work shared the cores during the run: compare the rows of one run, not across runs.",
        "On one machine Ray adds work (start-up, actors, moving blocks through the object store) and no cores:",
        "the point of the backend is that the same command runs on a cluster (docs/corpus.md).",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")
    record = {**results, "machine": {"cpu": cpu_name(), "platform": platform.platform()}, "versions": versions}
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
