"""Plots of an emotion arc: a static PNG (matplotlib) and one self-contained interactive HTML file.

Both show the smoothed emotion lines (the most probable emotions, neutral
excluded), the smoothed valence as a band around 0 (green above, red below) and
the peaks (▲) and troughs (▼) of valence. The HTML file needs no network: the
chart is inline SVG and a few lines of vanilla JavaScript show a tooltip with
the text of the segment under the mouse.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.analyses.document import Arc, Moment
from affectlab.core.serialize import jsonable
from affectlab.errors import ParameterError
from affectlab.surfaces.plots._figure import figure_class

__all__ = ["PALETTE", "save_arc_html", "save_arc_plot", "save_arc_png", "top_emotions"]

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#2ca02c",
    "#d62728",
)
POSITIVE, NEGATIVE = "#2ca02c", "#d62728"


def top_emotions(arc: Arc, n: int = 6) -> list[str]:
    """The ``n`` labels with the highest mean probability over the segments, neutral excluded."""
    columns = [f"emotions.{label}" for label in arc.labels if label != "neutral"]
    means = arc.segments[columns].mean().sort_values(ascending=False)
    return [column.removeprefix("emotions.") for column in means.index[:n]]


def _emotions(arc: Arc, emotions: list[str] | None, n_emotions: int) -> list[str]:
    if emotions is None:
        return top_emotions(arc, n_emotions)
    unknown = [e for e in emotions if e not in arc.labels]
    if unknown:
        raise ParameterError(
            f"The 'emotions' parameter names labels that are not in taxonomy {arc.taxonomy!r}: {', '.join(unknown)}. "
            f"Known labels: {', '.join(arc.labels)}."
        )
    return list(emotions)


def _title(arc: Arc, title: str | None) -> str:
    if title is not None:
        return title
    name = Path(arc.source).name if arc.source else "text"
    shape = f" — story shape: {arc.shape.replace('_', ' ')} (r = {arc.shape_score:.2f})" if arc.shape else ""
    return f"Emotion arc of {name}{shape}"


def _valence_bound(valence: list[float]) -> float:
    """Symmetric axis limit for valence: the largest |value| rounded up to a tenth, in [0.1, 1]."""
    finite = [abs(v) for v in valence if math.isfinite(v)]
    return min(1.0, max(0.1, math.ceil(max(finite, default=0.0) * 10 - 1e-9) / 10))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def save_arc_png(
    arc: Arc,
    path: str | os.PathLike[str],
    *,
    emotions: list[str] | None = None,
    n_emotions: int = 6,
    width_px: int = 1200,
    height_px: int = 700,
    dpi: int = 100,
    title: str | None = None,
) -> Path:
    """Write a static PNG of ``width_px`` x ``height_px`` pixels and return its path.

    Parameters
    ----------
    arc : Arc
        The result of :func:`affectlab.analyses.document.document_arc`.
    path : str or Path
        Output file (overwritten if it exists).
    emotions : list of str, optional
        Labels to draw; default the ``n_emotions`` most probable (neutral excluded).
    n_emotions : int, default=6
    width_px, height_px, dpi : int
        Image size in pixels and resolution.
    title : str, optional
        Default: the source name and the nearest story shape.

    Raises
    ------
    MissingExtra
        If matplotlib is not installed (``pip install 'affectlab[plot]'``).
    """
    Figure = figure_class()
    labels = _emotions(arc, emotions, n_emotions)
    time = arc.curves.index.to_numpy()
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    for k, label in enumerate(labels):
        top.plot(time, arc.curves[f"emotions.{label}"], color=PALETTE[k % len(PALETTE)], lw=1.8, label=label)
    top.set_ylabel("probability (0-1)")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    top.grid(alpha=0.3)
    top.set_title(_title(arc, title), loc="left", fontsize="medium")
    valence = arc.curves["vad.valence"].to_numpy()
    bottom.fill_between(time, 0, valence, where=valence >= 0, color=POSITIVE, alpha=0.35, interpolate=True, lw=0)
    bottom.fill_between(time, 0, valence, where=valence < 0, color=NEGATIVE, alpha=0.35, interpolate=True, lw=0)
    bottom.plot(time, valence, color="black", lw=1.2, label="valence")
    bottom.axhline(0, color="grey", lw=0.8)
    for moments, marker, color, offset in ((arc.peaks, "^", POSITIVE, 10), (arc.troughs, "v", NEGATIVE, -14)):
        for number, moment in enumerate(moments, start=1):
            bottom.scatter([moment.time], [moment.value], marker=marker, s=60, color=color, zorder=3)
            caption = _short(moment.text, 40).replace("$", r"\$")
            bottom.annotate(
                f"{number}. {caption}",
                (moment.time, moment.value),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                fontsize="x-small",
                color=color,
            )
    bound = _valence_bound([float(v) for v in valence])
    bottom.set_ylim(-bound * 1.1, bound * 1.1)
    bottom.set_xlim(0, 1)
    bottom.set_ylabel("valence (-1..1)")
    bottom.set_xlabel(f"narrative time (0-1), {arc.n_segments} {arc.unit} segments, smoothing {arc.smooth}")
    bottom.grid(alpha=0.3)
    out = Path(path)
    figure.savefig(out, dpi=dpi, format="png")
    return out


# -- HTML ------------------------------------------------------------------------------------------

_WIDTH, _TOP_H, _BOTTOM_H, _GAP = 960, 300, 180, 30
_LEFT, _RIGHT, _TOP_MARGIN, _BOTTOM_MARGIN = 60, 150, 40, 40

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("arc-data").textContent);
  var svg = document.getElementById("arc-svg");
  var tip = document.getElementById("arc-tooltip");
  var cursor = document.getElementById("arc-cursor");
  var plot = data.plot;
  function nearest(t) {
    var lo = 0, hi = data.time.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (data.time[mid] < t) { lo = mid + 1; } else { hi = mid; }
    }
    if (lo > 0 && Math.abs(data.time[lo - 1] - t) < Math.abs(data.time[lo] - t)) { lo -= 1; }
    return lo;
  }
  svg.addEventListener("mousemove", function (event) {
    var box = svg.getBoundingClientRect();
    var x = (event.clientX - box.left) * (plot.width / box.width);
    var t = (x - plot.left) / plot.span;
    if (t < 0 || t > 1) { tip.style.display = "none"; cursor.setAttribute("visibility", "hidden"); return; }
    var i = nearest(t);
    var cx = plot.left + data.time[i] * plot.span;
    cursor.setAttribute("x1", cx);
    cursor.setAttribute("x2", cx);
    cursor.setAttribute("visibility", "visible");
    tip.textContent = "";
    var head = document.createElement("div");
    head.className = "head";
    head.textContent = "#" + data.position[i] + " \\u00b7 t = " + data.time[i].toFixed(3) +
      " \\u00b7 valence " + data.valence[i].toFixed(2) + " \\u00b7 " + data.top[i];
    var body = document.createElement("div");
    body.textContent = data.text[i];
    tip.appendChild(head);
    tip.appendChild(body);
    tip.style.display = "block";
    var left = event.pageX + 14;
    if (left + 360 > window.scrollX + window.innerWidth) { left = event.pageX - 374; }
    tip.style.left = left + "px";
    tip.style.top = (event.pageY + 14) + "px";
  });
  svg.addEventListener("mouseleave", function () {
    tip.style.display = "none";
    cursor.setAttribute("visibility", "hidden");
  });
})();
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 18px; font-weight: 600; }
p.meta { color: #555; font-size: 13px; }
svg text { font-size: 11px; fill: #333; }
#arc-tooltip { position: absolute; display: none; max-width: 340px; padding: 8px 10px; background: #fff;
  border: 1px solid #999; border-radius: 4px; box-shadow: 0 2px 6px rgba(0,0,0,.2); font-size: 13px;
  pointer-events: none; }
#arc-tooltip .head { color: #555; font-size: 11px; margin-bottom: 4px; }
ol { font-size: 13px; }
"""


def _path(xs: list[float], ys: list[float]) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))


def _json_for_script(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


class _Frame:
    """Pixel geometry of the HTML chart: emotion panel on top, valence band below, narrative time across."""

    def __init__(self, top_max: float, bound: float) -> None:
        self.span = _WIDTH - _LEFT - _RIGHT
        self.height = _TOP_MARGIN + _TOP_H + _GAP + _BOTTOM_H + _BOTTOM_MARGIN
        self.zero = _TOP_MARGIN + _TOP_H + _GAP + _BOTTOM_H / 2
        self.top_max, self.bound = top_max, bound

    def x(self, t: float) -> float:
        return _LEFT + t * self.span

    def y_top(self, p: float) -> float:
        return _TOP_MARGIN + _TOP_H * (1 - min(max(p, 0.0), self.top_max) / self.top_max)

    def y_bottom(self, v: float) -> float:
        return self.zero - (_BOTTOM_H / 2) * max(-1.0, min(1.0, v / self.bound))


def _svg_axes(frame: _Frame, label: str) -> list[str]:
    """The two panels, their tick labels and titles."""
    f = frame
    parts = [
        f'<svg id="arc-svg" viewBox="0 0 {_WIDTH} {f.height}" width="{_WIDTH}" height="{f.height}" role="img" '
        f'aria-label="{html.escape(label)}">',
        f'<rect x="{_LEFT}" y="{_TOP_MARGIN}" width="{f.span}" height="{_TOP_H}" fill="#fafafa" stroke="#ccc"/>',
        f'<rect x="{_LEFT}" y="{f.zero - _BOTTOM_H / 2}" width="{f.span}" height="{_BOTTOM_H}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    for k in range(0, 11, 2):
        t = k / 10
        parts.append(f'<text x="{f.x(t):.1f}" y="{f.height - 18}" text-anchor="middle">{t:.1f}</text>')
    parts.append(f'<text x="{_LEFT + f.span / 2}" y="{f.height - 4}" text-anchor="middle">narrative time</text>')
    for p in (0.0, f.top_max / 2, f.top_max):
        parts.append(f'<text x="{_LEFT - 6}" y="{f.y_top(p) + 4:.1f}" text-anchor="end">{p:.2f}</text>')
    parts.append(f'<text x="{_LEFT}" y="{_TOP_MARGIN - 8}">emotion probability (0-1)</text>')
    for v in (-f.bound, 0.0, f.bound):
        parts.append(f'<text x="{_LEFT - 6}" y="{f.y_bottom(v) + 4:.1f}" text-anchor="end">{v:+.1f}</text>')
    parts.append(f'<text x="{_LEFT}" y="{f.zero - _BOTTOM_H / 2 - 8}">valence (-1..1)</text>')
    return parts


def _svg_curves(frame: _Frame, arc: Arc, labels: list[str]) -> list[str]:
    """The emotion lines with their legend, the valence band and line, the peak and trough markers."""
    f = frame
    xs = [f.x(float(t)) for t in arc.curves.index]
    parts = []
    for k, label in enumerate(labels):
        color = PALETTE[k % len(PALETTE)]
        ys = [f.y_top(float(p)) for p in arc.curves[f"emotions.{label}"]]
        parts.append(
            f'<path class="emotion-line" data-label="{html.escape(label)}" d="{_path(xs, ys)}" fill="none" '
            f'stroke="{color}" stroke-width="1.8"/>'
        )
        y_legend = _TOP_MARGIN + 14 + 18 * k
        parts.append(
            f'<line x1="{_WIDTH - _RIGHT + 12}" y1="{y_legend - 4}" x2="{_WIDTH - _RIGHT + 32}" y2="{y_legend - 4}" '
            f'stroke="{color}" stroke-width="3"/><text x="{_WIDTH - _RIGHT + 38}" y="{y_legend}">'
            f"{html.escape(label)}</text>"
        )
    valence = [float(v) for v in arc.curves["vad.valence"]]
    for sign, color in ((1, POSITIVE), (-1, NEGATIVE)):
        ys = [f.y_bottom(max(0.0, v) if sign > 0 else min(0.0, v)) for v in valence]
        band = _path([xs[0], *xs, xs[-1]], [f.zero, *ys, f.zero]) + " Z"
        parts.append(f'<path class="valence-band" d="{band}" fill="{color}" fill-opacity="0.35" stroke="none"/>')
    parts.append(
        f'<path class="valence-line" d="{_path(xs, [f.y_bottom(v) for v in valence])}" fill="none" stroke="#000" '
        'stroke-width="1.2"/>'
    )
    parts.append(f'<line x1="{_LEFT}" y1="{f.zero}" x2="{_LEFT + f.span}" y2="{f.zero}" stroke="#888"/>')
    for moments, kind, color in ((arc.peaks, "peak", POSITIVE), (arc.troughs, "trough", NEGATIVE)):
        for moment in moments:
            x, y = f.x(moment.time), f.y_bottom(moment.value)
            d = f"M{x - 6:.1f},{y + 5:.1f} L{x + 6:.1f},{y + 5:.1f} L{x:.1f},{y - 6:.1f} Z"
            if kind == "trough":
                d = f"M{x - 6:.1f},{y - 5:.1f} L{x + 6:.1f},{y - 5:.1f} L{x:.1f},{y + 6:.1f} Z"
            parts.append(
                f'<path class="{kind}" d="{d}" fill="{color}"><title>{kind} at t = {moment.time:.2f}: '
                f"{html.escape(_short(moment.text, 200))}</title></path>"
            )
    parts.append(
        f'<line id="arc-cursor" x1="0" y1="{_TOP_MARGIN}" x2="0" y2="{f.zero + _BOTTOM_H / 2}" stroke="#444" '
        'stroke-dasharray="3,3" visibility="hidden"/>'
    )
    return parts


def _hover_data(arc: Arc, frame: _Frame, max_text_chars: int) -> dict[str, Any]:
    """What the tooltip script reads: per segment its time, position, valence (NaN as 0), top emotion and text."""
    segments = arc.segments
    probabilities = segments[[f"emotions.{label}" for label in arc.labels]].to_numpy()
    return {
        "plot": {"width": _WIDTH, "left": _LEFT, "span": frame.span},
        "time": jsonable(segments["time"].to_numpy(), digits=6),
        "position": jsonable(segments["position"].to_numpy()),
        "valence": jsonable(np.nan_to_num(segments["vad.valence"].to_numpy(), nan=0.0), digits=4),
        "top": [arc.labels[int(j)] for j in probabilities.argmax(axis=1)],
        "text": [_short(str(t), max_text_chars) for t in segments["text"]],
    }


def save_arc_html(
    arc: Arc,
    path: str | os.PathLike[str],
    *,
    emotions: list[str] | None = None,
    n_emotions: int = 6,
    title: str | None = None,
    max_text_chars: int = 600,
) -> Path:
    """Write one self-contained interactive HTML file (inline SVG, vanilla JS, no network) and return its path.

    Hovering over the chart shows the segment under the mouse: its position,
    narrative time, valence, most probable emotion and text (cut to
    ``max_text_chars`` characters).

    Parameters
    ----------
    arc : Arc
        The result of :func:`affectlab.analyses.document.document_arc`.
    path : str or Path
        Output file (overwritten if it exists).
    emotions : list of str, optional
        Labels to draw; default the ``n_emotions`` most probable (neutral excluded).
    n_emotions : int, default=6
        Number of emotion lines when ``emotions`` is not given.
    title : str, optional
        Default: the source name and the story shape.
    max_text_chars : int, default=600
        Characters of each segment's text kept for the tooltip.

    Returns
    -------
    Path
    """
    labels = _emotions(arc, emotions, n_emotions)
    top_max = max(0.1, math.ceil(max(float(arc.curves[f"emotions.{e}"].max()) for e in labels) * 10) / 10)
    frame = _Frame(top_max, _valence_bound([float(v) for v in arc.curves["vad.valence"]]))
    parts = [*_svg_axes(frame, _title(arc, title)), *_svg_curves(frame, arc, labels), "</svg>"]

    def moment_items(moments: tuple[Moment, ...]) -> str:
        return "".join(
            f"<li>t = {m.time:.2f}, smoothed valence {m.value:+.2f}: {html.escape(_short(m.text, 300))}</li>"
            for m in moments
        )

    shape = f"{arc.shape.replace('_', ' ')} (r = {arc.shape_score:.2f})" if arc.shape else "none (flat arc)"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(_title(arc, title))}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(_title(arc, title))}</h1>\n"
        f'<p class="meta">{arc.n_segments} {html.escape(arc.unit)} segments, {arc.n_words} words; smoothing '
        f"{html.escape(str(arc.smooth))}; taxonomy {html.escape(arc.taxonomy)}; model {html.escape(arc.model)}; "
        f"story shape: {html.escape(shape)}. Hover over the chart to read the text.</p>\n"
        + "\n".join(parts)
        + '\n<div id="arc-tooltip"></div>\n'
        f"<h2>Peaks</h2><ol>{moment_items(arc.peaks)}</ol>\n<h2>Troughs</h2><ol>{moment_items(arc.troughs)}</ol>\n"
        f'<script type="application/json" id="arc-data">{_json_for_script(_hover_data(arc, frame, max_text_chars))}'
        f"</script>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out


def save_arc_plot(arc: Arc, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write a PNG (``.png``) or an interactive HTML file (``.html``/``.htm``), chosen by the suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        return save_arc_png(arc, path, **options)
    if suffix in (".html", ".htm"):
        return save_arc_html(arc, path, **options)
    raise ParameterError(f"The plot file must end in .png, .html or .htm. Got {str(path)!r} instead.")
