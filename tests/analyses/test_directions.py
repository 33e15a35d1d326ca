"""Emotion directions end to end on a tiny random-weight decoder built here, judged by the tiny classifier."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from affectlab.analyses.directions import (
    EMOTIONS,
    EmotionDirections,
    Probe,
    distinct_n,
    evaluate_steering,
    extract,
    generate,
    grouped_cv_accuracy,
    load_language_model,
    load_scenarios,
    localize,
    neutral_prompts,
    perplexity,
    repetition_rate,
    scenarios_path,
    steer,
)
from affectlab.analyses.directions.hooks import ablator, adder, edit_residual, patcher, read_residual
from affectlab.errors import InputError, MissingExtra, ModelLoadError, ParameterError

pytest.importorskip("transformers")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory):
    from tiny_decoder import build_tiny_decoder

    folder = build_tiny_decoder(tmp_path_factory.mktemp("tiny-decoder"))
    return load_language_model(f"hf:{folder}", threads=1)


@pytest.fixture(scope="module")
def directions(lm) -> EmotionDirections:
    found = extract(lm)
    return dataclasses.replace(found, best_layer=lm.n_layers)  # the random model's best layer may be 0


# --- data ---------------------------------------------------------------------------------------------------


def test_shipped_scenarios_are_frames_by_emotions_split_by_frame_and_event() -> None:
    data = load_scenarios()
    frame = data.frame
    assert len(data) == 192 and data.emotions == list(EMOTIONS)
    assert frame.groupby("frame").size().eq(8).all()  # 6 emotions + neutral, surprise in two valences
    train, test = data.split("train"), data.split("test")
    assert set(train["frame"]).isdisjoint(test["frame"])
    events = {s: set(f["text"].str.extract(r"that (.*)\. ")[0]) for s, f in (("train", train), ("test", test))}
    assert events["train"].isdisjoint(events["test"])
    assert set(frame.loc[frame["variant"] == "surprise_positive", "valence"]) == {1}
    assert set(frame.loc[frame["emotion"] == "neutral", "valence"]) == {0}


def test_the_generator_writes_the_shipped_file() -> None:
    spec = importlib.util.spec_from_file_location("build_scenarios", ROOT / "scripts" / "build_scenarios.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(scenarios_path(), encoding="utf-8") as handle:
        shipped = list(csv.DictReader(handle))
    assert [{k: str(v) for k, v in r.items()} for r in module.rows()] == shipped
    assert len(neutral_prompts("test")) == 20 and len(neutral_prompts("dev")) == 20


def test_user_scenarios_get_a_frame_level_split_and_bad_tables_a_clear_error(tmp_path: Path) -> None:
    rows = [
        {"text": f"frame {f} event {e}. I felt", "emotion": e, "frame": f} for f in "abcd" for e in ("joy", "sadness")
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = load_scenarios(str(path), test_fraction=0.25)
    assert data.split("test")["frame"].nunique() == 1
    assert set(data.split("train")["frame"]).isdisjoint(data.split("test")["frame"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "emotion": "joy"}) + "\n")
    with pytest.raises(InputError, match="lacks the column"):
        load_scenarios(str(bad))


# --- model, probe, fluency ----------------------------------------------------------------------------------


def test_model_specs_are_checked() -> None:
    with pytest.raises(ParameterError, match="'gemma-3-270m', 'hf:<folder>' or 'gguf:<file>'"):
        load_language_model("llama-7b")
    with pytest.raises(ModelLoadError, match=r"config\.json missing"):
        load_language_model("hf:/nonexistent/folder")
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        load_language_model("gguf:/nonexistent/model.gguf")


def test_torch_is_not_imported_by_affectlab_and_its_absence_names_the_extra() -> None:
    code = (
        "import sys, affectlab, affectlab.analyses.directions, affectlab.surfaces.cli.app\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
        "sys.modules['torch'] = None\n"
        "from affectlab.analyses.directions import load_language_model\n"
        "from affectlab.errors import MissingExtra\n"
        "try:\n    load_language_model('gemma-3-270m')\nexcept MissingExtra as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'affectlab[interp]'" in out
    assert issubclass(MissingExtra, ImportError)


def test_probe_separates_separable_classes_and_cv_holds_groups_out() -> None:
    rng = np.random.default_rng(0)
    labels = [c for _ in range(12) for c in "abc"]
    x = rng.normal(size=(36, 10)) + 8 * np.eye(10)[[ord(c) - 97 for c in labels]]
    groups = [str(i // 3) for i in range(36)]
    assert Probe().fit(x, labels).accuracy_score(x, labels) == 1.0
    assert grouped_cv_accuracy(x, labels, groups) > 0.9
    assert np.isnan(grouped_cv_accuracy(x, labels, ["g"] * 36))


def test_fluency_measures() -> None:
    assert distinct_n("loss loss loss loss", 2) == pytest.approx(1 / 3)
    assert repetition_rate("a b c a b c", 3) == 0.25
    assert np.isnan(distinct_n("one", 2))


# --- hooks, extract, steer ----------------------------------------------------------------------------------


def test_hooks_add_and_project_out_at_the_layer(lm) -> None:
    import torch

    batch = lm.tokenizer(["I opened the door and"], return_tensors="pt")
    plain: dict = {}
    with read_residual(lm, plain), torch.no_grad():
        lm.model(**batch)
    v = np.random.default_rng(0).normal(size=lm.width)
    added: dict = {}
    with edit_residual(lm, {1: adder(v)}), read_residual(lm, added), torch.no_grad():
        lm.model(**batch)
    assert torch.allclose(added[1] - plain[1], torch.as_tensor(v, dtype=torch.float32).expand_as(plain[1]), atol=1e-4)
    assert torch.equal(added[0], plain[0])
    ablated: dict = {}
    with edit_residual(lm, {lm.n_layers: ablator(v)}), read_residual(lm, ablated), torch.no_grad():
        lm.model(**batch)
    unit = torch.as_tensor(v / np.linalg.norm(v), dtype=torch.float32)
    assert ablated[lm.n_layers] @ unit == pytest.approx(torch.zeros(ablated[lm.n_layers].shape[:2]), abs=1e-4)


def test_extract_reports_every_layer_and_round_trips(lm, directions: EmotionDirections, tmp_path: Path) -> None:
    summary = directions.summary()
    assert set(summary) == {"model", "layers", "best_layer"}
    assert [r["layer"] for r in summary["layers"]] == list(range(lm.n_layers + 1))
    assert all(0 <= r["probe_accuracy"] <= 1 for r in summary["layers"])
    assert directions.vectors.shape == (lm.n_layers + 1, 7, lm.width)
    assert np.allclose(np.diag(directions.cosine()), 1.0)
    assert directions.provenance["n_train_frames"] == 18 and directions.provenance["n_test_frames"] == 6
    back = EmotionDirections.load(directions.save(tmp_path / "d.npz"))
    assert back.emotions == directions.emotions and np.array_equal(back.vectors, directions.vectors)
    assert back.provenance == directions.provenance
    with pytest.raises(ParameterError, match="'layer' parameter"):
        directions.vector("joy", 99)
    with pytest.raises(InputError, match="Cannot read emotion directions"):
        EmotionDirections.load(tmp_path / "missing.npz")


def test_steering_at_zero_is_unsteered_and_the_control_differs(lm, directions: EmotionDirections) -> None:
    prompts = ["I opened the door and", "When I got home, I"]
    plain = generate(lm, prompts, max_new_tokens=4)
    assert steer(directions, prompts, "sadness", strength=0.0, model=lm, max_new_tokens=4).texts == plain
    strong = steer(directions, prompts, "sadness", strength=50.0, model=lm, max_new_tokens=4)
    assert len(strong.texts) == 2 and strong.layers == (directions.best_layer,)
    control = steer(directions, prompts, "sadness", strength=50.0, control=True, model=lm, max_new_tokens=4)
    assert control.texts != strong.texts and control.control
    with pytest.raises(InputError, match="not a single string"):
        generate(lm, "one prompt")  # type: ignore[arg-type]
    ppl = perplexity(lm, prompts, plain)
    assert (ppl >= 1).all()


# --- evaluate, localize -------------------------------------------------------------------------------------


def test_evaluate_compares_four_conditions_with_cis(lm, directions: EmotionDirections, tiny_engine) -> None:
    report = evaluate_steering(
        directions,
        model=lm,
        prompts=["I opened the door and", "When I got home, I", "Today at work,"],
        dev_prompts=["The letter on the table said"],
        emotions=["sadness", "joy"],
        strengths=(1.0, 3.0),
        max_new_tokens=4,
        engine=tiny_engine,
        n_boot=50,
    )
    summary = report.summary
    assert list(summary["condition"]) == ["unsteered", "steered", "prompted", "random"] * 2
    assert (summary["n"] == 3).all()
    assert (summary["success_rate_lo"] <= summary["success_rate"] + 1e-9).all()
    assert (summary.loc[summary["condition"] == "unsteered", "valence_shift"] == 0).all()
    assert set(report.settings["chosen_strength"].values()) <= {1.0, 3.0}
    assert report.strengths.groupby("emotion")["chosen"].sum().eq(1).all()
    assert len(report.generations) == 2 * 4 * 3
    json.dumps(report.to_dict())


def test_localize_ablates_each_layer_against_a_random_direction(lm, directions: EmotionDirections, tiny_engine) -> None:
    report = localize(directions, model=lm, max_new_tokens=3, engine=tiny_engine, n_boot=50, top_k=3)
    assert list(report.layers["layer"]) == [str(x) for x in range(1, lm.n_layers + 1)] + ["all"]
    assert (report.layers["n"] == 42).all()  # 6 test frames x 7 emotional variants
    row = report.layers.iloc[0]
    assert row["influence"] == pytest.approx(row["drop"] - row["control_drop"])
    assert list(report.components["kind"]) == ["head"] * 3 + ["neuron"] * 3
    assert report.components["zeroed_drop"].notna().all()
    assert set(report.component_control) == {
        "head_attribution_max",
        "neuron_attribution_max",
        "head_zeroed_random",
        "neuron_zeroed_random",
    }
    patched = report.patching
    assert list(patched["layer"]) == list(range(1, lm.n_layers + 1))
    assert (patched["n"] == 42).all()
    first = patched.iloc[0]
    assert first["gain"] == pytest.approx(first["patched_prob"] - first["corrupted_prob"])
    assert first["influence"] == pytest.approx(first["gain"] - first["control_gain"])
    json.dumps(report.to_dict())


def test_mean_ablation_sets_the_component_to_the_given_value(lm) -> None:
    import torch

    batch = lm.tokenizer(["I opened the door and"], return_tensors="pt")
    v = np.random.default_rng(1).normal(size=lm.width)
    unit = torch.as_tensor(v / np.linalg.norm(v), dtype=torch.float32)
    plain: dict = {}
    with read_residual(lm, plain), torch.no_grad():
        lm.model(**batch)
    ablated: dict = {}
    with edit_residual(lm, {2: ablator(v, 0.75)}), read_residual(lm, ablated), torch.no_grad():
        lm.model(**batch)
    assert (ablated[2] @ unit).numpy() == pytest.approx(0.75, abs=1e-4)
    rest = ablated[2] - (ablated[2] @ unit)[..., None] * unit
    assert torch.allclose(rest, plain[2] - (plain[2] @ unit)[..., None] * unit, atol=1e-4)


def test_patching_replaces_only_the_prompts_last_position(lm) -> None:
    import torch

    batch = lm.tokenizer(["I opened the door and", "When I got home, I"], return_tensors="pt", padding=True)
    target = np.random.default_rng(2).normal(size=(2, lm.width))
    seen: list = []
    edit = patcher(target)
    with torch.no_grad():
        first = edit(torch.zeros(2, batch["input_ids"].shape[1], lm.width))
        seen.append(edit(torch.zeros(2, 1, lm.width)))
    assert torch.allclose(first[:, -1], torch.as_tensor(target, dtype=torch.float32))
    assert torch.count_nonzero(first[:, :-1]) == 0
    assert torch.count_nonzero(seen[0]) == 0  # generated tokens are left alone


def test_token_means_leave_each_texts_first_token_out(lm) -> None:
    import torch

    from affectlab.analyses.directions.localize import token_means

    texts = ["I opened the door and", "When I got home, I"]
    means = token_means(lm, texts)
    states = []
    for text in texts:
        store: dict = {}
        with read_residual(lm, store), torch.no_grad():
            lm.model(**lm.tokenizer([text], return_tensors="pt"))
        states.append(torch.stack([store[k][0, 1:] for k in sorted(store)]).double().numpy())
    expected = np.concatenate(states, axis=1).mean(axis=1)
    assert means.shape == (lm.n_layers + 1, lm.width)
    assert np.allclose(means, expected, atol=1e-5)


def test_expressed_reading_reads_the_named_feeling(lm, directions: EmotionDirections, tmp_path: Path) -> None:
    named = extract(lm, reading="expressed")
    assert named.reading == "expressed" and directions.reading == "event"
    assert not np.allclose(named.vectors[1:], directions.vectors[1:])
    assert EmotionDirections.load(named.save(tmp_path / "named.npz")).reading == "expressed"
    shipped = load_scenarios().frame
    assert all(e.startswith(t + " ") and e.endswith(".") for t, e in zip(shipped["text"], shipped["expressed"]))
    table = tmp_path / "mine.csv"
    shipped.drop(columns="expressed").to_csv(table, index=False)
    with pytest.raises(InputError, match="needs an 'expressed' column"):
        extract(lm, scenarios=str(table), reading="expressed")
    with pytest.raises(ParameterError, match="'reading' parameter"):
        extract(lm, reading="implicit")


def test_evaluate_chooses_the_layer_per_emotion_on_dev(lm, directions: EmotionDirections, tiny_engine) -> None:
    report = evaluate_steering(
        directions,
        model=lm,
        prompts=["I opened the door and"],
        dev_prompts=["The letter on the table said", "Every Monday I"],
        emotions=["sadness", "joy"],
        candidate_layers=[1, 2],
        strengths=(1.0, 3.0),
        max_new_tokens=3,
        engine=tiny_engine,
        n_boot=20,
    )
    sweep = report.strengths
    assert len(sweep) == 2 * 2 * 2 and set(sweep["layers"]) == {"1", "2"}
    assert sweep.groupby("emotion")["chosen"].sum().eq(1).all()
    for e, layer in report.settings["chosen_layers"].items():
        chosen = sweep[sweep["chosen"] & (sweep["emotion"] == e)].iloc[0]
        assert chosen["layers"] == layer and chosen["strength"] == report.settings["chosen_strength"][e]
        steered = report.summary[(report.summary["emotion"] == e) & (report.summary["condition"] == "steered")]
        assert steered["layers"].iloc[0] == layer
    assert set(report.layers) <= {1, 2}
    with pytest.raises(ParameterError, match="not both"):
        evaluate_steering(directions, model=lm, layers=[1], candidate_layers=[2], engine=tiny_engine)
    with pytest.raises(ParameterError, match="at least one layer"):
        evaluate_steering(directions, model=lm, candidate_layers=[], engine=tiny_engine)
    with pytest.raises(ParameterError, match="at least one candidate strength"):
        evaluate_steering(directions, model=lm, strengths=(), engine=tiny_engine)
