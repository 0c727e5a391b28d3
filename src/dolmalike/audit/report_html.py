"""Render report_data's dict as ONE self-contained HTML file: inline CSS, inline JS, the data as an
inline JSON block, no external URL anywhere (works offline, can be mailed or archived as is).

Tables are rendered here (readable without JS; each number carries `data-k` so tests and scripts
can find it); charts are drawn as inline SVG by the page's own script from the JSON block, which
sets `data-rendered` on <body> when every chart is drawn.
"""

from __future__ import annotations

import html
import json
from typing import Any

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}details{margin:.3rem 0}code{font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{border:1px solid #eee;padding:.3rem}
.chart h4{margin:.1rem 0;font-size:12px;font-weight:600}.muted{color:#777}
"""

JS = r"""
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function frame(host, title, w, h) {
    const box = document.createElement("div");
    box.className = "chart";
    const t = document.createElement("h4");
    t.textContent = title;
    box.appendChild(t);
    host.appendChild(box);
    return el("svg", {width: w, height: h, viewBox: "0 0 " + w + " " + h}, box);
  }
  // bars: [{label, value}], marks: [{x (0..1 of the width), label}]
  function bars(host, title, items, marks) {
    const w = 320, h = 150, pad = 22, max = Math.max(1, ...items.map(d => d.value));
    const svg = frame(host, title, w, h), bw = (w - 2 * pad) / Math.max(1, items.length);
    items.forEach((d, i) => {
      const bh = (h - 2 * pad) * d.value / max;
      const r = el("rect", {x: pad + i * bw + 1, y: h - pad - bh, width: Math.max(1, bw - 2), height: bh,
                            fill: "#4c78a8", "data-value": d.value}, svg);
      el("title", {}, r).textContent = d.label + ": " + d.value;
    });
    (marks || []).forEach(m => {
      const x = pad + m.x * (w - 2 * pad);
      el("line", {x1: x, x2: x, y1: pad / 2, y2: h - pad, stroke: "#e45756", "stroke-width": 2, class: "threshold"}, svg);
      el("text", {x: x + 3, y: pad, "font-size": 10, fill: "#e45756"}, svg).textContent = m.label;
    });
    el("text", {x: pad, y: h - 6, "font-size": 10}, svg).textContent = items.length ? items[0].label : "";
    el("text", {x: w - pad, y: h - 6, "font-size": 10, "text-anchor": "end"}, svg).textContent =
      items.length ? items[items.length - 1].label : "";
    return svg;
  }
  function lines(host, title, series, spikes) {
    const w = 1000, h = 260, pad = 36, pts = series.flatMap(s => s.points);
    if (!pts.length) return;
    const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
    const X = v => pad + (v - x0) / (x1 - x0) * (w - 2 * pad), Y = v => h - pad - (v - y0) / (y1 - y0) * (h - 2 * pad);
    const svg = frame(host, title, w, h);
    series.forEach(s => el("polyline", {points: s.points.map(p => X(p[0]) + "," + Y(p[1])).join(" "),
                                        fill: "none", stroke: s.color, "stroke-width": 1.5, class: "curve"}, svg));
    spikes.forEach(sp => {
      const c = el("circle", {cx: X(sp.step), cy: Y(sp.loss), r: 5, fill: "none", stroke: "#e45756",
                              "stroke-width": 2, class: "spike", "data-step": sp.step}, svg);
      el("title", {}, c).textContent = "spike at step " + sp.step + " (loss " + sp.loss.toFixed(3) + ")";
    });
    el("text", {x: pad, y: h - 8, "font-size": 11}, svg).textContent = "step " + x0;
    el("text", {x: w - pad, y: h - 8, "font-size": 11, "text-anchor": "end"}, svg).textContent = "step " + x1;
    el("text", {x: 2, y: pad, "font-size": 11}, svg).textContent = y1.toFixed(2);
    el("text", {x: 2, y: h - pad, "font-size": 11}, svg).textContent = y0.toFixed(2);
  }
  const fmt = v => (Math.abs(v) >= 100 || Number.isInteger(v)) ? String(Math.round(v)) : v.toPrecision(3);
  let drawn = 0;
  const tagHost = document.getElementById("tag-charts");
  data.tags.forEach(t => {
    let items = [], marks = [];
    if (t.kind === "numeric" && t.counts.length) {
      items = t.counts.map((c, i) => ({label: fmt(t.edges[i]) + "–" + fmt(t.edges[i + 1]), value: c}));
      const span = t.max - t.min || 1;
      marks = t.thresholds.filter(m => typeof m.value === "number")
        .map(m => ({x: Math.min(1, Math.max(0, (m.value - t.min) / span)), label: m.source + " " + m.op + " " + m.value}));
    } else if (t.kind === "categorical") {
      items = t.values.map(v => ({label: v.value, value: v.n}));
    }
    bars(tagHost, t.tag + " (n=" + t.n + ", null " + t.null + ")", items, marks);
    drawn++;
  });
  const dedupHost = document.getElementById("dedup-charts");
  data.dedup.forEach(m => {
    bars(dedupHost, m.method + ": clusters by size", m.sizes.map(s => ({label: "size " + s.size, value: s.clusters})), []);
    drawn++;
  });
  if (data.training) {
    const series = [{points: data.training.curve, color: "#4c78a8"}];
    if (data.training.val.length) series.push({points: data.training.val, color: "#54a24b"});
    lines(document.getElementById("loss-chart"), "training loss (blue), held-out loss (green), spikes (red)",
          series, data.training.spikes);
    drawn++;
  }
  document.body.setAttribute("data-rendered", String(drawn));
})();
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _table(cols: list[str], rows: list[list[Any]], keys: list[list[str | None]] | None = None) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, v in enumerate(row):
            k = keys[i][j] if keys and keys[i] and j < len(keys[i]) else None
            cls = ' class="n"' if isinstance(v, int | float) and not isinstance(v, bool) else ""
            attr = f' data-k="{_e(k)}"' if k else ""
            cells.append(f"<td{cls}{attr}>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _sql(sql: str) -> str:
    return f"<details><summary class=muted>query</summary><code>{_e(sql)}</code></details>"


def _funnel(f: dict[str, Any]) -> str:
    rows: list[list[Any]] = [["input records", "", f["input"], f["input"]]]
    keys: list[list[str | None]] = [[None, None, "funnel.input", None]]
    for s in f["stages"]:
        rows.append([s["stage"], "dropped" if not s["error"] else "dropped / error",
                     s["dropped"] + s["error"], s["remaining"]])  # fmt: skip
        keys.append([None, None, f"funnel.{s['stage']}.removed", f"funnel.{s['stage']}.remaining"])
        for r in s["reasons"]:
            rows.append([f"  {s['stage']}", f"{r['status']}: {r['reason']}", r["n"], ""])
            keys.append([None, None, f"funnel.{s['stage']}.{r['status']}.{r['reason']}", None])
    rows.append(["kept", "", f["kept"], ""])
    keys.append([None, None, "funnel.kept", None])
    return _table(["stage", "reason", "documents", "remaining"], rows, keys) + _sql(f["sql"]["reasons"])


def _composition(c: dict[str, Any]) -> str:
    out = []
    for name, label, col in (("languages", "Languages (kept documents)", "language"),
                             ("sources", "Sources (kept documents)", "source"),
                             ("domains", "Top domains (kept documents)", "domain")):  # fmt: skip
        if name not in c:
            continue
        rows = [[r[col], r["n"]] for r in c[name]]
        keys = [[None, f"{name}.{r[col]}"] for r in c[name]]
        out.append(f"<h3>{label}</h3>" + _table([col, "documents"], rows, keys) + _sql(c["sql"][name]))
    if "mix_tokens" in c:
        rows = [[r["source"], r["tokens"], r["documents"], r["items"]] for r in c["mix_tokens"]]
        keys = [
            [None, f"mix_tokens.{r['source']}", f"mix_documents.{r['source']}", None] for r in c["mix_tokens"]
        ]
        out.append("<h3>Tokens per mix source (training split, EOS excluded)</h3>"
                   + _table(["mix source", "tokens", "documents", "items (with repetitions)"], rows, keys)
                   + _sql(c["sql"]["mix_tokens"]))  # fmt: skip
    return "".join(out)


def _dedup(d: list[dict[str, Any]]) -> str:
    rows, keys = [], []
    for m in d:
        for s in m["sizes"]:
            rows.append([m["method"], s["size"], s["clusters"], s["documents"]])
            keys.append([None, None, f"dedup.{m['method']}.{s['size']}", None])
    sql = _sql(d[0]["sql"]) if d else ""
    return _table(["method", "cluster size", "clusters", "documents"], rows, keys) + sql


def _thresholds(tags: list[dict[str, Any]]) -> str:
    rows = [
        [t["tag"], th["source"], th["op"], json.dumps(th["value"])] for t in tags for th in t["thresholds"]
    ]
    return _table(["tag", "mix source", "op", "value"], rows) if rows else "<p class=muted>no mix rules</p>"


def _training(t: dict[str, Any] | None) -> str:
    if not t:
        return "<p class=muted>no training run given (--train TRAIN_DIR)</p>"
    rule = t["rule"]
    rows = [[s["step"], round(s["loss"], 4), round(s["score"], 1)] for s in t["spikes"]]
    keys = [[f"spike.{s['step']}", None, None] for s in t["spikes"]]
    cfg = ", ".join(f"{k}={v}" for k, v in t["config"].items())
    return (f"<p>{_e(t['train_dir'])}: {len(t['curve'])} steps, {_e(t['n_params'])} parameters ({_e(cfg)}).</p>"
            "<div id=loss-chart></div>"
            f"<p>Spike rule: loss above the median of the previous {rule['window']} steps by more than {rule['k']} "
            f"× max(1.4826·MAD, {rule['rel_floor']:.0%} of the median). Details: <code>dolmalike spikes</code>.</p>"
            + _table(["spike step", "loss", "score"], rows, keys))  # fmt: skip


def _card(d: dict[str, Any]) -> str:
    f = d["funnel"]
    mix = d.get("mix") or {}
    items = [
        ("Name", d["name"]), ("Run directory", d["run_dir"]), ("Config hash", d.get("config_hash")),
        ("Seed", d.get("seed")), ("Pipeline", " → ".join(d["stages"])),
        ("Inputs", f"{len(d['inputs'])} file(s), " + ", ".join(f"{i['path']} (sha256 {i['sha256'][:12]}…)"
                                                             for i in d["inputs"][:10])),
        ("Records", f"{f['input']} input, {f['kept']} kept, {f['dropped']} dropped, {f['error']} error"),
        ("Mix", ", ".join(f"{s['name']}: {s.get('rule')}" for s in mix.get("sources", [])) or "none"),
        ("Tokenizer", mix.get("tokenizer")),
        ("Provenance", "every document's WARC file + offset, record id and every stage decision are in "
                       "manifests/ (query with dolmalike sql / explain / trace)"),
        ("Known limitations", "web text: may contain errors, bias and personal data not caught by the PII "
                              "tagger; language and quality tags are model predictions"),
        ("License", "source documents keep their original terms (Common Crawl terms of use)"),
    ]  # fmt: skip
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in items) + "</table>"


def _json_script(obj: Any, script_type: str, element_id: str) -> str:
    # "</" would close the <script> element early; JSON allows "<\/" for it
    text = json.dumps(obj, default=str, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="{script_type}" id="{element_id}">{text}</script>'


def render(data: dict[str, Any], croissant: dict[str, Any]) -> str:
    sections = [
        ("funnel", "Funnel: input → each stage's drops by reason", _funnel(data["funnel"])),
        ("composition", "Composition", _composition(data["composition"])),
        ("tags", "Tag distributions (kept documents; red lines: mix thresholds)",
         _thresholds(data["tags"]) + "<div id=tag-charts class=charts></div>"),
        ("dedup", "Dedup cluster sizes", _dedup(data["dedup"]) + "<div id=dedup-charts class=charts></div>"),
        ("training", "Training loss", _training(data.get("training"))),
        ("card", "Data card", _card(data) + "<p>Croissant 1.0 JSON-LD is embedded in this page "
                                            "(<code>script#croissant</code>).</p>"),
    ]  # fmt: skip
    body = "".join(
        f'<section id="{sid}"><h2>{_e(title)}</h2>{content}</section>' for sid, title, content in sections
    )
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>dolmalike report: {_e(data['name'])}</title><style>{CSS}</style>"
        + _json_script(croissant, "application/ld+json", "croissant")
        + f"</head><body><h1>dolmalike report: {_e(data['name'])}</h1>{body}"
        + _json_script(data, "application/json", "report-data")
        + f"<script>{JS}</script></body></html>\n"
    )
