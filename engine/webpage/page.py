"""One self-contained HTML file that plays a run's backward replay in any browser.

The page carries inline SVG of the graph and the chart, the step list, a few kilobytes of
plain JS and CSS, and the replay as JSON (tracks of display values, engine/webpage/states.py).
It loads nothing: no network, no fonts, no scripts from elsewhere (a Content-Security-Policy
forbids it too). Every user string is escaped for where it lands: HTML text and attributes
through `html.escape`, the JSON block with `<`, `>`, `&` and line separators as \\u escapes so
no title can close the script element. The page's script writes text with `textContent` only.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from engine.document import Document
from engine.format import chart_titles, replay_chart_titles
from engine.replay import Replay
from engine.replay_view import (
    MARKS,
    Row,
    chart_bars,
    chart_values,
    final_grad_line,
    rows,
    value_lines,
)
from engine.snippets.codegen import call_code
from engine.trace import ACCUMULATE, EDGE_GRAD, ZERO_GRAD, Run
from engine.webpage.chart_svg import ChartPicture
from engine.webpage.graph_svg import GraphPicture, clip
from engine.webpage.states import EVENT_MS, OTHER_EVENT_MS, build_tracks

FORMAT = "gradflow-web-replay"
VERSION = 1
CARD_TEXT_LEFT = 22  # the card's text inset plus its right margin (graph_svg._card)
TITLE_CHAR_PX = 8.0  # an average bold character of the chart's 13 px title


def _asset(name: str) -> str:
    return resources.files("engine.webpage").joinpath(name).read_text(encoding="utf-8")


def script_json(data: Any) -> str:
    """JSON that is safe inside <script>: nothing in it can end the element or the script."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _plain(value: float | None) -> float | str | None:
    """A number JSON can carry: non-finite values spelled out."""
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def replay_data(doc: Document, run: Run) -> dict[str, Any]:
    """Everything the page shows, per step, from the run's recorded events."""
    replay = Replay(run)
    n = len(replay)
    nodes = list(doc.nodes())
    keys = {node.id: str(i) for i, node in enumerate(nodes)}
    edge_ids = {edge: str(i) for i, edge in enumerate(doc.edges())}
    bars = chart_bars(run)
    leaf_ids = {b.leaf_id for b in bars}
    none_leaves = [leaf.name for leaf in doc.leaves()
                   if leaf.id in run.names and leaf.id in run.leaf_grads
                   and leaf.id not in leaf_ids]
    arrivals = {0, n} | {e.index + 1 for e in replay.events if e.kind in (ACCUMULATE, ZERO_GRAD)}
    seen = [h for k in sorted(arrivals) for h in chart_values(replay, k, bars)[1]]
    # the dashed bars (v = ones) belong to one backward call: with several, .grad is not it
    several = len(run.calls) > 1
    reference_grads = (run.reference_grads or {}) if not several else {}
    reference: list[float | None] = []
    for bar in bars:
        ref, final = reference_grads.get(bar.leaf_id), run.leaf_grads.get(bar.leaf_id)
        ok = ref is not None and final is not None and ref.shape == final.shape
        reference.append(float(ref.reshape(-1)[bar.index]) if ok and ref is not None else None)
    chart = ChartPicture(bars, none_leaves, seen, reference)

    def geometry(value: float | None) -> dict[str, Any]:
        return {**chart.geometry(value), "v": _plain(value)}

    tracks = build_tracks(replay, keys, edge_ids, bars, geometry)
    lines: dict[str, list[tuple[str, str]]] = {}
    for node in nodes:
        lines[node.id] = value_lines(node, run)
        if node.id not in replay.gradient_nodes:
            last_line = final_grad_line(node, run)
            lines[node.id] += [last_line] if last_line else []
    longest = {node.id: max([len(node.name) + 14] + [len(t) for t, _ in lines[node.id]])
               for node in nodes}  # the title, "(output)" and the op symbol share a line
    for node in nodes:
        for _, value in tracks.values.get(f"card:{keys[node.id]}", []):
            longest[node.id] = max(longest[node.id], len(value[0]))
    seed_chars: dict[str, int] = {}
    for node_id in _seeded(run):
        if node_id in keys:
            seed_chars[node_id] = max(len(v) for _, v in tracks.values[f"seed:{keys[node_id]}"])
    graph = GraphPicture(doc, keys, longest, seed_chars)
    for node in nodes:  # long card lines: elided, the whole line in a tooltip
        item, width = f"card:{keys[node.id]}", graph.widths[node.id]
        if item in tracks.values:
            tracks.values[item] = [(k, [clip(v[0], width - CARD_TEXT_LEFT), v[1], v[0]])
                                   for k, v in tracks.values[item]]
    carried = {e.edge for e in replay.events if e.kind == EDGE_GRAD and e.edge is not None}
    steps = []
    outputs = [keys[i] for i in run.output_ids if i in keys]
    for k in range(n + 1):
        event = replay.events[k - 1] if k else None
        # where the eye should be: the event's node or edge; before the first, the output
        where = keys.get(event.node_id) if event and event.node_id else None
        steps.append({"text": replay.describe(k), "mark": MARKS.get(event.kind, "·")
                      if event else "▶", "kind": event.kind if event else "backward",
                      "call": replay.call_at(k),
                      "ms": EVENT_MS.get(event.kind, OTHER_EVENT_MS) if event else 0,
                      "edge": edge_ids.get(event.edge) if event and event.edge else None,
                      "node": where if event else (outputs[0] if outputs else None)})
    first = [geometry(v) for v in chart_values(replay, 0, bars)[1]]
    names = list(dict.fromkeys(run.names[b.leaf_id] for b in bars))
    bad = [b.label for b, v in zip(bars, chart_values(replay, n, bars)[1], strict=True)
           if v is not None and not math.isfinite(v)]
    warning = f"⚠ not finite: {', '.join(bad[:4])}{' …' if len(bad) > 4 else ''}" if bad else ""
    legends = ("  (bars: your v · dashed: v = ones)" if any(r is not None for r in reference)
               else "  (bars: your v)", "")
    titles = replay_chart_titles(names) if several else chart_titles(names, warning, legends)
    room = (chart.width - 24) / TITLE_CHAR_PX
    title = next((t for t in titles if len(t) <= room), titles[-1])
    # the step list's headings in the seed panel's words, as the app's step list has them
    same_program = len(doc.calls) == len(run.calls)
    words = (lambda i: call_code(doc, i)) if same_program else None
    return {
        "format": FORMAT, "version": VERSION,
        "title": doc.title, "steps": steps,
        "calls": sorted({s["call"] for s in steps}),
        "rows": [_row_data(row) for row in rows(replay, words)],
        "tracks": {item: [[k, v] for k, v in history]
                   for item, history in tracks.values.items()},
        "changes": tracks.changes,
        "bars": [{"label": b.label, "leaf": run.names[b.leaf_id]} for b in bars],
        "error": run.error_text(),
        "_graph": graph.svg(lines, edge_ids, replay.gradient_nodes, carried,
                            {i: "" for i in _seeded(run) if i in keys}, set(run.node_errors)),
        "_chart": chart.svg(first, title),
    }


def _seeded(run: Run) -> list[str]:
    """Every output some call gives a gradient to: each gets a seed tag."""
    return list(dict.fromkeys([*run.seeds, *(o for c in run.calls for o in c.seeds)]))


def _row_data(row: Row) -> dict[str, Any]:
    """A row of the step list: a step by its number (its text is the step's), or a heading,
    note or error row with its text."""
    if row.step is not None:
        return {"step": row.step}
    return {"step": None, "text": row.text, "heading": row.heading, "error": row.error}


def _step_list(steps: list[dict[str, Any]], list_rows: list[dict[str, Any]]) -> str:
    """The steps, under a heading per call when there are several (engine/replay_view.rows,
    as the app's step list); a call's torch error is a row of its own, whole."""
    items = []
    for row in list_rows:
        k = row["step"]
        if k is not None:
            step = steps[k]
            items.append(f'<li id="s-{k}" data-step="{k}"><span class="num">{k}</span>'
                         f'<span class="mark">{escape(step["mark"])}</span>'
                         f"{escape(step['text'])}</li>")
        elif row["heading"]:
            items.append(f'<li class="call">{escape(row["text"])}</li>')
        elif row["error"]:
            items.append(f'<li class="raised" title="torch raised this at this call; the calls '
                         f'after it are not run">✗ {escape(row["error"])}</li>')
        else:
            items.append(f'<li class="note">{escape(row["text"])}</li>')
    return "\n".join(items)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def replay_page(doc: Document, run: Run) -> str:
    """The whole HTML text of the page for `run` of `doc`."""
    data = replay_data(doc, run)
    graph, chart = data.pop("_graph"), data.pop("_chart")
    n = len(data["steps"]) - 1
    error = data["error"]
    fields = {
        "TITLE": escape(doc.title or "Backward replay"),
        "HEADING": escape(doc.title or "Backward replay"),
        "DESCRIPTION": _paragraphs(doc.description or ""),
        "ERROR": f'<p class="error">{escape(error)}</p>' if error else "",
        "LAST": str(n),
        "GRAPH": graph, "CHART": chart, "STEPS": _step_list(data["steps"], data["rows"]),
        "CSS": _asset("page.css"), "JS": _asset("replay.js"),
        "DATA": script_json(data),
    }
    # one pass: a user string that spells a placeholder is never substituted again
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: fields[m.group(1)], _asset("page.html"))


def write_replay_page(doc: Document, run: Run, path: str | Path) -> Path:
    """Write the page for `run` of `doc` to `path` (UTF-8); what File → Export replay as web
    page… calls with the window's document and its latest run."""
    out = Path(path)
    out.write_text(replay_page(doc, run), encoding="utf-8")
    return out
