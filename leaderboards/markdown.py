"""leaderboard.md: the ranking as a markdown table, from leaderboard.json only.

One row per candidate: rank (`≈` marks rows statistically tied with the top: the 95% interval of
the difference from the top reaches 0), the ranking aggregate with its interval, every column
that at least one candidate has (value and 95% interval; `missing` where a candidate has no run,
never 0), the lineage and the backend. Columns nobody ran are listed under the table, as are
the columns left out of the average and every mixed-settings flag.

Example row:
    | 1 ≈ | merge-r0.5 | 61.3 (58.0–64.4) | 63.1 (57.9–68.2) | ... | linear of a, b; t=0.5 | hf |
"""

from __future__ import annotations

from typing import Any


def _esc(text: Any) -> str:
    """Names come from users: keep them from breaking the table or adding markup."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "<>[]`*_":
        s = s.replace(ch, "\\" + ch)
    return s


def _num(v: Any) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def fmt_cell(cell: dict[str, Any]) -> str:
    if cell.get("missing"):
        return "missing"
    if cell.get("value") is None:
        return "n/a"
    lo, hi = cell.get("ci_low"), cell.get("ci_high")
    ci = f" ({_num(lo)}–{_num(hi)})" if lo is not None and hi is not None else ""
    return f"{_num(cell['value'])}{ci}"


def lineage_text(lin: dict[str, Any]) -> str:
    gen = lin.get("generator") or "checkpoint"
    parents = [p.get("name") or p.get("id") for p in lin.get("parents") or []]
    parts = [gen + (" of " + ", ".join(str(p) for p in parents) if parents else "")]
    if lin.get("ratio") is not None:
        parts.append(f"{lin.get('ratio_key') or 'ratio'}={lin['ratio']:g}")
    if lin.get("schedule"):
        parts.append(f"schedule {lin['schedule']}")
    return "; ".join(parts)


def render(lb: dict[str, Any]) -> str:
    board = lb["board"]
    rank_by = board["rank_by"]
    aggs = lb["aggregates"]
    shown = [c for c in lb["columns"] if c["present_for"] > 0]
    extra_aggs = [n for n in aggs if n != rank_by]
    out = [f"# {_esc(board['title'])}", "", _esc(board["description"]), "",
           f"Split: **{lb['split']}**. Intervals: 95% paired cluster bootstrap ({lb['bootstrap']['resamples']} "
           f"resamples, clusters = pair_id) over the samples every candidate shares. `≈`: statistically tied "
           f"with the top. Ranked by **{_esc(aggs[rank_by]['label'])}**.", ""]
    for m in lb.get("mixed", []):
        out.append(f"> **MIXED SETTINGS (ranked anyway with --allow-mixed):** {_esc(m['message'])}")
    if lb.get("mixed"):
        out.append("")
    head = ["rank", "candidate", aggs[rank_by]["label"]] + [aggs[n]["label"] for n in extra_aggs] + \
        [c["label"] for c in shown] + ["lineage", "backend"]
    out.append("| " + " | ".join(_esc(h) for h in head) + " |")
    out.append("|" + "|".join(["---:", "---"] + ["---:"] * (len(head) - 4) + ["---", "---"]) + "|")
    for row in lb["rows"]:
        rank = "–" if row["rank"] is None else str(row["rank"]) + (" ≈" if row["tied_with_top"] else "")
        cells = [rank, _esc(row["candidate"]["label"]), fmt_cell(row["aggregates"][rank_by])]
        cells += [fmt_cell(row["aggregates"][n]) for n in extra_aggs]
        cells += [fmt_cell(row["cells"][c["key"]]) for c in shown]
        cells += [_esc(lineage_text(row["lineage"])), _esc(", ".join(row["backends"]))]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("## Columns")
    out.append("")
    cols = {c["key"]: c for c in board["columns"]}
    for c in shown:
        spec = cols[c["key"]]
        src = ", ".join(f"{t}/{s} ({c['reducers'].get(t)})" for t, s in c["scorers"].items())
        note = f"; {spec['note']}" if spec.get("note") else ""
        judged = f"; judged by {', '.join(c['judges'])}" if c.get("judges") else ""
        out.append(f"- **{_esc(c['label'])}**: {_esc(src)}; {c['n_shared']} shared samples in "
                   f"{c['n_clusters']} clusters; {c['ci_method']}{_esc(judged)}{_esc(note)}")
    missing = [c for c in lb["columns"] if c["present_for"] == 0]
    if missing:
        out.append(f"- Not run by any candidate (shown as missing, never 0): "
                   f"{', '.join(_esc(c['label']) for c in missing)}")
    labels = {c["key"]: c["label"] for c in lb["columns"]}
    for a in aggs.values():
        if a["left_out"]:
            why = a.get("left_out_why", {})
            out.append(f"- {_esc(a['label'])} leaves out: " + ", ".join(
                f"{_esc(labels[k])} ({why.get(k, 'not every candidate has it')})" for k in a["left_out"]))
    if lb.get("notes"):
        out += ["", "## Notes", ""] + [f"- {_esc(n)}" for n in lb["notes"]]
    return "\n".join(out) + "\n"
