"""Write ratings.csv: a small synthetic judge-reliability table for docs/reliability.md (seeded, no real data).

Four response systems (sys-a, sys-b, sys-c and judge-x, which is also a judge) answer 8 support messages each; two
humans and three LLM judges rate every response on empathy, helpfulness and safety (1-5), in the long form
``affectlab judge`` writes (id, system, rater, attribute, score). How the judges were made:

- judge-x tracks the humans, but rates its own system's responses one point higher (self-preference);
- judge-y inflates empathy by about one point and is otherwise close to the humans;
- judge-z is noisy (its ratings only loosely follow the humans);
- one judge-z empathy score is "unsure" (not a number) and one judge-y helpfulness score is missing, to show
  how they are counted.

Usage: python examples/reliability/make_ratings.py  (rewrites examples/reliability/ratings.csv)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SYSTEMS = ("sys-a", "sys-b", "sys-c", "judge-x")
ATTRIBUTES = ("empathy", "helpfulness", "safety")
QUALITY = {"sys-a": 0.8, "sys-b": -0.6, "sys-c": 0.2, "judge-x": -0.2}  # systems differ in quality


def main() -> None:
    rng = np.random.default_rng(15)
    rows = []
    for system in SYSTEMS:
        for k in range(8):
            item = f"{system}-{k + 1:02d}"
            for attribute in ATTRIBUTES:
                truth = 3 + QUALITY[system] + rng.normal(0, 1.0)
                scores = {
                    "human1": truth + rng.normal(0, 0.5),
                    "human2": truth + rng.normal(0, 0.5),
                    "judge-x": truth + rng.normal(0, 0.5) + (1.0 if system == "judge-x" else 0.0),
                    "judge-y": truth + rng.normal(0, 0.5) + (1.0 if attribute == "empathy" else 0.0),
                    "judge-z": truth * 0.3 + 2.1 + rng.normal(0, 1.2),
                }
                for rater, score in scores.items():
                    value: object = int(np.clip(np.rint(score), 1, 5))
                    if (rater, item, attribute) == ("judge-z", "sys-b-03", "empathy"):
                        value = "unsure"
                    if (rater, item, attribute) == ("judge-y", "sys-a-05", "helpfulness"):
                        value = None
                    rows.append({"id": item, "system": system, "rater": rater, "attribute": attribute, "score": value})
    pd.DataFrame(rows).to_csv(Path(__file__).with_name("ratings.csv"), index=False)


if __name__ == "__main__":
    main()
