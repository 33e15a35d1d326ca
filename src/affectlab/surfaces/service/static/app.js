// affectlab dashboard: calls the /v1 API of the server that served this page (relative URLs, so it works behind a
// reverse proxy under a prefix) and draws the results with charts.js. No network beyond this server.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (v, digits = 2) => (v === null || v === undefined ? "–" : (v >= 0 ? "+" : "") + Number(v).toFixed(digits));

// --- API calls: JSON problems shown in the alert; a 401 reveals the key field ------------------------------------
function headers() {
  const key = sessionStorage.getItem("affectlab-key");
  return key ? { "X-API-Key": key } : {};
}

async function call(path, options = {}) {
  $("error").hidden = true;
  const response = await fetch(path, { ...options, headers: { ...headers(), ...(options.headers || {}) } });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { const problem = await response.json(); detail = `${problem.title}: ${problem.detail}`; } catch (e) { /* not JSON */ }
    if (response.status === 401) { $("key-box").hidden = false; $("api-key").focus(); }
    throw new Error(detail);
  }
  return response;
}

function fail(error) {
  $("error").textContent = error.message;
  $("error").hidden = false;
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
  form.setAttribute("aria-busy", String(on));
}

$("api-key").addEventListener("change", (e) => sessionStorage.setItem("affectlab-key", e.target.value));

// --- tabs: click or arrow keys -------------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];
function select(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
}
tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => select(tab));
  tab.addEventListener("keydown", (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step) select(tabs[(i + step + tabs.length) % tabs.length]);
  });
});

// --- taxonomies into every select ----------------------------------------------------------------------------------
async function loadTaxonomies() {
  const list = await (await call("v1/taxonomies")).json();
  for (const select of document.querySelectorAll("select.taxonomy")) {
    select.append(new Option("model's own", ""));
    for (const t of list) select.append(new Option(`${t.name} (${t.n_labels})`, t.name));
    select.value = "ekman";
  }
}

// --- one text ------------------------------------------------------------------------------------------------------
function highlighted(text, evidence) {
  const node = document.createElement("p");
  node.className = "highlighted";
  const spans = [...new Map(evidence.map((e) => [`${e.start}:${e.end}`, e])).values()].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const e of spans) {
    if (e.start < at) continue;
    node.append(text.slice(at, e.start));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(e.start, e.end);
    mark.title = `${e.label} ${fmt(e.weight)}`;
    mark.setAttribute("aria-label", `${mark.textContent}: evidence for ${e.label}`);
    node.append(mark);
    at = e.end;
  }
  node.append(text.slice(at));
  return node;
}

function card(title, ...children) {
  const div = document.createElement("div");
  div.className = "card";
  const h = document.createElement("h2");
  h.textContent = title;
  div.append(h, ...children);
  return div;
}

function showRecord(record, text) {
  const out = $("text-result");
  out.replaceChildren();
  const ranked = Object.entries(record.emotions).sort((a, b) => b[1] - a[1]).slice(0, 10);
  const emotions = Charts.bars(ranked.map(([label, value]) => ({ label, value, on: record.labels.includes(label) })),
    { label: `Emotion probabilities in ${record.taxonomy}` });
  const s = record.sentiment;
  const sentiment = document.createElement("p");
  sentiment.innerHTML = s ? `<strong class="sentiment-${s.label}">${s.label}</strong>, score ${fmt(s.score)} (−1 … +1)` : "–";
  const labels = document.createElement("p");
  labels.textContent = `labels: ${record.labels.join(", ") || "none above threshold"}; flags: ${record.flags.join(", ") || "none"}`;
  const vad = record.vad ? Charts.signed([
    { label: "valence", value: record.vad.valence },
    { label: "arousal", value: record.vad.arousal },
    { label: "dominance", value: record.vad.dominance },
  ], { label: "Valence, arousal and dominance" }) : document.createTextNode("–");
  const grid = document.createElement("div");
  grid.className = "cards";
  grid.append(
    card(`Emotions (${record.taxonomy})`, emotions, labels),
    card("Valence, arousal, dominance", vad, sentiment),
  );
  const evidence = card("Evidence", highlighted(text, record.evidence));
  if (!record.evidence.length) evidence.append(Object.assign(document.createElement("p"), { className: "help", textContent: "No evidence words (tick 'evidence words')." }));
  out.append(grid, evidence);
}

$("text-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target, text = $("text-input").value;
  busy(form, true);
  try {
    const body = { text, explain: $("text-explain").checked, taxonomy: $("text-taxonomy").value || null };
    const response = await call("v1/analyze", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    showRecord(await response.json(), text);
  } catch (error) { fail(error); } finally { busy(form, false); }
});

// --- a table: streamed NDJSON, progress, charts, filter, sort, download --------------------------------------------
let tableRecords = [], tableSort = { key: null, dir: 1 };

function rowText(record) {
  const input = record.input || {};
  const column = $("table-text-column").value || "text";
  return String(input[column] ?? input.text ?? "");
}

async function countRows(file) {
  if (/\.(parquet|pq)$/i.test(file.name) || file.size > 50e6) return null;
  const text = await file.text();
  const lines = text.split("\n").filter((l) => l.trim()).length;
  return /\.(csv|tsv|tab)$/i.test(file.name) ? Math.max(1, lines - 1) : /\.json$/i.test(file.name) ? null : lines;
}

$("table-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target, file = $("table-file").files[0];
  if (!file) return;
  busy(form, true);
  tableRecords = [];
  $("table-result").hidden = true;
  $("table-progress").hidden = false;
  const total = await countRows(file);
  const bar = $("table-bar");
  if (total) { bar.max = total; bar.value = 0; } else { bar.removeAttribute("value"); }
  $("table-count").textContent = "uploading…";
  const data = new FormData();
  data.append("file", file);
  if ($("table-text-column").value) data.append("text_column", $("table-text-column").value);
  if ($("table-taxonomy").value) data.append("taxonomy", $("table-taxonomy").value);
  data.append("explain", $("table-explain").checked ? "true" : "false");
  data.append("on_error", "skip");
  try {
    const response = await call("v1/analyze/file", { method: "POST", body: data });
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      const lines = rest.split("\n");
      rest = lines.pop();
      for (const line of lines) if (line.trim()) {
        const item = JSON.parse(line);
        if (item.problem) throw new Error(`${item.problem.title}: ${item.problem.detail}`);
        tableRecords.push(item);
      }
      if (total) bar.value = Math.min(total, tableRecords.length);
      $("table-count").textContent = `${tableRecords.length}${total ? ` of ${total}` : ""} rows scored`;
    }
    bar.max = Math.max(1, tableRecords.length); bar.value = tableRecords.length;
    $("table-count").textContent = `${tableRecords.length} rows scored`;
    showTable();
  } catch (error) { fail(error); } finally { busy(form, false); }
});

function showTable() {
  const counts = {};
  for (const r of tableRecords) if (r.top) counts[r.top] = (counts[r.top] || 0) + 1;
  const items = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }));
  $("table-emotions").replaceChildren(Charts.bars(items, { max: Math.max(1, ...items.map((i) => i.value)),
    label: "Number of rows per top emotion", format: (v) => String(v) }));
  $("table-valence").replaceChildren(Charts.histogram(tableRecords.map((r) => (r.vad ? r.vad.valence : null)),
    { label: "Histogram of valence over rows" }));
  const filter = $("table-filter");
  filter.replaceChildren(new Option("any label", ""));
  const labels = [...new Set(tableRecords.flatMap((r) => r.labels))].sort();
  for (const label of labels) filter.append(new Option(label, label));
  $("table-result").hidden = false;
  renderRows();
}

const COLUMNS = [
  { key: "id", title: "id", value: (r) => r.id ?? "" },
  { key: "text", title: "text", value: rowText },
  { key: "top", title: "top emotion", value: (r) => r.top ?? "" },
  { key: "labels", title: "labels", value: (r) => r.labels.join(", ") },
  { key: "valence", title: "valence", value: (r) => (r.vad ? r.vad.valence : null), show: (v) => fmt(v) },
  { key: "sentiment", title: "sentiment", value: (r) => (r.sentiment ? r.sentiment.label : "") },
  { key: "evidence", title: "evidence", value: (r) => [...new Set(r.evidence.map((e) => e.text))].join(", ") },
];

function renderRows() {
  const head = document.createElement("tr");
  for (const c of COLUMNS) {
    const th = document.createElement("th");
    th.scope = "col";
    if (tableSort.key === c.key) th.setAttribute("aria-sort", tableSort.dir > 0 ? "ascending" : "descending");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = c.title;
    button.addEventListener("click", () => {
      tableSort = { key: c.key, dir: tableSort.key === c.key ? -tableSort.dir : 1 };
      renderRows();
      document.querySelector(`#table-rows th[aria-sort] button`).focus();
    });
    th.append(button);
    head.append(th);
  }
  $("table-rows").tHead.replaceChildren(head);
  const only = $("table-filter").value;
  let rows = tableRecords.filter((r) => !only || r.labels.includes(only));
  const column = COLUMNS.find((c) => c.key === tableSort.key);
  if (column) rows = [...rows].sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    return (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1) * tableSort.dir;
  });
  const body = $("table-rows").tBodies[0];
  body.replaceChildren(...rows.slice(0, 2000).map((r) => {
    const tr = document.createElement("tr");
    for (const c of COLUMNS) {
      const td = document.createElement("td");
      const v = c.value(r);
      td.textContent = c.show ? c.show(v) : v;
      tr.append(td);
    }
    return tr;
  }));
}
$("table-filter").addEventListener("change", renderRows);

function download(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

function baseName() {
  const file = $("table-file").files[0];
  return (file ? file.name.replace(/\.[^.]+$/, "") : "table") + ".scored";
}

$("download-jsonl").addEventListener("click", () =>
  download(`${baseName()}.jsonl`, tableRecords.map((r) => JSON.stringify(r)).join("\n") + "\n", "application/x-ndjson"));

$("download-csv").addEventListener("click", () => {
  const inputs = [...new Set(tableRecords.flatMap((r) => Object.keys(r.input || {})))];
  const emotions = [...new Set(tableRecords.flatMap((r) => Object.keys(r.emotions)))];
  const header = [...inputs, "id", "top", "labels", ...emotions.map((e) => `emotions.${e}`), "sentiment.label",
    "sentiment.score", "vad.valence", "vad.arousal", "vad.dominance", "evidence", "flags", "error"];
  const cell = (v) => { const s = v === null || v === undefined ? "" : String(v); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  const lines = tableRecords.map((r) => [
    ...inputs.map((k) => (r.input || {})[k]), r.id, r.top, r.labels.join(";"), ...emotions.map((e) => r.emotions[e]),
    r.sentiment?.label, r.sentiment?.score, r.vad?.valence, r.vad?.arousal, r.vad?.dominance,
    r.evidence.length ? JSON.stringify(r.evidence) : "", r.flags.join(";"), r.error ?? "",
  ].map(cell).join(","));
  download(`${baseName()}.csv`, [header.map(cell).join(","), ...lines].join("\n") + "\n", "text/csv");
});

// --- a long text: the arc with clickable peaks and troughs ---------------------------------------------------------
$("document-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target, file = $("document-file").files[0];
  if (!file) return;
  busy(form, true);
  $("document-result").textContent = "tracing the arc…";
  const data = new FormData();
  data.append("file", file);
  data.append("unit", $("document-unit").value);
  data.append("segments", "false");
  try {
    const arc = await (await call("v1/arc", { method: "POST", body: data })).json();
    showArc(arc);
  } catch (error) { $("document-result").textContent = ""; fail(error); } finally { busy(form, false); }
});

function showArc(arc) {
  const passage = $("document-passage");
  const show = (m, kind) => () => {
    passage.hidden = false;
    passage.textContent = `${kind} at t=${m.time.toFixed(2)} (smoothed valence ${fmt(m.value)}), segment #${m.position}: ${m.text}`;
    passage.focus();
  };
  const markers = [
    ...arc.peaks.map((m, i) => ({ x: m.time, y: m.value, kind: "peak", onSelect: show(m, "Peak"), label: `peak ${i + 1} at t=${m.time.toFixed(2)}` })),
    ...arc.troughs.map((m, i) => ({ x: m.time, y: m.value, kind: "trough", onSelect: show(m, "Trough"), label: `trough ${i + 1} at t=${m.time.toFixed(2)}` })),
  ];
  const chart = Charts.line({ xs: arc.curves.time, ys: arc.curves["vad.valence"] }, markers,
    { label: "Smoothed valence over narrative time, with peaks and troughs", ylabel: "valence" });
  const summary = document.createElement("p");
  const shape = arc.shape.name ? `${arc.shape.name} (${arc.shape.direction}, r = ${fmt(arc.shape.score)})` : "none (flat)";
  summary.textContent = `${arc.n_segments} ${arc.unit} segments, ${arc.n_words} words; shape ${shape}; smoothing ${arc.smooth}. ` +
    "Select a peak (green) or trough (red) to read its passage.";
  $("document-result").replaceChildren(summary, chart);
}

// --- a conversation: timeline and dynamics summary -----------------------------------------------------------------
$("conversation-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target, file = $("conversation-file").files[0];
  if (!file) return;
  busy(form, true);
  const data = new FormData();
  data.append("file", file);
  try {
    showConversation(await (await call("v1/conversation", { method: "POST", body: data })).json());
  } catch (error) { fail(error); } finally { busy(form, false); }
});

function showConversation(result) {
  const out = $("conversation-result");
  out.replaceChildren();
  for (const [cid, dyn] of Object.entries(result.dynamics)) {
    const turns = result.turns.filter((t) => t.conversation_id === cid);
    const groups = {};
    turns.forEach((t, i) => {
      if (t.valence === null) return;
      (groups[t.speaker] = groups[t.speaker] || []).push({ x: i + 1, y: t.valence, label: `${t.speaker}, turn ${i + 1}: ${t.text}` });
    });
    const { chart, colours } = Charts.timeline(groups, { label: `Valence of each turn in conversation ${cid}, by speaker` });
    const legend = document.createElement("p");
    legend.className = "legend";
    Object.keys(groups).forEach((s, k) => {
      const span = document.createElement("span");
      span.innerHTML = `<span class="swatch" style="background:${colours[k % colours.length]}"></span>`;
      span.append(s);
      legend.append(span);
    });
    const table = document.createElement("table");
    table.innerHTML = "<caption>Dynamics by speaker (valence −1 … +1)</caption><thead><tr><th scope='col'>speaker</th><th scope='col'>turns</th>" +
      "<th scope='col'>mean valence</th><th scope='col'>inertia r</th><th scope='col'>first → last</th><th scope='col'>verdict</th></tr></thead>";
    const body = table.createTBody();
    for (const [s, summary] of Object.entries(dyn.speakers)) {
      const o = dyn.outcomes[s], r = body.insertRow();
      for (const v of [s, summary.n_turns, fmt(summary.mean_valence), fmt(dyn.inertia[s].autocorrelation),
        `${fmt(o.first_valence)} → ${fmt(o.last_valence)}`, o.verdict ?? "–"]) r.insertCell().textContent = v;
    }
    const note = document.createElement("p");
    note.textContent = `${dyn.n_turns} turns, ${dyn.threaded ? "threaded" : "linear"}; ${dyn.shifts.length} shift(s), ${dyn.episodes.length} episode(s).`;
    out.append(card(`Conversation ${cid}`, legend, chart, note, table));
  }
}

loadTaxonomies().catch(fail);
