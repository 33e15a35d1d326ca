"""Write the made-up example corpus of docs/polarization.md: posts.csv and events.csv.

python examples/polarization/make_corpus.py

Fourteen days of short posts about gun control (2026-05-01 .. 2026-05-14), five conversations a day
(a root and one to three replies), labelled with stance (pro / anti / don't know), affect and agreement as
a human annotator would. An event on 2026-05-07 is planted: from that day on, replies cross stances
more often, disagree, and carry hostility towards the other side. The texts are written to match
their labels, so the model's negative-emotion signal has something to agree with.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TEXTS = {
    ("pro", "yes"): [
        "Anyone who still fights background checks has blood on their hands.",
        "The gun lobby's puppets don't care how many kids die. Disgusting.",
        "People who worship their rifles over children's lives are monsters.",
    ],
    ("pro", "no"): [
        "Universal background checks would save lives.",
        "Safe storage laws are a reasonable step most owners already follow.",
        "Red flag laws gave families a way to act before a tragedy.",
    ],
    ("anti", "yes"): [
        "Gun grabbers are tyrants who want us helpless. Pathetic cowards.",
        "These control freaks are idiots who know nothing about firearms.",
        "Every politician pushing bans is a liar who hates ordinary people.",
    ],
    ("anti", "no"): [
        "I think the right to bear arms matters for self-defence.",
        "Most gun owners are careful, and existing laws are rarely enforced.",
        "Rural families rely on their guns; new rules should consider that.",
    ],
    ("don't know", "no"): [
        "Not sure what the answer is here, honestly.",
        "Does anyone have numbers on how these laws worked elsewhere?",
        "I can see arguments on both sides of this.",
    ],
}
EVENT = ("Riverside school shooting", "2026-05-07", "2026-05-07")


def main() -> None:
    rng = np.random.default_rng(16)
    rows = []
    for day in range(1, 15):
        after = day >= 7
        for c in range(5):
            root_id = f"d{day:02d}c{c}"
            stance = str(rng.choice(["pro", "anti", "don't know"], p=[0.45, 0.45, 0.1]))
            root_affect = "yes" if stance != "don't know" and rng.random() < (0.5 if after else 0.15) else "no"
            rows.append(_post(rng, root_id, None, day, 8 + 2 * c, stance, root_affect, ""))
            parent_id, parent_stance = root_id, stance
            for r in range(int(rng.integers(1, 4))):
                opposite = rng.random() < (0.7 if after else 0.35)
                clear = [s for s in ("pro", "anti") if s != parent_stance] if opposite else ["pro", "anti"]
                reply_stance = str(rng.choice(clear)) if rng.random() > 0.08 else "don't know"
                if not opposite and parent_stance in ("pro", "anti"):
                    reply_stance = parent_stance
                hostile = reply_stance != "don't know" and rng.random() < (0.6 if after else 0.15)
                agree = "yes" if reply_stance == parent_stance and rng.random() < 0.8 else "no"
                agree = "don't know" if rng.random() < 0.05 else agree
                reply_id = f"{root_id}r{r}"
                rows.append(
                    _post(rng, reply_id, parent_id, day, 9 + 2 * c + r, reply_stance, "yes" if hostile else "no", agree)
                )
                parent_id, parent_stance = reply_id, reply_stance
    with (HERE / "posts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["id", "parent_id", "time", "text", "stance", "affect", "agreement"])
        writer.writeheader()
        writer.writerows(rows)
    with (HERE / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("name", "start", "end"), EVENT])


def _post(
    rng: np.random.Generator,
    post_id: str,
    parent: str | None,
    day: int,
    hour: int,
    stance: str,
    affect: str,
    agree: str,
) -> dict[str, str]:
    text = str(rng.choice(TEXTS[(stance, affect if stance != "don't know" else "no")]))
    if parent is not None:
        text = {"yes": "Exactly. ", "no": "No. ", "don't know": "Hmm. ", "": ""}[agree] + text
    return {
        "id": post_id,
        "parent_id": parent or "",
        "time": f"2026-05-{day:02d}T{hour:02d}:{int(rng.integers(0, 60)):02d}:00-04:00",
        "text": text,
        "stance": stance,
        "affect": affect,
        "agreement": agree,
    }


if __name__ == "__main__":
    main()
