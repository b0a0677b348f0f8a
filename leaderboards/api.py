"""pandas views of results and boards, for notebooks.

    from thaibench.leaderboards.api import load_results, load_board, load_samples
    df = load_results(["thaibench-out"])        # candidate x task x language x metric
    df[(df.metric == "math_equiv") & (df.group == "th")].sort_values("value")
    lb = load_board("leaderboard/leaderboard.json")   # candidate x board column (and aggregates)
    lb.pivot(index="candidate", columns="column", values="value")

Every frame carries the lineage columns (generator, parents, ratio, schedule, sweep) so that a
sweep can be plotted against its ratio in one line. pandas is optional for thaibench: it is
imported inside these functions (it is in the `dev` extra; `pip install pandas` otherwise).
Values are as in the files: fractions stay fractions in `load_results`/`load_samples`
(`unit` says so), while `load_board` holds the board's display points (percentages, ratings).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from thaibench.errors import UserError
from thaibench.leaderboards.compare import candidate_label
from thaibench.leaderboards.runs import RunData, lineage_of, load_runs
from thaibench.records import read_json


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise UserError("the pandas API needs pandas: pip install pandas") from None
    return pd


def _lineage_cols(lin: dict[str, Any]) -> dict[str, Any]:
    return {"generator": lin.get("generator"), "parents": ",".join(str(p.get("id")) for p in lin.get("parents") or []),
            "parent_names": ",".join(str(p.get("name")) for p in lin.get("parents") or []),
            "ratio": lin.get("ratio"), "schedule": lin.get("schedule"), "sweep": lin.get("sweep")}


def _run_cols(r: RunData) -> dict[str, Any]:
    cand = r.candidate
    return {"candidate_id": r.candidate_id, "candidate": candidate_label(cand), "candidate_kind": cand.get("kind"),
            "task": r.task, "task_version": r.task_version, "run_id": r.results.get("run_id"),
            "run_dir": str(r.dir), "backend": r.backend.get("name"), "complete": r.results.get("complete"),
            **_lineage_cols(lineage_of(cand))}


def load_results(paths: Iterable[str | Path]) -> Any:
    """One row per candidate x task x language group x metric, from results.json files."""
    pd = _pandas()
    rows = []
    for r in load_runs(list(paths)):
        base = _run_cols(r)
        head = r.headline[0] if r.headline else None
        for m in r.results.get("metrics", []):
            rows.append({**base, "group": m["group"], "metric": m["name"], "value": m.get("value"),
                         "stderr": m.get("stderr"), "n": m.get("n"), "n_nan": m.get("n_nan"),
                         "unit": m.get("unit"), "kind": m.get("kind"), "headline": m["name"] == head})
    df = pd.DataFrame(rows)
    return df.astype({"value": float, "stderr": float}) if len(df) else df


def load_samples(paths: Iterable[str | Path]) -> Any:
    """One row per candidate x task x sample x epoch x scorer, from scores.jsonl (NaN = unscorable)."""
    pd = _pandas()
    rows = []
    for r in load_runs(list(paths)):
        base = {k: v for k, v in _run_cols(r).items() if k in ("candidate_id", "candidate", "task", "run_id")}
        for scorer, per in r.scores.items():
            for (sid, ep), s in per.items():
                rows.append({**base, "sample_id": sid, "epoch": ep, "lang": s.lang, "pair_id": s.pair_id,
                             "split": s.split, "scorer": scorer, "scorer_version": s.version, "value": s.value})
    return pd.DataFrame(rows)


def load_board(path: str | Path) -> Any:
    """One row per candidate x board column (and x aggregate, `is_aggregate`), from
    leaderboard.json (or the folder holding it); missing cells have `missing` True and NaN."""
    pd = _pandas()
    p = Path(path)
    lb = read_json(p / "leaderboard.json" if p.is_dir() else p)
    if lb.get("kind") != "thaibench.leaderboard":
        raise UserError(f"{path} is not a thaibench leaderboard.json")
    labels = {c["key"]: c["label"] for c in lb["columns"]}
    agg_labels = {k: a["label"] for k, a in lb["aggregates"].items()}
    rows = []
    for r in lb["rows"]:
        base = {"board": lb["board"]["name"], "split": lb["split"], "candidate_id": r["candidate"]["id"],
                "candidate": r["candidate"]["label"], "rank": r["rank"], "tied_with_top": r["tied_with_top"],
                "backends": ",".join(r["backends"]), **_lineage_cols(r["lineage"])}
        cells = [(k, labels[k], c, False) for k, c in r["cells"].items()]
        cells += [(k, agg_labels[k], c, True) for k, c in r["aggregates"].items()]
        for key, label, c, is_agg in cells:
            missing = bool(c.get("missing")) or c.get("value") is None
            rows.append({**base, "column": key, "label": label, "is_aggregate": is_agg, "missing": missing,
                         "value": None if missing else c.get("value"), "ci_low": c.get("ci_low"),
                         "ci_high": c.get("ci_high"), "n": c.get("n"), "unit": c.get("unit")})
    df = pd.DataFrame(rows)
    return df.astype({"value": float, "ci_low": float, "ci_high": float}) if len(df) else df
