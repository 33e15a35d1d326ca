"""Write a test table in any of the formats affectlab reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_table(frame: pd.DataFrame, path: Path, fmt: str, text_column: str = "body") -> None:
    """``frame`` as csv/tsv/jsonl/json/parquet, or its ``text_column`` one text per line for txt."""
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif fmt == "json":
        frame.to_json(path, orient="records")
    elif fmt == "parquet":
        frame.to_parquet(path)
    else:
        path.write_text("\n".join(frame[text_column]) + "\n", encoding="utf-8")
