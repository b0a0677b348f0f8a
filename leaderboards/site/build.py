"""Write the static site: index.html (table and plots), one page per candidate, assets.

One self-contained directory: HTML, CSS and JS from `assets/` (a small hand-written SVG
plotting script, no CDN, no server), and the data embedded in each page as
`<script type="application/json">` (Chromium forbids fetching local JSON from file://). It
works from file:// and from any static host (GitHub Pages, a Hugging Face static Space).

Escaping, because names and outputs come from models and users: the embedded JSON has `<`, `>`,
`&` and the line separators written as \\u escapes, so no text can close the script element; the
pages insert every value with `textContent`, never as HTML; a Content-Security-Policy allows
only the site's own scripts and styles; page file names are derived from candidate ids reduced
to [A-Za-z0-9_-].

Example: `build_site(leaderboard, runs, Path("out/site"))` -> out/site/index.html.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from thaibench.leaderboards.markdown import lineage_text
from thaibench.leaderboards.runs import RunData
from thaibench.leaderboards.site.examples import examples_for
from thaibench.leaderboards.stats import pareto_front

ASSETS = Path(__file__).parent / "assets"
ASSET_FILES = ("style.css", "dom.js", "plot.js", "app.js", "candidate.js")


def script_json(obj: Any) -> str:
    """JSON safe inside <script type="application/json">: nothing in it can end the element."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def page_name(candidate_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", candidate_id)[:80] + ".html"


def _fill(template: str, title: str, data: Any) -> str:
    return template.replace("{{TITLE}}", html.escape(title)).replace("{{DATA}}", script_json(data))


def _axis_value(row: dict[str, Any], key: str | None) -> float | None:
    if key is None:
        return None
    cell = row["aggregates"].get(key) or row["cells"].get(key)
    if not cell or cell.get("missing") or cell.get("value") is None:
        return None
    return float(cell["value"])


def _label(lb: dict[str, Any], key: str | None) -> str:
    if key is None:
        return "?"
    if key in lb["aggregates"]:
        return lb["aggregates"][key]["label"]
    return next((c["label"] for c in lb["columns"] if c["key"] == key), key)


def _lineage(lin: dict[str, Any], pages: dict[str, str], prefix: str) -> dict[str, Any]:
    return {**lin, "text": lineage_text(lin),
            "parents": [{**p, "page": (prefix + pages[p["id"]]) if p.get("id") in pages else None}
                        for p in lin.get("parents") or []]}


def index_data(lb: dict[str, Any]) -> dict[str, Any]:
    board = lb["board"]
    pages = {r["candidate"]["id"]: page_name(r["candidate"]["id"]) for r in lb["rows"]}
    shown = [c for c in lb["columns"] if c["present_for"] > 0]
    notes = {c["key"]: c.get("note", "") for c in board["columns"]}
    order = [board["rank_by"]] + [a for a in lb["aggregates"] if a != board["rank_by"]]
    labels = {c["key"]: c["label"] for c in lb["columns"]}
    rows = []
    for r in lb["rows"]:
        cid = r["candidate"]["id"]
        rows.append({"rank": r["rank"], "rank_range": r["rank_range"], "tied": bool(r["tied_with_top"]),
                     "p_vs_top": r["p_vs_top"], "id": cid, "label": r["candidate"]["label"],
                     "name": r["candidate"].get("name"), "page": "candidates/" + pages[cid],
                     "lineage": _lineage(r["lineage"], pages, "candidates/"), "backends": r["backends"],
                     "cells": {c["key"]: r["cells"][c["key"]] for c in shown}, "aggregates": r["aggregates"]})
    return {
        "board": board, "split": lb["split"], "bootstrap": lb["bootstrap"], "created": lb["created"],
        "thaibench_version": lb["thaibench_version"],
        "columns": [{**c, "note": notes.get(c["key"], ""),
                     "source": ", ".join(f"{t}/{s}" for t, s in c["scorers"].items())} for c in shown],
        "not_run": [c["label"] for c in lb["columns"] if c["present_for"] == 0],
        "aggregates": [{"name": n, "label": lb["aggregates"][n]["label"],
                        "note": next((a["note"] for a in board["aggregates"] if a["name"] == n), ""),
                        "left_out": [f"{labels[k]} ({lb['aggregates'][n].get('left_out_why', {}).get(k, '')})"
                                     for k in lb["aggregates"][n]["left_out"]]} for n in order],
        "rows": rows,
        "mixed": [m["message"] for m in lb.get("mixed", [])],
        "notes": lb.get("notes", []),
        "plots": {"tradeoff": tradeoff_plot(lb, rows), "sweeps": sweep_plot(lb, rows)},
    }


def tradeoff_plot(lb: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Reasoning score (y) against Thai language accuracy (x), the Pareto front flagged."""
    board = lb["board"]
    xk, yk = board.get("lang_axis"), board.get("score_axis")
    pts = []
    for r, full in zip(rows, lb["rows"], strict=True):
        x, y = _axis_value(full, xk), _axis_value(full, yk)
        if x is not None and y is not None:
            pts.append({"x": x, "y": y, "label": r["label"], "href": r["page"], "id": r["id"]})
    for i in pareto_front([p["x"] for p in pts], [p["y"] for p in pts]):
        pts[i]["front"] = True
    return {"x_label": _label(lb, xk), "y_label": _label(lb, yk), "points": pts}


def sweep_plot(lb: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Ranking aggregate against the merge ratio, one line per sweep; parents as reference lines."""
    key = lb["board"]["rank_by"]
    by_id = {r["id"]: (r, full) for r, full in zip(rows, lb["rows"], strict=True)}
    series: dict[str, dict[str, Any]] = {}
    refs: dict[str, dict[str, Any]] = {}
    for r, full in by_id.values():
        lin = r["lineage"]
        agg = full["aggregates"].get(key) or {}
        if lin.get("sweep") is None or lin.get("ratio") is None or agg.get("value") is None:
            continue
        name = lin["text"].split(";")[0] + (f"; {lin['schedule']}" if lin.get("schedule") else "")
        s = series.setdefault(lin["sweep"], {"name": name, "points": []})
        s["points"].append({"x": lin["ratio"], "y": agg["value"], "lo": agg.get("ci_low"), "hi": agg.get("ci_high"),
                            "label": r["label"], "href": r["page"]})
        for p in lin.get("parents") or []:
            if p.get("id") in by_id:
                pv = by_id[p["id"]][1]["aggregates"].get(key) or {}
                if pv.get("value") is not None:
                    refs[p["id"]] = {"y": pv["value"], "label": f"parent {by_id[p['id']][0]['label']}"}
    return {"y_label": _label(lb, key), "series": list(series.values()), "refs": list(refs.values())}


def candidate_data(lb: dict[str, Any], row: dict[str, Any], run_list: Sequence[RunData],
                   examples_per_run: int) -> dict[str, Any]:
    pages = {r["candidate"]["id"]: page_name(r["candidate"]["id"]) for r in lb["rows"]}
    cols = {c["key"]: c for c in lb["board"]["columns"]}
    cand = row["candidate"]
    examples = []
    for run in sorted(run_list, key=lambda r: r.task):
        examples += examples_for(run, lb["split"], examples_per_run)
    return {
        "id": cand["id"], "label": cand["label"], "name": cand.get("name"), "path": cand.get("path"),
        "digest": cand.get("digest"), "kind": cand.get("kind"), "rank": row["rank"],
        "tied": bool(row["tied_with_top"]), "backends": row["backends"],
        "lineage": _lineage(row["lineage"], pages, ""),
        "aggregates": [{"label": a["label"], "cell": row["aggregates"][n], "note": ""}
                       for n, a in lb["aggregates"].items()],
        "cells": [{"label": c["label"], "cell": row["cells"][c["key"]], "note": cols[c["key"]].get("note", "")}
                  for c in lb["columns"] if c["present_for"] > 0],
        "tasks": row["tasks"], "examples": examples,
    }


def build_site(lb: dict[str, Any], runs: Sequence[RunData], out: Path, examples_per_run: int = 3) -> Path:
    out = Path(out)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / "candidates").mkdir(exist_ok=True)
    for name in ASSET_FILES:
        shutil.copyfile(ASSETS / name, out / "assets" / name)
    title = lb["board"]["title"] + " leaderboard"
    (out / "index.html").write_text(_fill((ASSETS / "index.html").read_text(encoding="utf-8"), title,
                                          index_data(lb)), encoding="utf-8")
    template = (ASSETS / "candidate.html").read_text(encoding="utf-8")
    by_cand: dict[str, list[RunData]] = {}
    for r in runs:
        by_cand.setdefault(r.candidate_id, []).append(r)
    for row in lb["rows"]:
        cid = row["candidate"]["id"]
        data = candidate_data(lb, row, by_cand.get(cid, []), examples_per_run)
        (out / "candidates" / page_name(cid)).write_text(_fill(template, row["candidate"]["label"], data),
                                                         encoding="utf-8")
    return out / "index.html"
