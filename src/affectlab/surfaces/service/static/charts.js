// Hand-written SVG charts for the affectlab dashboard (no library, no network): bars, histogram, line, points.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs = {}, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(width, height, label) {
    return el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label });
  }

  // Horizontal bars: items [{label, value, on}], values in [0, max].
  function bars(items, { max = 1, label = "bar chart", format = (v) => v.toFixed(2) } = {}) {
    const row = 22, left = 120, width = 460, height = items.length * row + 8;
    const chart = svg(width, height, label);
    items.forEach((item, i) => {
      const y = 4 + i * row, w = Math.max(0, (width - left - 50) * (item.value / max));
      chart.append(el("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, item.label));
      chart.append(el("rect", { x: left, y: y + 3, width: w, height: row - 8, class: item.on ? "bar on" : "bar" }));
      chart.append(el("text", { x: left + w + 4, y: y + 14 }, format(item.value)));
    });
    return chart;
  }

  // Signed bars on [-1, 1] with a zero line: items [{label, value}].
  function signed(items, { label = "signed bars" } = {}) {
    const row = 24, left = 90, width = 460, mid = left + (width - left - 40) / 2, half = (width - left - 40) / 2;
    const chart = svg(width, items.length * row + 24, label);
    chart.append(el("line", { x1: mid, x2: mid, y1: 0, y2: items.length * row + 4, class: "axis" }));
    items.forEach((item, i) => {
      const y = 4 + i * row, w = Math.abs(item.value) * half;
      chart.append(el("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, item.label));
      chart.append(el("rect", { x: item.value < 0 ? mid - w : mid, y: y + 3, width: w, height: row - 8,
                                class: item.value < 0 ? "neg" : "pos" }));
      chart.append(el("text", { x: item.value < 0 ? mid - w - 4 : mid + w + 4, y: y + 14,
                                "text-anchor": item.value < 0 ? "end" : "start" }, (item.value >= 0 ? "+" : "") + item.value.toFixed(2)));
    });
    const y = items.length * row + 18;
    chart.append(el("text", { x: left, y }, "-1"));
    chart.append(el("text", { x: mid, y, "text-anchor": "middle" }, "0"));
    chart.append(el("text", { x: left + 2 * half, y, "text-anchor": "end" }, "+1"));
    return chart;
  }

  // Histogram of values in [lo, hi] with n bins.
  function histogram(values, { lo = -1, hi = 1, n = 20, label = "histogram" } = {}) {
    const counts = new Array(n).fill(0);
    for (const v of values) if (v !== null && Number.isFinite(v)) counts[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / (hi - lo) * n)))]++;
    const width = 460, height = 180, left = 30, bottom = 24, top = 8, peak = Math.max(1, ...counts);
    const chart = svg(width, height, label);
    const bw = (width - left - 10) / n;
    counts.forEach((c, i) => {
      const h = (height - bottom - top) * (c / peak);
      const rect = el("rect", { x: left + i * bw + 1, y: height - bottom - h, width: bw - 2, height: h, class: "bar" });
      rect.append(el("title", {}, `${(lo + i * (hi - lo) / n).toFixed(1)} to ${(lo + (i + 1) * (hi - lo) / n).toFixed(1)}: ${c}`));
      chart.append(rect);
    });
    chart.append(el("line", { x1: left, x2: width - 10, y1: height - bottom, y2: height - bottom, class: "axis" }));
    chart.append(el("text", { x: left, y: height - 6 }, String(lo)));
    chart.append(el("text", { x: (left + width - 10) / 2, y: height - 6, "text-anchor": "middle" }, String((lo + hi) / 2)));
    chart.append(el("text", { x: width - 10, y: height - 6, "text-anchor": "end" }, String(hi)));
    chart.append(el("text", { x: 2, y: top + 10 }, String(peak)));
    return chart;
  }

  // A line over x in [0, 1] with y in [-1, 1] scaled to its range, and focusable markers.
  // series: {xs, ys}; markers: [{x, y, kind, onSelect, label}].
  function line(series, markers, { label = "line chart", ylabel = "" } = {}) {
    const width = 900, height = 300, left = 50, right = 16, top = 14, bottom = 34;
    const ys = series.ys.filter((v) => v !== null);
    let lo = Math.min(...ys, ...markers.map((m) => m.y)), hi = Math.max(...ys, ...markers.map((m) => m.y));
    if (hi - lo < 1e-6) { lo -= 0.1; hi += 0.1; }
    const pad = (hi - lo) * 0.1; lo -= pad; hi += pad;
    const X = (x) => left + x * (width - left - right), Y = (y) => top + (hi - y) / (hi - lo) * (height - top - bottom);
    const chart = svg(width, height, label);
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      chart.append(el("line", { x1: X(t), x2: X(t), y1: top, y2: height - bottom, class: "grid" }));
      chart.append(el("text", { x: X(t), y: height - 16, "text-anchor": "middle" }, t.toFixed(2)));
    }
    if (lo < 0 && hi > 0) chart.append(el("line", { x1: left, x2: width - right, y1: Y(0), y2: Y(0), class: "axis" }));
    chart.append(el("text", { x: 4, y: top + 8 }, hi.toFixed(2)));
    chart.append(el("text", { x: 4, y: height - bottom }, lo.toFixed(2)));
    chart.append(el("text", { x: width / 2, y: height - 2, "text-anchor": "middle" }, "narrative time"));
    if (ylabel) chart.append(el("text", { x: left + 4, y: top + 8 }, ylabel));
    const d = series.xs.map((x, i) => (series.ys[i] === null ? "" : `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(series.ys[i]).toFixed(1)}`)).join("");
    chart.append(el("path", { d, class: "curve" }));
    for (const m of markers) {
      const dot = el("circle", { cx: X(m.x), cy: Y(m.y), r: 8, class: `moment ${m.kind === "peak" ? "pos" : "neg"}`,
                                tabindex: "0", role: "button", "aria-label": m.label });
      dot.append(el("title", {}, m.label));
      dot.addEventListener("click", m.onSelect);
      dot.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); m.onSelect(); } });
      chart.append(dot);
    }
    return chart;
  }

  // Points joined per group over positions: groups {name: [{x, y, label}]}, colours cycled.
  function timeline(groups, { label = "timeline" } = {}) {
    const colours = ["#0b5cad", "#b42318", "#1a7f37", "#6f42c1", "#9a6700"];
    const width = 900, height = 260, left = 50, right = 16, top = 14, bottom = 30;
    const all = Object.values(groups).flat();
    const xmax = Math.max(1, ...all.map((p) => p.x));
    const X = (x) => left + x / xmax * (width - left - right), Y = (y) => top + (1 - y) / 2 * (height - top - bottom);
    const chart = svg(width, height, label);
    for (const y of [-1, -0.5, 0, 0.5, 1]) {
      chart.append(el("line", { x1: left, x2: width - right, y1: Y(y), y2: Y(y), class: y === 0 ? "axis" : "grid" }));
      chart.append(el("text", { x: 4, y: Y(y) + 4 }, y.toFixed(1)));
    }
    chart.append(el("text", { x: width / 2, y: height - 6, "text-anchor": "middle" }, "turn"));
    Object.entries(groups).forEach(([name, points], k) => {
      const colour = colours[k % colours.length];
      chart.append(el("path", { d: points.map((p, i) => `${i ? "L" : "M"}${X(p.x)},${Y(p.y)}`).join(""),
                                fill: "none", stroke: colour, "stroke-width": 2 }));
      for (const p of points) {
        const dot = el("circle", { cx: X(p.x), cy: Y(p.y), r: 5, fill: colour });
        dot.append(el("title", {}, p.label));
        chart.append(dot);
      }
    });
    return { chart, colours };
  }

  return { bars, signed, histogram, line, timeline };
})();
