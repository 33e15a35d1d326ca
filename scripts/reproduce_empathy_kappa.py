"""Reproduce Kumar et al. (2025)'s kappa table from the raw empathy-judges ratings; judge the judges.

Usage: python scripts/reproduce_empathy_kappa.py [--data DIR] [--n-boot 1000] [--seed 0]

Reads ``empathy-judges/annotations`` through :func:`affectlab.datasets.empathy_judges` and writes, with nothing
typed by hand:

- the published-vs-ours kappa comparison and the reliability summary into the marked blocks of
  ``docs/reliability.md``;
- ``benchmarks/results/empathy_kappa.csv`` (every published cell beside ours) and
  ``benchmarks/results/empathy_reliability.csv`` (crowd, GPT-4o, Claude and Gemini against the experts' mean);
- ``docs/img/empathy-judges-icc.png`` and ``docs/img/empathy-judges-bias.png``.

How the authors computed the table (their ``analysis.ipynb``): the per-item *median* of the three experts is
``experts``; ``llm`` is Gemini (their file list expert1, expert2, expert3, gemini, gpt, claude, crowd is zipped
with the labels expert1, expert2, expert3, llm, gpt, claude, crowd); kappa is statsmodels' quadratic-weighted
``cohens_kappa`` on the contingency table of the distinct values the two raters gave (times 100, rounded), whose
weights are squared *rank* distances, as :mod:`affectlab.analyses.agreement`'s; the crowd's values are means.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pandas as pd

from affectlab.analyses.reliability import ReliabilityReport, reliability
from affectlab.datasets import EMPATHY_SETS, data_dir, empathy_judges
from affectlab.surfaces.plots._format import num
from affectlab.surfaces.plots.reliability import plot_bias, plot_icc

ROOT = Path(__file__).resolve().parents[1]
EXPERTS = ["expert1", "expert2", "expert3"]
JUDGES = ["crowd", "gpt", "claude", "gemini"]
#: The published table's names of its dataset column.
DATASETS = {"Empathetic Dialogues": "empatheticdialogues", "EPITOME": "epitome", "Perceived Empathy":
            "perceived_empathy", "Lend an Ear": "lend_an_ear"}  # fmt: skip
PAIR_ORDER = ["('expert1', 'expert2')", "('expert2', 'expert3')", "('expert3', 'expert1')", "('experts', 'crowd')",
              "('experts', 'llm')", "('llm', 'crowd')"]  # fmt: skip
#: Published values have two decimals: ours matches a cell when it rounds to it (|difference| <= 0.005).
TOLERANCE = 0.005


def published(folder: Path) -> pd.DataFrame:
    """The authors' table: dataset (our key), dimension, pair (published label), kappa."""
    table = pd.read_csv(folder / "empathy-judges" / "annotations" / "table_kappa.csv")
    return pd.DataFrame(
        {
            "dataset": table["Dataset"].map(DATASETS),
            "dimension": table["Dimension"],
            "pair": table["Annotator Pair"],
            "published": table["Weighted Cohen's Kappa"].astype(float),
        }
    )


def ours(frame: pd.DataFrame, table: pd.DataFrame, *, llm: str = "gemini", aggregate: str = "median") -> pd.Series:
    """Our quadratic-weighted kappa for every published cell, with ``llm`` and the experts' ``aggregate``."""
    names = {"experts": "experts", "llm": llm}
    pairs = list(dict.fromkeys(tuple(names.get(r, r) for r in ast.literal_eval(p)) for p in table["pair"]))
    report = reliability(
        frame,
        item="item",
        rater="rater",
        value="value",
        attribute="attribute",
        reference=EXPERTS,
        reference_aggregate=aggregate,
        reference_name="experts",
        raters=[llm],
        pairs=pairs,
        kappa_weights="quadratic",
        n_boot=0,
    )
    kappa = report.pairs.set_index(["attribute", "rater_a", "rater_b"])["kappa"]
    keys = [(d, *(names.get(r, r) for r in ast.literal_eval(p))) for d, p in zip(table["dimension"], table["pair"])]
    return pd.Series([kappa[key] for key in keys], index=table.index, dtype=float)


def comparison(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Every published cell beside ours, the absolute difference, and whether ours rounds to it."""
    out = table.assign(ours=ours(frame, table))
    out["abs_diff"] = (out["ours"] - out["published"]).abs()
    out["match"] = out["abs_diff"] <= TOLERANCE + 1e-12
    return out


def kappa_table(compared: pd.DataFrame) -> str:
    """Markdown: the published table with ours beside each cell, and the largest difference."""
    lines = ["| dataset | dimension | " + " | ".join(PAIR_ORDER).replace("'", "") + " |", "|---|---|" + "---:|" * 6]
    cells = compared.set_index(["dataset", "dimension", "pair"])
    for dataset, (_, attributes, _) in EMPATHY_SETS.items():
        for dimension in attributes:
            shown = []
            for pair in PAIR_ORDER:
                cell = cells.loc[(dataset, dimension, pair)]
                shown.append(f"{cell.published:.2f} / {cell.ours:.3f}" + ("" if cell.match else " ✗"))
            lines.append(f"| {dataset} | {dimension} | " + " | ".join(shown) + " |")
    worst = compared.loc[compared["abs_diff"].idxmax()]
    misses = compared[~compared["match"]]
    lines += [
        "",
        f"Cells: published / ours. {len(compared)} cells; {len(compared) - len(misses)} match (ours rounds to the "
        f"published two decimals, |difference| <= {TOLERANCE}); max |ours - published| = {worst.abs_diff:.5f} "
        f"({worst.dataset}, {worst.dimension}, {worst.pair}: published {worst.published:.2f}, ours "
        f"{worst.ours:.5f}).",
    ]
    return "\n".join(lines)


def kappa_block(compared: pd.DataFrame, alternatives: dict[str, tuple[float, int]]) -> str:
    """Markdown: :func:`kappa_table`, then how other readings of the method fare."""
    lines = [
        kappa_table(compared),
        "",
        "Other readings of the method, and their largest difference from the published table:",
        "",
        "| reading | max abs difference | cells matching |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {diff:.3f} | {hits} |" for name, (diff, hits) in alternatives.items()]
    return "\n".join(lines)


def reliability_block(report: ReliabilityReport) -> str:
    """Markdown: ICC(A,1) [95% CI] class and bias per attribute (rows) and judge (columns)."""
    results = report.results.set_index(["attribute", "rater"])
    lines = ["| dataset | attribute | scale | " + " | ".join(JUDGES) + " |", "|---|---|---|" + "---|" * len(JUDGES)]
    for dataset, (_, attributes, (lo, hi)) in EMPATHY_SETS.items():
        for attribute in attributes:
            cells = []
            for judge in JUDGES:
                r = results.loc[(attribute, judge)]
                ci = f"[{num(r.icc_a1_ci95[0], signed=False)}, {num(r.icc_a1_ci95[1], signed=False)}]"
                cells.append(f"{num(r.icc_a1, signed=False)} {ci} {r.reliability}, bias {num(r.bias)}")
            lines.append(f"| {dataset} | {attribute} | {lo}-{hi} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace_block(text: str, name: str, block: str) -> str:
    """``text`` with the lines between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` replaced by ``block``."""
    pattern = re.compile(rf"(<!-- BEGIN {name} [^\n]*-->\n).*?(<!-- END {name} -->)", flags=re.S)
    if not pattern.search(text):
        raise SystemExit(f"docs/reliability.md has no <!-- BEGIN {name} ... --> ... <!-- END {name} --> block")
    return pattern.sub(lambda m: m.group(1) + block + "\n" + m.group(2), text)


def alternatives(frame: pd.DataFrame, table: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """Max |difference| and matching cells for the authors' reading and for nearby ones."""
    readings = {
        "experts = median, llm = gemini (the authors' code)": {},
        "experts = mean of the three": {"aggregate": "mean"},
        "llm = gpt": {"llm": "gpt"},
        "llm = claude": {"llm": "claude"},
    }
    out = {}
    for name, options in readings.items():
        diff = (ours(frame, table, **options) - table["published"]).abs()
        out[name] = (float(diff.max()), int((diff <= TOLERANCE + 1e-12).sum()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="benchmark data folder (default: affectlab.datasets.data_dir())")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates of the reliability run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    folder = data_dir(args.data)
    frame = empathy_judges(root=folder)
    table = published(folder)
    compared = comparison(frame, table)
    report = reliability(
        frame,
        item="item",
        rater="rater",
        value="value",
        attribute="attribute",
        reference=EXPERTS,
        reference_name="experts",
        raters=JUDGES,
        n_boot=args.n_boot,
        seed=args.seed,
    )
    page = ROOT / "docs" / "reliability.md"
    text = replace_block(
        page.read_text(encoding="utf-8"), "empathy-kappa", kappa_block(compared, alternatives(frame, table))
    )
    text = replace_block(text, "empathy-reliability", reliability_block(report))
    results = ROOT / "benchmarks" / "results"
    compared.to_csv(results / "empathy_kappa.csv", index=False, float_format="%.6f")
    pd.DataFrame(report.to_dict()["results"]).to_csv(results / "empathy_reliability.csv", index=False)
    plot_icc(report).savefig(ROOT / "docs" / "img" / "empathy-judges-icc.png", dpi=100)
    plot_bias(report).savefig(ROOT / "docs" / "img" / "empathy-judges-bias.png", dpi=100)
    page.write_text(text, encoding="utf-8")
    worst = compared["abs_diff"].max()
    print(f"kappa: {int(compared['match'].sum())}/{len(compared)} cells match; max |ours - published| = {worst:.4f}")


if __name__ == "__main__":
    main()
