"""Arc plots: a PNG of the requested size and one self-contained interactive HTML file."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pytest

from affectlab.analyses.document import Arc, document_arc
from affectlab.engines.base import Engine
from affectlab.errors import MissingExtra, ParameterError
from affectlab.surfaces.plots.arc import save_arc_html, save_arc_plot, save_arc_png, top_emotions

HIGH, LOW = "So so it is.", "Happy happy day."  # higher and lower valence with the tiny model
ODD = 'Why <b>what</b> & "wow" </script><script>alert(1)</script>.'


@pytest.fixture(scope="module")
def arc(tiny_engine: Engine) -> Arc:
    sentences = [HIGH if (i * 7919 % 100) / 100 < math.sin(math.pi * (i + 0.5) / 120) else LOW for i in range(120)]
    sentences[60] = ODD
    return document_arc(" ".join(sentences), engine=tiny_engine, smooth="dct:5")


def test_png_has_the_requested_size(arc: Arc, tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    pytest.importorskip("matplotlib")
    path = save_arc_png(arc, tmp_path / "arc.png")
    assert path.stat().st_size > 10_000
    with image.open(path) as png:
        png.load()
        assert png.format == "PNG" and png.size == (1200, 700)
    small = save_arc_png(arc, tmp_path / "small.png", width_px=640, height_px=400, emotions=["joy", "fear"])
    with image.open(small) as png:
        assert png.size == (640, 400)


def test_png_without_matplotlib_names_the_extra(arc: Arc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(MissingExtra, match=r"affectlab\[plot\]"):
        save_arc_png(arc, tmp_path / "arc.png")


def test_html_is_one_self_contained_interactive_file(arc: Arc, tmp_path: Path) -> None:
    path = save_arc_html(arc, tmp_path / "arc.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r"https?://", page), "no network references at all"
    assert "<script src" not in page and "<link" not in page
    lines = re.findall(r'<path class="emotion-line" data-label="([a-z_]+)" d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+"', page)
    assert [label for label, _ in lines] == top_emotions(arc)
    assert page.count('class="valence-band"') == 2 and 'class="valence-line"' in page
    assert page.count('class="peak"') == len(arc.peaks) > 0 and page.count('class="trough"') == len(arc.troughs)
    assert 'addEventListener("mousemove"' in page and 'id="arc-tooltip"' in page
    assert HIGH in page and LOW in page
    data = re.search(r'<script type="application/json" id="arc-data">(.*?)</script>', page, re.S)
    assert data is not None and "alert(1)" in data.group(1)
    assert page.count("</script>") == 2, "segment text cannot close the script element"
    assert "<b>what</b>" not in page


def test_plot_by_suffix_and_bad_options(arc: Arc, tmp_path: Path) -> None:
    assert save_arc_plot(arc, tmp_path / "a.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ParameterError, match=r"\.png, \.html"):
        save_arc_plot(arc, tmp_path / "a.pdf")
    with pytest.raises(ParameterError, match="not in taxonomy"):
        save_arc_html(arc, tmp_path / "b.html", emotions=["joy", "schadenfreude"])
