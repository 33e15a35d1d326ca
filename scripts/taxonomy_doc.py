"""Print docs/taxonomies.md from the taxonomy and mapping data files.

python scripts/taxonomy_doc.py > docs/taxonomies.md
"""

from __future__ import annotations

from affectlab.core import taxonomy as tx

INTRO = """# Taxonomies and mappings

Label sets and the mappings between them are data files in `src/affectlab/core/taxonomies/`
(one JSON file per taxonomy, one per mapping in `mappings/`), each with its source. This page is
generated from those files: `python scripts/taxonomy_doc.py > docs/taxonomies.md`.

```bash
affectlab taxonomy list
affectlab taxonomy show parrott:2
affectlab taxonomy map love --from goemotions --to plutchik
affectlab analyze "I miss her so much" --taxonomy parrott:3
```

```python
import numpy as np
from affectlab import load_taxonomy, project

p = np.zeros(28)
p[load_taxonomy("goemotions").index("love")] = 0.9
project(p, "goemotions", "plutchik")   # joy 0.9 and trust 0.9: love = joy + trust
```

## How probabilities are projected
"""


def main() -> None:
    rules = (tx.__doc__ or "").split("Projection rules", 1)[1].replace("(:func:`project`)", "(`affectlab.project`)")
    out = [INTRO, "Projection rules" + rules.rstrip(), ""]
    out += [
        "The default model also predicts Plutchik (XED) and the SemEval-2025 classes (BRIGHTER) with heads of its",
        "own; for those taxonomies the engine uses its heads instead of projecting (the record's",
        "`model.native_taxonomy` stays `goemotions`).",
        "",
        "## Taxonomies",
        "",
    ]
    out += ["| name | kind | labels | source |", "|---|---|---|---|"]
    for name in tx.available_taxonomies():
        t = tx.load_taxonomy(name)
        out.append(f"| `{name}` | {t.kind} | {len(t)} | {t.source} |")
    for name in tx.available_taxonomies():
        t = tx.load_taxonomy(name)
        out += ["", f"### `{name}`", "", t.description, ""]
        if t.parent:
            groups: dict[str, list[str]] = {}
            for child, parent in t.parent.items():
                groups.setdefault(parent, []).append(child)
            out += [f"- **{parent}**: {', '.join(children)}" for parent, children in groups.items()]
        else:
            out.append(", ".join(f"`{label}`" for label in t.labels))
        reached: set[str] = set()
        for label in tx.load_taxonomy("goemotions").labels:
            reached |= set(tx.label_links(label, "goemotions", name))
        missing = [label for label in t.labels if label not in reached]
        if missing and name != "goemotions":
            out += ["", f"Not reachable from GoEmotions labels (always 0 for the default model): {', '.join(missing)}."]
    anchors = tx._anchor_file()
    out += [
        "",
        "## Valence/arousal/dominance anchors",
        "",
        f"Source: {anchors['source']}.",
        "",
        f"Scale: {anchors['scale']}. Engines without a VAD head report the probability-weighted mean of their",
        "native taxonomy's anchors. Labels with too little probability mass in EmoBank have no anchor.",
        "",
        "| taxonomy | label | valence | arousal | dominance |",
        "|---|---|---:|---:|---:|",
    ]
    for name, table in anchors["anchors"].items():
        out += [f"| {name} | {label} | {v:+.3f} | {a:+.3f} | {d:+.3f} |" for label, (v, a, d) in table.items()]
    out += ["", "## Mappings", ""]
    for (source, target), mapping in sorted(tx._mappings().items()):
        out += [f"### `{source}` → `{target}`", "", mapping.rationale, "", f"Source: {mapping.citation}", ""]
        rows = [
            f"{s} → " + ", ".join(f"{t}" + ("" if w == 1 else f" ({w:g})") for t, w in targets.items())
            for s, targets in mapping.weights.items()
        ]
        out += ["<details><summary>label table</summary>", "", *[f"- {r}" for r in rows], "", "</details>", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
