"""Benchmark ``affectlab arc`` on a whole novel: throughput, wall time and peak memory.

Usage (from the project root)::

    python benchmarks/bench_arc.py                                  # Dracula, default model
    python benchmarks/bench_arc.py --model embedded:/path/to/model  # another artifact
    python benchmarks/bench_arc.py --book ../shared/data/books/frankenstein.txt --unit paragraph

Prints one table: the segmentation pass alone, then the full arc (segmentation,
model, smoothing, summaries), with words/s, segments/s, wall time and the peak
resident memory of the process, followed by the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab.analyses.document import document_arc, read_blocks
from affectlab.core.segment import SegmentStream
from affectlab.datasets import data_dir
from affectlab.engines.registry import load_engine
from affectlab.errors import AffectlabError, ModelLoadError


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def machine(threads: int | None) -> list[tuple[str, str]]:
    import onnxruntime

    rows = [
        ("CPU", cpu_name()),
        ("cores", f"{os.cpu_count()} logical; engine threads: {threads or 'all'}"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()}, {platform.system()})"),
        ("onnxruntime", onnxruntime.__version__),
    ]
    try:
        import psutil

        rows.append(("memory", f"{psutil.virtual_memory().total / (1 << 30):.1f} GiB"))
    except ImportError:
        pass
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=None, help="UTF-8 text file (default: Dracula from the data dir).")
    parser.add_argument("--model", default="embedded", help="Engine name, e.g. embedded or embedded:<folder>.")
    parser.add_argument("--unit", default="sentence", help="sentence, paragraph or window:N.")
    parser.add_argument("--smooth", default="dct:10", help="dct:K, rolling:K, loess[:F] or none.")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads (default: all cores).")
    args = parser.parse_args()
    book = args.book or data_dir() / "books" / "dracula.txt"

    start = time.perf_counter()
    stream = SegmentStream(read_blocks(book), args.unit, strip_gutenberg=True)
    n_segments = sum(1 for _ in stream)
    segment_s = time.perf_counter() - start
    n_words = stream.n_words_

    start = time.perf_counter()
    try:
        engine = load_engine(args.model, **({"threads": args.threads} if args.threads else {}))
    except ModelLoadError as exc:
        print(f"error: {exc}\nPass another artifact with --model embedded:<folder>.", file=sys.stderr)
        return 1
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    try:
        arc = document_arc(
            book,
            unit=args.unit,
            smooth=None if args.smooth == "none" else args.smooth,
            engine=engine,
            batch_size=args.batch_size,
        )
    except AffectlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    arc_s = time.perf_counter() - start

    print(f"# bench_arc: {book.name}, unit {args.unit}, smoothing {arc.smooth}, model {arc.model}\n")
    print(f"| {'stage':<23} | {'segments':>8} | {'words':>7} | {'wall s':>7} | {'segments/s':>10} | {'words/s':>9} |")
    print(f"|{'-' * 25}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 11}|")
    for stage, seconds in (("segmentation only", segment_s), ("arc (model + summaries)", arc_s)):
        print(
            f"| {stage:<23} | {n_segments:>8} | {n_words:>7} | {seconds:>7.2f} | "
            f"{n_segments / seconds:>10,.0f} | {n_words / seconds:>9,.0f} |"
        )
    print(f"\nengine load: {load_s:.2f} s; peak RSS of the process: {peak_rss_mb():.0f} MiB")
    print(f"shape: {arc.shape} (r = {arc.shape_score:.2f}); flags: {', '.join(arc.flags) or '-'}\n")
    for name, value in machine(args.threads):
        print(f"- {name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
