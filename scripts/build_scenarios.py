"""Write the controlled scenario set src/affectlab/datasets/scenarios/ (scenarios.csv, neutral_prompts.csv).

Every prompt is ``<opening> <event>. <cue>``: a frame (an opening that reports news, and a cue that asks how it
felt) around an event that evokes one of the six Ekman emotions or none (neutral). Within a frame only the event
differs, so a difference between the hidden states of two rows of one frame is a difference of emotion, not of
context. Surprise has two valence variants (a pleasant and an unpleasant surprise); the other emotions have the
valence they always have.

The ``expressed`` column is the same prompt with the cue completed by a word for the emotion ("... I felt
furious."): directions read there are of the emotion once it is named, not of the event alone (see
``extract(reading=...)``).

Split by frame, and the events too: frames 1-18 use events 1-6 of each emotion (train), frames 19-24 use events
7-8 (test), so a test row shares neither its frame nor its event with any training row.

Run: ``python scripts/build_scenarios.py`` (rewrites the file; the output is deterministic).
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "affectlab" / "datasets" / "scenarios" / "scenarios.csv"
N_TRAIN_FRAMES = 18
N_TRAIN_EVENTS = 6

OPENINGS = [
    "Yesterday evening my neighbour knocked on my door and told me that",
    "This morning I opened an email and found out that",
    "During lunch my sister called me and said that",
    "Last night I read a message from my father saying that",
    "On Tuesday my manager pulled me aside and explained that",
    "When I got back from the shop, my roommate told me that",
    "While I was waiting for the train, I read online that",
    "At the end of class, my teacher mentioned that",
    "Over breakfast my mother told me that",
    "On the phone, my cousin mentioned that",
    "After the weekend, a colleague let me know that",
    "Late on Friday, a letter arrived saying that",
    "As I walked into the kitchen, my brother announced that",
    "In the middle of the afternoon, a friend texted me that",
    "When I woke up on Sunday, I learned that",
    "At the doctor's office, the receptionist told me that",
    "Before the meeting started, someone whispered to me that",
    "On my way home, my aunt called to say that",
    # test frames
    "Early this morning, my husband told me that",
    "After dinner, my grandfather quietly said that",
    "At the party, an old classmate told me that",
    "When I checked the news, I discovered that",
    "Halfway through my shift, my boss told me that",
    "As we sat down, my best friend told me that",
]
CUES = ["I felt", "At that moment I felt", "Honestly, I felt", "And I just felt"]

#: The feeling that completes the cue in the ``expressed`` column, six wordings per emotion, one per frame in turn.
FEELINGS: dict[str, list[str]] = {
    "anger": ["furious", "so angry", "enraged", "livid", "really mad", "outraged"],
    "disgust": ["disgusted", "sickened", "revolted", "grossed out", "repulsed", "nauseated"],
    "fear": ["terrified", "so scared", "afraid", "frightened", "panicked", "scared to death"],
    "joy": ["overjoyed", "so happy", "delighted", "thrilled", "joyful", "elated"],
    "sadness": ["heartbroken", "so sad", "devastated", "miserable", "grief-stricken", "sad and empty"],
    "surprise": ["astonished", "so surprised", "shocked", "amazed", "stunned", "taken aback"],
    "neutral": ["fine", "okay", "nothing in particular", "indifferent", "calm", "normal"],
}

#: (emotion, variant, valence in {-1, 0, 1}) -> 8 events: 1-6 for training frames, 7-8 for test frames.
EVENTS: dict[tuple[str, str, int], list[str]] = {
    ("anger", "anger", -1): [
        "someone had keyed my car on purpose",
        "my landlord had kept my deposit for no reason",
        "a coworker had taken credit for my work",
        "the driver who hit my bike had lied to the police",
        "my roommate had been reading my private letters",
        "the company had fired me to hire the owner's nephew",
        "someone had stolen my wallet and laughed about it",
        "the mechanic had overcharged me on purpose",
    ],
    ("disgust", "disgust", -1): [
        "the cook had spat into our soup",
        "there were maggots in the bread I had eaten",
        "the hotel sheets had been covered in someone's vomit",
        "the milk I drank had been rotten for weeks",
        "rats had been crawling over the restaurant's food",
        "the public pool was full of sewage",
        "the sandwich I ate had mould all over it",
        "a cockroach had been baked into my cake",
    ],
    ("fear", "fear", -1): [
        "a stranger had been following me home every night",
        "a wildfire was heading straight for our street",
        "someone had broken into the house while I slept",
        "the plane I was about to board had engine trouble",
        "a man with a knife was waiting outside my door",
        "the lump on my neck might be cancer",
        "the bridge I cross every day was about to collapse",
        "a dangerous prisoner had escaped near my house",
    ],
    ("joy", "joy", 1): [
        "I had won the scholarship I dreamed of",
        "my best friend was getting married and wanted me there",
        "my sister had given birth to a healthy baby girl",
        "I had finally been offered my dream job",
        "my paintings would be shown in a gallery",
        "our team had won the championship",
        "my parents were coming to visit for the holidays",
        "my book would be published next year",
    ],
    ("sadness", "sadness", -1): [
        "my grandmother had passed away",
        "my dog had died in the night",
        "my best friend was moving away forever",
        "my parents were getting divorced",
        "the old family house had burned down",
        "my childhood friend had died in an accident",
        "my brother had lost his battle with illness",
        "my girlfriend had left me for good",
    ],
    ("surprise", "surprise_positive", 1): [
        "an old friend had flown in unannounced to see me",
        "I had been picked at random for a free trip",
        "a stranger had paid for all my groceries",
        "my quiet neighbour was secretly a famous singer",
        "my brother had planned a party for me without telling me",
        "I had a cousin nobody had ever mentioned",
        "the shy new intern was a chess champion",
        "my old teacher still remembered my name after twenty years",
    ],
    ("surprise", "surprise_negative", -1): [
        "the concert had been cancelled an hour before it began",
        "my quiet neighbour had been arrested",
        "the bank had suddenly closed all its branches overnight",
        "the bakery on our corner had vanished overnight",
        "the school had abruptly shut down in the middle of term",
        "my flight had suddenly been moved to another city",
        "the shop I loved had closed without any warning",
        "the road home had been blocked off overnight",
    ],
    ("neutral", "neutral", 0): [
        "the meeting had been moved to room four",
        "the bus now leaves at ten past eight",
        "the library had changed its opening hours",
        "the printer on the second floor had been replaced",
        "the form had to be filled in with a blue pen",
        "the parking lot would be repainted on Monday",
        "the train timetable had been updated",
        "the office now uses a new filing system",
    ],
}


#: Open prompts for steering: no emotion of their own; "dev" ones choose the strength, "test" ones measure it.
NEUTRAL_PROMPTS = {
    "dev": [
        "I opened the door and",
        "This afternoon we went to the market, and",
        "My neighbour has a small garden where",
        "The letter on the table said",
        "After the phone call, I",
        "On Saturday morning I",
        "The bus stopped at the corner and",
        "My brother sent me a photo of",
        "We finished dinner, and then",
        "At the end of the street there is",
        "This is a story about my first job.",
        "When the package arrived,",
        "I called my grandmother and",
        "The new teacher walked into the room and",
        "Every Monday I",
        "Our neighbours have a dog that",
        "I read the message twice, then",
        "After school, the kids",
        "The weather changed in the evening, and",
        "I remember the day we moved, because",
    ],
    "test": [
        "Yesterday I went for a walk and",
        "When I got home, I",
        "I want to tell you about my weekend.",
        "The train was late this morning, so",
        "My friend called me and said",
        "Today at work,",
        "I looked out of the window and",
        "Last summer, my family",
        "The meeting ended and I",
        "I sat down to write this letter because",
        "On the way to the library,",
        "My colleague knocked on my door and",
        "The phone rang at seven, and",
        "We drove to the coast and",
        "My aunt told me a story about",
        "The doctor's office was on the second floor, and",
        "I walked into the kitchen and",
        "In the morning, the village",
        "The last time I saw my uncle,",
        "At the station, a man",
    ],
}


def prompt_rows() -> list[dict[str, str]]:
    """The neutral prompts with their split."""
    return [
        {"id": f"{split}-{i + 1:02d}", "split": split, "text": text}
        for split, texts in NEUTRAL_PROMPTS.items()
        for i, text in enumerate(texts)
    ]


def rows() -> list[dict[str, str | int]]:
    """Every scenario, frame by frame, in a fixed order."""
    out: list[dict[str, str | int]] = []
    for f, opening in enumerate(OPENINGS):
        train = f < N_TRAIN_FRAMES
        cue = CUES[f % len(CUES)]
        for (emotion, variant, valence), events in EVENTS.items():
            pool = events[:N_TRAIN_EVENTS] if train else events[N_TRAIN_EVENTS:]
            index = f % len(pool) if train else (f - N_TRAIN_FRAMES) % len(pool)
            event = pool[index]
            out.append(
                {
                    "id": f"f{f + 1:02d}-{variant}",
                    "frame": f"f{f + 1:02d}",
                    "split": "train" if train else "test",
                    "emotion": emotion,
                    "variant": variant,
                    "valence": valence,
                    "event_id": f"{variant}-{events.index(event) + 1}",
                    "text": f"{opening} {event}. {cue}",
                    "expressed": f"{opening} {event}. {cue} {FEELINGS[emotion][(f + 1) % len(FEELINGS[emotion])]}.",
                }
            )
    return out


def _write(path: Path, data: list[dict[str, str | int]] | list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    print(f"wrote {len(data)} rows to {path}")


def main() -> None:
    _write(OUT, rows())
    _write(OUT.with_name("neutral_prompts.csv"), prompt_rows())


if __name__ == "__main__":
    main()
