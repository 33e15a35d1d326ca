"""Print the markdown table of EmoBank's reader and writer agreement for docs/agreement.md.

Usage: python scripts/agreement_table.py [--n-boot 1000] [--seed 0] [--data DIR]

Raters come from the rater-order convention (the k-th rating of an item is rater k); Cohen's kappa compares
raters 1 and 2 (the first two ratings of each item).
"""

from __future__ import annotations

import argparse

import pandas as pd

from affectlab.analyses.agreement import agreement, rater_from_order
from affectlab.datasets import data_dir

COLUMNS = [
    ("α nominal", {"metric": "krippendorff", "level": "nominal"}),
    ("α ordinal", {"metric": "krippendorff", "level": "ordinal"}),
    ("α interval", {"metric": "krippendorff", "level": "interval"}),
    ("Fleiss κ", {"metric": "fleiss"}),
    ("Cohen κ (1 vs 2, linear)", {"metric": "cohen", "level": "ordinal", "raters": [1, 2]}),
    ("ICC(C,1)", {"metric": "icc_c1"}),
    ("ICC(A,1)", {"metric": "icc_a1"}),
]
DIMENSIONS = {"V": "valence", "A": "arousal", "D": "dominance"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates per value")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="benchmark data folder (default: affectlab.datasets.data_dir())")
    args = parser.parse_args()
    folder = data_dir(args.data) / "emobank"
    print("| perspective | dimension | " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for perspective in ("reader", "writer"):
        frame = pd.read_csv(folder / f"corpus_individual_{perspective}_ratings.csv", dtype={"id": str})
        frame = rater_from_order(frame, "id")
        for column, dimension in DIMENSIONS.items():
            cells = []
            for _, options in COLUMNS:
                result = agreement(
                    frame, item="id", rater="rater", value=column, n_boot=args.n_boot, seed=args.seed, **options
                )
                ci = f" [{result.ci95[0]:.3f}, {result.ci95[1]:.3f}]" if result.ci95 else ""
                cells.append("undefined" if result.value is None else f"{result.value:.3f}{ci}")
            print(f"| {perspective} | {dimension} | " + " | ".join(cells) + " |")
    print()
    print(
        f"{frame['id'].nunique():,} items; 5-7 ratings per item (raters 1-5 rate every item, so the ICCs use raters "
        f"1-5 and Fleiss' kappa the items with exactly 5 ratings). 95% percentile bootstrap intervals over items, "
        f"n_boot={args.n_boot}, seed={args.seed}."
    )


if __name__ == "__main__":
    main()
