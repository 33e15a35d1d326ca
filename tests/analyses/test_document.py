"""Emotion arcs: smoothing, story shapes, the end-to-end analysis on the tiny model, and bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.document import (
    STORY_SHAPES,
    Arc,
    classify_shape,
    dct_transform,
    document_arc,
    local_maxima,
    loess_smooth,
    parse_smooth,
    rolling_mean,
    shape_direction,
    shape_templates,
    smooth_curves,
)
from affectlab.analyses.document.shape import extrema
from affectlab.core.segment import segment
from affectlab.datasets import data_dir
from affectlab.engines.base import Engine
from affectlab.errors import InputError, ParameterError, TaxonomyError
from affectlab.surfaces.api import Analyzer

# With the tiny model, "So so it is." has a higher valence (about -0.5) than "Happy happy day." (-1.0).
HIGH, LOW = "So so it is.", "Happy happy day."


def story(profile, n: int = 200) -> str:
    """Sentences whose share of HIGH ones follows ``profile(t)`` in [0, 1] over narrative time."""
    out = []
    for i in range(n):
        t = (i + 0.5) / n
        out.append(HIGH if (i * 7919 % 100) / 100 < profile(t) else LOW)
    return " ".join(out)


# -- smoothing --------------------------------------------------------------------------------


def dtt_syuzhet(values: np.ndarray, low_pass_size: int, x_reverse_len: int) -> np.ndarray:
    """syuzhet's get_dct_transform written out with the dtt package's formulas (DCT-II, inverse scaled 2/n)."""
    n = len(values)
    forward = np.array([np.sum(values * np.cos(np.pi / n * (np.arange(n) + 0.5) * k)) for k in range(n)])
    padded = np.zeros(x_reverse_len)
    padded[:low_pass_size] = forward[:low_pass_size]
    m = x_reverse_len
    inverse = [0.5 * padded[0] + np.sum(padded[1:] * np.cos(np.pi / m * np.arange(1, m) * (k + 0.5))) for k in range(m)]
    return np.array(inverse) * (2 / m)


def test_dct_matches_syuzhet_and_keeps_the_scale() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=73)
    np.testing.assert_allclose(dct_transform(values, 5, 100, syuzhet_scale=True), dtt_syuzhet(values, 5, 100))
    np.testing.assert_allclose(dct_transform(values, 5, 100), dtt_syuzhet(values, 5, 100) * 100 / 73)


def test_dct_of_a_known_signal() -> None:
    n, m = 60, 100
    signal = 0.2 + 0.5 * np.cos(2 * np.pi * (np.arange(n) + 0.5) / n)  # the mean plus DCT coefficient 2
    noise = 0.3 * np.cos(17 * np.pi * (np.arange(n) + 0.5) / n)  # coefficient 17: removed by the low-pass
    expected = 0.2 + 0.5 * np.cos(2 * np.pi * (np.arange(m) + 0.5) / m)
    np.testing.assert_allclose(dct_transform(signal + noise, 3, m), expected, atol=1e-12)
    np.testing.assert_allclose(dct_transform(signal, 1, m), np.full(m, signal.mean()), atol=1e-12)
    both = dct_transform(np.column_stack([signal, -signal]), 3, m)
    assert both.shape == (m, 2)
    np.testing.assert_allclose(both[:, 1], -expected, atol=1e-12)
    with pytest.raises(ParameterError, match="low_pass_size"):
        dct_transform(signal, n + 1, m)


@pytest.mark.parametrize("window", [1, 2, 5, 8])
def test_rolling_window_length(window: int) -> None:
    impulse = np.zeros(41)
    impulse[20] = 1.0
    smoothed = rolling_mean(impulse, window)
    assert smoothed.shape == impulse.shape
    assert np.count_nonzero(smoothed) == window
    np.testing.assert_allclose(smoothed[smoothed > 0], 1.0 / window)
    np.testing.assert_allclose(rolling_mean(np.full(10, 0.7), window), 0.7)
    with pytest.raises(ParameterError, match="'window'"):
        rolling_mean(impulse, 0)


def test_loess_reproduces_lines_and_matches_statsmodels() -> None:
    x = (np.arange(120) + 0.5) / 120
    grid = (np.arange(100) + 0.5) / 100
    np.testing.assert_allclose(loess_smooth(x, 0.3 - 0.8 * x, grid, 0.2), 0.3 - 0.8 * grid, atol=1e-9)
    lowess = pytest.importorskip("statsmodels.nonparametric.smoothers_lowess").lowess
    y = np.sin(5 * x) + np.random.default_rng(0).normal(0, 0.3, len(x))
    for frac in (0.1, 0.3, 1.0):
        np.testing.assert_allclose(loess_smooth(x, y, grid, frac), lowess(y, x, frac=frac, it=0, xvals=grid))


@pytest.mark.parametrize("smooth", ["dct:5", "rolling:7", "loess", "loess:0.5", None])
@pytest.mark.parametrize("n_points", [10, 100, 257])
def test_every_smoothing_gives_curves_on_the_grid(smooth: str | None, n_points: int) -> None:
    values = np.random.default_rng(2).normal(size=(333, 4))
    grid, curves, clamped = smooth_curves(values, smooth, n_points)
    assert curves.shape == (n_points, 4) and grid.shape == (n_points,)
    assert 0 < grid[0] < grid[-1] < 1 and not clamped
    assert np.all(np.isfinite(curves))
    assert np.all(curves.min(axis=0) >= values.min(axis=0) - 0.5)


def test_smoothing_larger_than_the_document_is_clamped() -> None:
    values = np.arange(6, dtype=float).reshape(6, 1)
    for smooth in ("dct:10", "rolling:50"):
        _, curves, clamped = smooth_curves(values, smooth, 20)
        assert clamped and curves.shape == (20, 1)


@pytest.mark.parametrize("spec", ["dct", "dct:0", "rolling:x", "loess:0", "loess:1.5", "gauss:3", "dct:2.5"])
def test_bad_smoothing_specs(spec: str) -> None:
    with pytest.raises(ParameterError, match="'smooth' parameter"):
        parse_smooth(spec)


def test_local_maxima_match_scipy_find_peaks() -> None:
    find_peaks = pytest.importorskip("scipy.signal").find_peaks
    rng = np.random.default_rng(4)
    for trial in range(300):
        y = rng.normal(size=int(rng.integers(3, 40)))
        y = np.round(y, 1) if trial % 2 else y  # rounding makes flat tops
        peaks, properties = find_peaks(y, prominence=0)
        found = local_maxima(y)
        assert [i for i, _ in found] == peaks.tolist()
        np.testing.assert_allclose([p for _, p in found], properties["prominences"])


# -- story shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("n_points", [20, 100, 333])
def test_each_template_is_its_own_nearest_shape(n_points: int) -> None:
    rng = np.random.default_rng(3)
    for name, template in shape_templates(n_points).items():
        noisy = 0.1 + 0.4 * template + rng.normal(0, 0.15, n_points)
        shape, score, scores = classify_shape(noisy)
        assert shape == name, (name, scores)
        assert score == max(scores.values()) and score > 0.8
        assert classify_shape(template)[1] == pytest.approx(1.0)


def test_shape_of_simple_curves() -> None:
    t = np.linspace(0, 1, 100)
    assert classify_shape(t)[0] == "rags_to_riches"
    assert classify_shape(-t)[0] == "tragedy"
    assert classify_shape((t - 0.5) ** 2)[0] == "man_in_a_hole"
    zigzag = np.interp(t, [0, 1 / 3, 2 / 3, 1], [-0.5, 0.8, -0.8, 0.9])  # rise, fall, rise
    assert classify_shape(zigzag)[0] == "cinderella"
    assert classify_shape(-zigzag)[0] == "oedipus"
    assert classify_shape(np.interp(t, [0, 0.5, 1], [0, 1, 0]))[0] == "icarus"
    shape, score, scores = classify_shape(np.full(100, 0.3))
    assert shape is None and math.isnan(score) and set(scores) == set(STORY_SHAPES)


@pytest.mark.parametrize(
    ("points", "values", "shape"),
    [
        ([0, 1], [-1, 1], "rags_to_riches"),
        ([0, 0.15, 1], [0, -0.05, 1], "rags_to_riches"),  # a wobble is no turn
        ([0, 1], [1, -1], "tragedy"),
        ([0, 0.3, 1], [0, -1, 1], "man_in_a_hole"),  # the reported case: a dip, then a longer rise
        ([0, 0.25, 1], [0.5, -1, 1], "man_in_a_hole"),
        ([0, 0.65, 1], [-1, 1, 0.2], "icarus"),
        ([0, 0.3, 0.6, 1], [-1, 0.5, -0.5, 1], "cinderella"),
        ([0, 0.3, 0.7, 1], [1, -0.6, 0.4, -1], "oedipus"),
    ],
)
def test_shape_follows_the_moves_of_the_curve(points: list[float], values: list[float], shape: str) -> None:
    t = (np.arange(100) + 0.5) / 100
    curve = np.interp(t, points, values)
    name, score, scores = classify_shape(curve)
    assert name == shape and STORY_SHAPES[name] == shape_direction(curve)
    assert score == scores[shape] > 0.3
    assert (
        classify_shape(0.2 - 0.5 * curve)[0]
        == {v: k for k, v in STORY_SHAPES.items()}[
            "-".join({"rise": "fall", "fall": "rise"}[move] for move in STORY_SHAPES[shape].split("-"))
        ]
    ), "the mirrored curve has the opposite shape"


def test_peaks_are_above_troughs_even_at_the_ends() -> None:
    t = (np.arange(100) + 0.5) / 100
    curve = np.interp(t, [0, 0.1, 0.8, 1], [0.06, 0.0, 0.5, 0.21])  # starts falling, ends falling: edge extrema
    peaks, troughs = extrema(curve, +1, 3), extrema(curve, -1, 3)
    assert [round(float(t[i]), 2) for i, _ in peaks] == [0.8]
    assert min(curve[i] for i, _ in peaks) > curve.mean() > max(curve[i] for i, _ in troughs)
    assert 0.0 in {round(float(curve[i]), 2) for i, _ in troughs}


# -- the analysis -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def icarus_text() -> str:
    return story(lambda t: math.sin(math.pi * t))


def test_arc_end_to_end(tiny_engine: Engine, icarus_text: str) -> None:
    arc = document_arc(icarus_text, engine=tiny_engine, smooth="dct:5", n_points=50, n_sections=5)
    assert isinstance(arc, Arc) and arc.n_segments == 200 and arc.unit == "sentence"
    frame = arc.to_frame()
    assert list(frame.columns[:6]) == ["position", "time", "start", "end", "n_words", "text"]
    assert {"emotions.joy", "emotions.neutral", "vad.valence", "vad.arousal", "sentiment.score"} <= set(frame.columns)
    assert frame["time"].is_monotonic_increasing and 0 < frame["time"].min() < frame["time"].max() < 1
    for row in frame.itertuples():
        assert icarus_text[row.start : row.end] == row.text
    probabilities = frame[[f"emotions.{label}" for label in arc.labels]].to_numpy()
    assert probabilities.min() >= 0 and probabilities.max() <= 1
    assert frame["vad.valence"].between(-1, 1).all()
    assert arc.curves.shape == (50, len(arc.labels) + 3) and arc.curves.index.name == "time"
    assert arc.shape == "icarus" and arc.shape_score > 0.9
    assert arc.peaks[0].text == HIGH and 0.3 < arc.peaks[0].time < 0.7
    assert {m.text for m in arc.troughs} == {LOW}
    assert any(p.kind == "peak" and 0.3 < p.time < 0.7 for p in arc.turning_points)
    assert len(arc.sections) == 5 and "neutral" not in set(arc.sections["dominant"])
    assert arc.sections["n_segments"].sum() == 200
    data = arc.to_dict()
    json.dumps(data)
    assert data["shape"]["name"] == "icarus" and len(data["segments"]) == 200 and len(data["curves"]["time"]) == 50
    assert "segments" not in arc.to_dict(segments=False)


@pytest.mark.parametrize(
    ("profile", "shape"),
    [(lambda t: 1 - t, "tragedy"), (lambda t: t, "rags_to_riches"), (lambda t: abs(2 * t - 1), "man_in_a_hole")],
)
def test_arc_shapes_follow_the_text(tiny_engine: Engine, profile, shape: str) -> None:
    for smooth in ("dct:5", "rolling:30", "loess"):
        assert document_arc(story(profile), engine=tiny_engine, smooth=smooth).shape == shape


def test_segments_stream_through_the_engine_in_batches(
    tiny_engine: Engine, icarus_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    predict = tiny_engine.predict

    def spy(texts, **options):
        sizes.append(len(texts))
        return predict(texts, **options)

    monkeypatch.setattr(tiny_engine, "predict", spy)
    path = tmp_path / "story.txt"
    path.write_text(icarus_text, encoding="utf-8")
    streamed = document_arc(path, engine=tiny_engine, batch_size=32, block_chars=100)
    assert sizes == [32] * 6 + [8]
    whole = document_arc(icarus_text, engine=tiny_engine)
    pd.testing.assert_frame_equal(streamed.to_frame(), whole.to_frame(), rtol=1e-5)  # batches pad differently
    assert streamed.source == str(path) and whole.source is None


def test_progress_counts_scored_segments_against_characters(
    tiny_engine: Engine, icarus_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []

    class SpyProgress:
        def __init__(self, description: str, total: float | None, *, enabled: bool = True, unit: str = "rows"):
            calls.append((description, total, enabled, unit))

        def __enter__(self) -> SpyProgress:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append(("closed",))

        def update(self, *, completed: float | None = None, count: int | None = None) -> None:
            calls.append((completed, count))

    monkeypatch.setattr("affectlab.analyses.document.arc.Progress", SpyProgress)
    text = "Café, déjà vu. " + icarus_text  # characters, not bytes, are the unit of offsets and of the total
    path = tmp_path / "story.txt"
    path.write_text(text, encoding="utf-8")
    arc = document_arc(path, engine=tiny_engine, batch_size=32, block_chars=100, progress=True)
    assert calls[0] == ("arc", len(text), True, "segments") and calls[-1] == ("closed",)
    updates = calls[1:-1]
    assert [count for _, count in updates] == list(range(1, arc.n_segments + 1))
    assert [done for done, _ in updates] == arc.segments["end"].tolist()
    assert updates[31][0] < 0.2 * len(text), "after the first batch the bar is not full"
    assert updates[-1][0] == len(text)


def test_engine_name_analyzer_and_taxonomy(tiny_engine: Engine, tiny_model_dir: Path) -> None:
    text = "I love this. I hate it. What a day!"
    by_name = document_arc(text, engine=f"embedded:{tiny_model_dir}", taxonomy="ekman")
    assert by_name.labels == ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
    assert "emotions.joy" in by_name.segments and "emotions.admiration" not in by_name.segments
    by_analyzer = document_arc(text, engine=Analyzer(tiny_engine, taxonomy="ekman"))
    assert by_analyzer.taxonomy == "ekman"
    pd.testing.assert_frame_equal(by_analyzer.to_frame(), by_name.to_frame(), rtol=1e-5)
    with pytest.raises(TaxonomyError):
        document_arc(text, engine=tiny_engine, taxonomy="no-such-taxonomy")
    with pytest.raises(ParameterError, match="'engine' parameter"):
        document_arc(text, engine=42)


@pytest.mark.parametrize("unit", ["paragraph", "window:5"])
def test_other_units(tiny_engine: Engine, unit: str) -> None:
    text = "One two three four five six. Seven eight.\n\nNine ten eleven twelve.\n\nThirteen."
    arc = document_arc(text, engine=tiny_engine, unit=unit, smooth="rolling:2")
    expected = segment(text, unit)
    assert arc.segments["text"].tolist() == [s.text for s in expected]
    assert arc.unit == unit and arc.n_words == 13


def test_no_punctuation_falls_back_to_windows_and_is_flagged(tiny_engine: Engine) -> None:
    text = " ".join(["i love this so much and the day was good"] * 100)  # 1,000 words, no punctuation
    arc = document_arc(text, engine=tiny_engine)
    assert "window_fallback" in arc.flags
    assert arc.n_segments == 20 and arc.segments["flags"].str.contains("window_fallback").all()


def test_bad_inputs(tiny_engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n \t\n", encoding="utf-8")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(bytes(range(0xA0, 0x100)) * 20)
    only_header = tmp_path / "header.txt"
    only_header.write_text(
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n"
    )
    cases = [
        ("", "empty"),
        ("   \n ", "empty"),
        (b"", "empty"),
        (empty, "is empty"),
        (blank, "no text"),
        (binary, "binary"),
        (b"abc\x00def", "binary"),
        ("abc\x00def ghi", "NUL"),
        (latin, "not UTF-8"),
        (tmp_path / "missing.txt", "does not exist"),
        ("missing-novel.txt", "does not exist"),
        (only_header, "Project Gutenberg markers"),
        (3.5, "takes a text"),
    ]
    for value, message in cases:
        with pytest.raises(InputError, match=message):
            document_arc(value, engine=tiny_engine)


def test_a_few_bad_bytes_are_flagged(tiny_engine: Engine) -> None:
    arc = document_arc("Caf\xe9 au lait. It was good.".encode("latin-1"), engine=tiny_engine)
    assert "undecodable_bytes" in arc.flags and arc.n_segments == 2


@pytest.mark.parametrize(
    ("option", "value"),
    [("unit", "chapter"), ("smooth", "dct:0"), ("batch_size", 0), ("n_points", 2), ("n_sections", 0)],
)
def test_bad_parameters(tiny_engine: Engine, option: str, value: object) -> None:
    with pytest.raises(ParameterError, match=option):
        document_arc("Some text. More text.", engine=tiny_engine, **{option: value})


@pytest.mark.data
def test_arc_of_the_start_of_frankenstein(tiny_engine: Engine) -> None:
    text = (data_dir() / "books" / "frankenstein.txt").read_text(encoding="utf-8-sig")
    first = segment(text, strip_gutenberg=True)[:300]
    arc = document_arc(text[: first[-1].end], engine=tiny_engine, smooth="loess")
    assert arc.n_segments == 300 and "gutenberg_stripped" in arc.flags
    assert arc.segments["text"].iloc[0] == "FRANKENSTEIN:"
    for row in arc.segments.itertuples():
        assert " ".join(text[row.start : row.end].split()) == row.text
    assert np.isfinite(arc.curves.to_numpy()).all() and arc.curves.shape == (100, 31)
    assert arc.shape is None or arc.shape in STORY_SHAPES  # the tiny model's valence is nearly flat on prose
