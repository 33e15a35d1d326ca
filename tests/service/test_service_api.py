"""The API returns exactly the records and results of the Python API and the CLI for the same input."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

import affectlab
from affectlab.analyses.tables import load_table_dataset
from affectlab.core.serialize import jsonable
from affectlab.engines.embedded import installed_models
from affectlab.surfaces.cli.app import app as cli
from affectlab.surfaces.service.models import AffectRecord
from conftest import metric

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEXTS = ["I love this so much", "awful day, the flight was cancelled again", "", "why is it not good?", "wow"]


def _python(model: str, texts: list[str], ids: list[str | None], **options: object) -> list[dict[str, object]]:
    analyzer = affectlab.Analyzer(model, **options)  # type: ignore[arg-type]
    return [jsonable(r.to_dict()) for r in analyzer.analyze(texts, ids)]


def test_one_text_equals_the_python_record(client: httpx.Client, tiny_model_dir: Path) -> None:
    response = client.post("/v1/analyze", json={"text": TEXTS[1], "id": "a1"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == _python(f"embedded:{tiny_model_dir}", [TEXTS[1]], ["a1"])[0]
    AffectRecord.model_validate(response.json())


@pytest.mark.parametrize("options", [{"taxonomy": "ekman"}, {"taxonomy": "plutchik", "explain": True}, {}])
def test_many_texts_equal_the_python_records(client: httpx.Client, tiny_model_dir: Path, options: dict) -> None:
    ids = [f"t{i}" for i in range(len(TEXTS))]
    response = client.post("/v1/analyze/batch", json={"texts": TEXTS, "ids": ids, **options})
    assert response.status_code == 200
    records = response.json()["records"]
    assert records == _python(f"embedded:{tiny_model_dir}", TEXTS, ids, **options)
    assert [r["id"] for r in records] == ids and "empty" in records[2]["flags"]


def test_a_second_model_is_chosen_by_name(client: httpx.Client) -> None:
    response = client.post("/v1/analyze", json={"text": TEXTS[0], "model": "lexicon"})
    assert response.json() == _python("lexicon", [TEXTS[0]], [None])[0]
    models = client.get("/v1/models").json()["models"]
    assert [m["default"] for m in models] == [True, False] and models[1]["name"] == "lexicon"


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
def test_the_default_model_gives_the_python_records(serve_with) -> None:  # type: ignore[no-untyped-def]
    with serve_with(models=("embedded",), threads=None) as c:
        one = c.post("/v1/analyze", json={"text": TEXTS[1], "explain": True, "taxonomy": "ekman"})
        assert one.json() == _python("embedded", [TEXTS[1]], [None], explain=True, taxonomy="ekman")[0]
        many = c.post("/v1/analyze/batch", json={"texts": TEXTS})
        assert many.json()["records"] == _python("embedded", TEXTS, [None] * len(TEXTS))


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
def test_records_under_concurrency_equal_the_python_records_alone(serve_with) -> None:  # type: ignore[no-untyped-def]
    """Requests that share engine calls still get exactly the record each text gets alone (issue 14's invariance)."""
    texts = [f"{t} {'and then it went on and on ' * (i % 5)}".strip() for i, t in enumerate(TEXTS * 8)]
    with serve_with(models=("embedded",), threads=None, max_wait_ms=50.0) as c:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda t: c.post("/v1/analyze", json={"text": t}).json(), texts))
        metrics = c.get("/metrics").text
    calls = metric(metrics, "affectlab_batch_size_count")
    assert calls < len(texts), "the requests were never batched together"
    alone = affectlab.Analyzer("embedded")
    for text, answer in zip(texts, answers, strict=True):
        expected = jsonable(alone.analyze([text])[0].to_dict())
        assert answer.keys() == expected.keys() and answer["top"] == expected["top"]
        for label, p in expected["emotions"].items():
            assert abs(answer["emotions"][label] - p) <= 1e-4, (text, label)
        for axis, v in expected["vad"].items():
            assert abs(answer["vad"][axis] - v) <= 1e-4, (text, axis)


def test_an_uploaded_table_streams_what_the_cli_writes(
    client: httpx.Client, tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = EXAMPLES / "reviews.csv"
    out = tmp_path / "cli.jsonl"
    done = CliRunner().invoke(
        cli, ["analyze", str(source), "--text-column", "body", "-m", f"embedded:{tiny_model_dir}", "-o", str(out), "-q"]
    )
    assert done.exit_code == 0, done.output
    with source.open("rb") as f:
        response = client.post("/v1/analyze/file", files={"file": ("reviews.csv", f)}, data={"text_column": "body"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(pd.read_csv(source)) and lines[0]["input"]["product"] == "headphones"


def test_a_malformed_row_fails_or_is_flagged_as_on_error_says(client: httpx.Client) -> None:
    body = b'{"text": "I love this"}\n{"text": oops\n{"text": "awful"}\n'
    refused = client.post("/v1/analyze/file", files={"file": ("rows.jsonl", body)})
    assert refused.status_code == 422 and "on_error=skip" in refused.json()["detail"]
    assert "line 2" in refused.json()["detail"].lower()
    flagged = client.post("/v1/analyze/file", files={"file": ("rows.jsonl", body)}, data={"on_error": "skip"})
    lines = [json.loads(line) for line in flagged.text.splitlines()]
    assert [("error" in r["flags"]) for r in lines] == [False, True, False]


def test_the_format_comes_from_the_file_name_or_the_field(client: httpx.Client) -> None:
    unknown = client.post("/v1/analyze/file", files={"file": ("data.bin", b"text\nhello\n")})
    assert unknown.status_code == 422 and unknown.json()["field"] == "input_format"
    given = client.post(
        "/v1/analyze/file", files={"file": ("data.bin", b"text\nhello\n")}, data={"input_format": "csv"}
    )
    assert given.status_code == 200 and len(given.text.splitlines()) == 1


def test_the_arc_equals_document_arc(client: httpx.Client, tiny_model_dir: Path) -> None:
    data = (EXAMPLES / "story.txt").read_bytes()
    response = client.post("/v1/arc", files={"file": ("story.txt", data)}, data={"smooth": "rolling:3"})
    assert response.status_code == 200
    expected = affectlab.document_arc(data, smooth="rolling:3", engine=f"embedded:{tiny_model_dir}").to_dict()
    assert response.json() == {**expected, "source": None}


def test_conversation_dynamics_equal_the_python_result(client: httpx.Client, tiny_model_dir: Path) -> None:
    source = EXAMPLES / "conversations" / "support_chat.jsonl"
    with source.open("rb") as f:
        response = client.post("/v1/conversation", files={"file": (source.name, f)})
    assert response.status_code == 200
    table = affectlab.io.read_table(str(source), as_text="all")
    expected = affectlab.conversation_dynamics(table, engine=f"embedded:{tiny_model_dir}").to_dict()
    result = response.json()
    assert {k: result[k] for k in expected} == jsonable(expected)
    assert result["n_turns"] == len(table)


def test_evaluation_of_an_uploaded_table_equals_evaluate(
    client: httpx.Client, tiny_model_dir: Path, tmp_path: Path
) -> None:
    table = tmp_path / "labelled.csv"
    rows = [("I love this", "joy"), ("awful day", "sadness"), ("so angry", "anger"), ("wow great", "joy,surprise")]
    pd.DataFrame(rows * 3, columns=["text", "labels"]).to_csv(table, index=False)
    options = {"labels_column": "labels", "dataset_taxonomy": "ekman", "n_boot": "50"}
    response = client.post("/v1/eval", files={"file": ("labelled.csv", table.read_bytes())}, data=options)
    assert response.status_code == 200, response.text
    dataset = load_table_dataset(table, labels_column="labels", taxonomy="ekman", name="labelled.csv")
    expected = affectlab.evaluate(dataset, engine=f"embedded:{tiny_model_dir}", n_boot=50).to_dict()  # as the CLI
    assert response.json() == jsonable(expected)


def test_agreement_equals_the_cli_json(client: httpx.Client, tiny_model_dir: Path, tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    rows = [(i, r, (i + (r == "b")) % 3) for i in range(12) for r in ("a", "b", "c")]
    pd.DataFrame(rows, columns=["item", "rater", "score"]).assign(
        text=lambda f: "I love this " + f.item.astype(str)
    ).to_csv(ratings, index=False)
    fields = {"item_column": "item", "rater_column": "rater", "value_column": "score", "n_boot": "100"}
    args = ["agree", str(ratings), "--item-column", "item", "--rater-column", "rater", "--value-column", "score"]
    args += ["--n-boot", "100", "--json"]
    for extra_fields, extra_args in [
        ({}, []),
        ({"model_field": "vad.valence"}, ["--model", f"embedded:{tiny_model_dir}", "--model-field", "vad.valence"]),
    ]:
        response = client.post(
            "/v1/agreement", files={"file": ("ratings.csv", ratings.read_bytes())}, data=fields | extra_fields
        )
        assert response.status_code == 200, response.text
        done = CliRunner().invoke(cli, args + extra_args)
        expected = json.loads(done.stdout) | {"file": "ratings.csv"}
        if extra_fields:
            expected["model"]["engine"] = f"embedded:{tiny_model_dir}"
        assert response.json() == expected


def test_taxonomies_links_and_projection(client: httpx.Client) -> None:
    names = [t["name"] for t in client.get("/v1/taxonomies").json()]
    assert names == affectlab.available_taxonomies()
    ekman = client.get("/v1/taxonomies/ekman").json()
    assert ekman["labels"] == list(affectlab.load_taxonomy("ekman").labels)
    links = client.get("/v1/taxonomies/goemotions/labels/annoyance/links", params={"target": "ekman"}).json()
    assert links["targets"] == {"anger": 1.0} and links["path"] == ["goemotions->ekman"]
    projected = client.post(
        "/v1/project", json={"emotions": {"annoyance": 0.8}, "source": "goemotions", "target": "ekman"}
    )
    assert projected.json()["emotions"]["anger"] == pytest.approx(0.8)
    unknown = client.post("/v1/project", json={"emotions": {"glee": 0.8}, "source": "goemotions", "target": "ekman"})
    assert unknown.status_code == 422 and "glee" in unknown.json()["detail"]


def test_the_record_model_is_the_record_contract(client: httpx.Client) -> None:
    record = affectlab.Analyzer("lexicon").analyze(["I love this"])[0].to_dict()
    assert set(AffectRecord.model_fields) == set(record)
    assert set(AffectRecord.model_fields["model"].annotation.__args__[0].model_fields) == set(record["model"])  # type: ignore[union-attr]
    schema = client.get("/openapi.json").json()
    fields = schema["components"]["schemas"]["AffectRecord"]["properties"]
    assert "[0, 1]" in fields["emotions"]["description"] and "capped" in fields["flags"]["description"]
    assert schema["paths"]["/v1/analyze"]["post"]["responses"]["422"]["content"]["application/problem+json"]
