"""Generated situations without emotion words: training text for emotion that a reader infers (issue 14).

The English model reads emotion words well and described situations poorly. enISEAR and
GoodNewsEveryone (``training/events.py``) teach some of it, but enISEAR's events are mostly social
and GoodNewsEveryone's are news headlines; threats to the body, illness, contamination, loss and
attainment told in the first person are rare in both. This module writes such situations from
templates, one Ekman emotion each, following the appraisals that psychology names as their
antecedents: anger, a wrong done on purpose by someone (blame, unfairness, broken promises); fear, a
threat of harm that has not happened yet (danger, symptoms, pursuit); sadness, an irrevocable loss;
disgust, contamination, repulsive sensations and moral corruption; joy, a goal reached or a bond
renewed; surprise, an event nobody could have expected (neither good nor bad in itself).

The behaviour suite (``benchmarks/behaviour``) measures this very skill, so the set must not teach its
cases: the first draft of the templates, written without reading the suite, still held 38 close
paraphrases of suite cases (the same stock situations come to mind twice: "the ice cracked under my feet
in the middle of the lake"), and every one was replaced by a different situation. :func:`situations`
now refuses a sentence that contains a word of the suite's :data:`EMOTION_WORDS` or whose content words
overlap a suite case's by :data:`MAX_OVERLAP` or more (Jaccard). The set is training text only: it
is never part of a dev or test split, and it is regenerated (seeded) rather than stored.

    python training/situations.py --per-template 4 --seed 0 | head     # print a sample
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

BEHAVIOUR = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_behaviour.py"
MAX_OVERLAP = 0.25  # Jaccard of content words with any behaviour suite case, from which a sentence is refused

PEOPLE = (
    "my neighbour", "my landlord", "a coworker", "my brother", "my sister", "my roommate", "the manager",
    "my best friend", "my cousin", "our teacher", "my partner", "my uncle", "a classmate", "my flatmate",
)  # fmt: skip
WHEN = ("", "Yesterday, ", "Last night, ", "This morning, ", "On Friday, ", "Today ", "Two weeks ago, ")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "anger": (
        "{person} read my private messages and showed them to everyone at the party.",
        "{person} promised to pay me back and then blocked my number.",
        "{when}{person} cut in front of me after I had waited in line for an hour.",
        "The airline lost my luggage for the third time and refused to pay for anything.",
        "{person} took the last concert ticket I had set aside and resold it for double.",
        "They towed my car even though the permit was right there on the dashboard.",
        "{person} keeps parking in my spot no matter how many notes I leave.",
        "The bank froze my account by mistake and wants a fee to unfreeze it.",
        "{person} mocked me in front of the class when I asked a simple question.",
        "{person} borrowed my car and brought it back with an empty tank and a dent.",
        "{person} signed my name under the complaint without asking me.",
        "{person} talked over me every single time I tried to speak.",
        "The referee ignored a clear foul and gave them the penalty instead.",
        "I was fired by email after ten years at the company, with no reason given.",
        "The hotel cancelled our booking on the day we arrived and kept the money.",
        "They raised the rent again while the heating has been broken for months.",
        "The driver splashed me on purpose and then waved.",
        "{when}someone stole my bike and the police said they would not even look into it.",
        "{person} told my manager lies about me so they could get my shift.",
        "The neighbours played loud music until four in the morning again, after swearing they would stop.",
        "{person} used my toothbrush and then put it back without a word.",
        "The mechanic charged me for parts he never replaced.",
    ),
    "fear": (
        "{when}I heard footsteps following me all the way home on an empty street.",
        "The tyre burst on the motorway while I was in the fast lane.",
        "There is a lump in my neck and the doctor wants more tests.",
        "Someone is trying to open my front door in the middle of the night.",
        "The pilot told everyone to brace for an emergency landing.",
        "They are wheeling me into the operating room and the surgeon still has not arrived.",
        "A man with a knife stood between me and the only exit.",
        "The water in the basement keeps rising and the phone has no signal.",
        "{when}I woke up and smelled smoke coming from under the bedroom door.",
        "My son did not come home from school and nobody knows where he is.",
        "The rope slipped and I was hanging over the gorge by one hand.",
        "A truck swerved into my lane at full speed.",
        "The oncologist asked me to bring a family member to the next appointment.",
        "I got a letter saying they know where I live and what I did.",
        "A window downstairs just smashed and I am home alone.",
        "The dog broke its leash and ran straight at my little daughter.",
        "The sirens are going off and the radio says to take shelter now.",
        "I am stuck in the lift between floors and the air is getting thin.",
        "The trail ended at a cliff, the sun was going down and we had no torch.",
        "My chest got tight on the train and I could not breathe.",
        "{person} has not answered the phone since the earthquake.",
        "The boat is taking on water and the shore is still far away.",
    ),
    "sadness": (
        "{when}my grandfather died in his sleep.",
        "The vet could not save our rabbit.",
        "{person} moved to another country and we will probably never see each other again.",
        "The village where I was born is now at the bottom of a reservoir.",
        "I spent the holidays alone this year.",
        "{person} stopped answering my messages and I do not know why.",
        "The baby we were expecting did not make it.",
        "I sat by the phone all evening and it never rang.",
        "My father no longer recognises me when I visit.",
        "I lost every photo of my mother when the laptop was stolen.",
        "We scattered my brother's ashes at the beach where he learned to swim.",
        "The factory where three generations of my family worked has been demolished.",
        "I visited his grave on what would have been his fortieth birthday.",
        "Her coat still hangs by the door a year later.",
        "I failed the exam for the third time and will have to give up on medical school.",
        "{when}we found our cat on the side of the road.",
        "My son moved out and calls only at Christmas now.",
        "Hospice care starts for my father on Monday.",
        "I still dial her number sometimes before I remember.",
        "My old friends all have families now and never invite me anymore.",
        "The funeral was on Saturday and only six people came.",
        "The letters she wrote me are all I have left of her.",
    ),
    "disgust": (
        "The meat at the market stall was green and covered in flies.",
        "The man beside me on the plane took off his socks and picked at his feet.",
        "The hotel sheets had someone else's stains on them.",
        "The yoghurt was fizzy and smelled like feet, and I had already eaten half.",
        "The portable toilets at the festival had not been emptied for three days.",
        "He spat on the floor of the restaurant and kept eating.",
        "The fridge at work smells of fish that has been there for weeks.",
        "Someone sneezed right into the fruit salad at the buffet.",
        "{person} leaves wet towels on the floor until they smell of mildew.",
        "The politician took money meant for children's hospitals and bought a yacht.",
        "The priest stole from the collection box for the orphanage.",
        "The cook wiped his nose with his hand and went back to kneading the dough.",
        "{when}there was vomit all over the seat on the night train.",
        "A cockroach ran out of the cereal box when I opened it.",
        "The men in the video were mocking a disabled boy for clicks.",
        "I stepped barefoot on something slimy and warm in the dark.",
        "The landlord rents flats with rats in the walls to students.",
        "A clump of someone's hair came up out of the shower drain.",
        "He licked his fingers and then shook everyone's hand.",
        "The restaurant served leftovers from other diners' plates to the next customers.",
        "{person} clips their toenails at the kitchen table.",
        "The coach had been filming the girls in the changing room.",
    ),
    "joy": (
        "I got my black belt after seven years of training.",
        "{when}my sister had twins, and all three of them are fine.",
        "My brother got his citizenship after nine years of paperwork.",
        "The publisher wants to print my first novel.",
        "{person} drove six hours just to be at my graduation.",
        "Our small club made it into the national final.",
        "We got the keys to our first home today.",
        "The scholarship came through, so I can go to university after all.",
        "The tests show the treatment worked and I am in remission.",
        "My grandparents renewed their vows on their sixtieth anniversary with all of us there.",
        "{when}I finished my first marathon.",
        "My paper was accepted at the conference.",
        "My children planned a dinner for our anniversary all by themselves.",
        "We adopted a puppy today and he already sleeps on my feet.",
        "After months of physio, I walked without crutches.",
        "My grandfather is home from the hospital and back in his garden.",
        "Our little bakery sold out on its first day.",
        "I got my first paycheck from the new job.",
        "{person} called to apologise, and we are friends again after a year.",
        "The whole street came out to sing for my grandmother's hundredth birthday.",
        "We won the lottery, not the jackpot, but enough to fix the roof.",
        "My daughter took her first steps this evening.",
    ),
    "surprise": (
        "I opened the door and my whole class was standing in my living room.",
        "My grandfather was a circus acrobat before the war, and nobody ever told me.",
        "A parcel arrived from a person I have never heard of.",
        "A sandstorm turned the sky orange at noon in London.",
        "The stranger at the café knew my name and my birthday.",
        "The old painting in the attic turned out to be worth a fortune.",
        "My boss, who never says a word, started singing at the office party.",
        "I found out I have a twin brother.",
        "The exam was called off five minutes before it started.",
        "The cat we lost three years ago showed up at the door.",
        "The last team in the league beat the champions nine to nothing.",
        "My grandmother posted a video of herself skydiving.",
        "The waiter said our bill had been settled by someone who had already left.",
        "{when}the house across the street was gone; only the foundation was left.",
        "{person} turned up at my door in a wedding dress.",
        "The quiz show called me back, and I had never applied.",
        "Wait, the bus driver is my old maths teacher?",
        "The DNA test says I am a quarter Japanese.",
        "My phone rang and it was the president's office.",
        "The fish tank was empty this morning and the fish was in the bath.",
        "The shy new intern beat the chess champion in twelve moves.",
        "There was a horse standing in the hotel lobby.",
    ),
}


def _behaviour_module() -> ModuleType:
    """``benchmarks/bench_behaviour.py`` (its emotion-word check), imported from its folder."""
    if str(BEHAVIOUR.parent) not in sys.path:
        sys.path.insert(0, str(BEHAVIOUR.parent))
    return importlib.import_module("bench_behaviour")


def _content(behaviour: ModuleType, text: str) -> list[str]:
    """The content words of ``text``: its tokens minus the suite's function words."""
    return [t for t in behaviour.tokens(text) if t not in behaviour.STOPWORDS]


def situations(per_template: int, seed: int) -> list[tuple[str, str]]:
    """(sentence, Ekman emotion) pairs: each template filled ``per_template`` times (distinct sentences only).

    Raises
    ------
    ValueError
        If a sentence contains an emotion word of the behaviour suite or is too close to one of its cases.
    """
    behaviour = _behaviour_module()
    texts = [
        json.loads(line)["text"]
        for path in sorted((BEHAVIOUR.parent / "behaviour").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    cases = [(text, set(_content(behaviour, text))) for text in texts]
    rng = np.random.default_rng(seed)
    out: list[tuple[str, str]] = []
    for emotion, templates in TEMPLATES.items():
        for template in templates:
            seen: set[str] = set()
            for _ in range(per_template):
                when = WHEN[rng.integers(len(WHEN))]
                person = PEOPLE[rng.integers(len(PEOPLE))]
                text = template.format(when=when, person=person)
                text = text[0].upper() + text[1:]
                if text in seen:
                    continue
                seen.add(text)
                if words := behaviour.emotion_words_in(text):
                    raise ValueError(f"{text!r} ({emotion}) names an emotion: {words}")
                words = set(_content(behaviour, text))
                for case, case_words in cases:
                    if len(words & case_words) >= MAX_OVERLAP * len(words | case_words):
                        raise ValueError(f"{text!r} ({emotion}) is too close to the behaviour suite's {case!r}")
                out.append((text, emotion))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pairs = situations(args.per_template, args.seed)
    counts = {e: sum(1 for _, x in pairs if x == e) for e in TEMPLATES}
    print(f"{len(pairs)} sentences: {counts}")
    for text, emotion in pairs:
        print(f"{emotion}\t{text}")


if __name__ == "__main__":
    main()
