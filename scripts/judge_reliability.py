"""How far a judge run by ``benchmarks/bench_judge.py`` can be trusted: against the empathy-judges experts.

Usage: python scripts/judge_reliability.py [--ratings benchmarks/results/judge_gemma_epitome.csv]
                                           [--out benchmarks/results/judge-reliability]

Joins the judge's ratings (the long table of ``affectlab judge``) with the EPITOME ratings of the three
experts, the crowd and the authors' three LLMs (:func:`affectlab.datasets.empathy_judges`), and writes
``affectlab reliability``'s report (reliability.md, icc.png, ci_width.png, bias.png) with every judge
against the per-item mean of the experts. Nothing is typed by hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from affectlab.analyses.reliability import reliability
from affectlab.datasets import empathy_judges
from affectlab.surfaces.plots.reliability import write_report

EXPERTS = ["expert1", "expert2", "expert3"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ratings", type=Path, default=Path("benchmarks/results/judge_gemma_epitome.csv"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/judge-reliability"))
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()

    people = empathy_judges(["epitome"])
    people["attribute"] = people["attribute"].str.removeprefix("level_")
    judged = pd.read_csv(args.ratings, dtype={"id": str})
    judged = judged.rename(columns={"id": "item", "score": "value"})[["item", "rater", "attribute", "value"]]
    table = pd.concat([people[["item", "rater", "attribute", "value"]], judged], ignore_index=True)
    judges = [*judged["rater"].unique(), "gpt", "claude", "gemini", "crowd"]
    report = reliability(
        table,
        item="item",
        rater="rater",
        value="value",
        attribute="attribute",
        reference=EXPERTS,
        reference_name="experts",
        raters=judges,
        n_boot=args.n_boot,
    )
    written = write_report(report, args.out, force=True)
    print("\n".join(map(str, written)))
    print(report.results[["rater", "attribute", "n", "bias", "icc_a1", "ci_width", "reliability"]].to_string())


if __name__ == "__main__":
    main()
