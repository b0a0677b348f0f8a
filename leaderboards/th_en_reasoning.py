"""The `th_en_reasoning` board: every task that exists, in Thai and English, with the gap.

Columns follow the tasks: one column per task and language (the task's headline scorer:
math_equiv for the math sets, pass@1 for code, the IFEval number, the MT-Bench rating), for
every task registered in `thaibench.tasks` and every other task found in the runs, so a new
task shows up here without editing this file; a task nobody ran is a missing column. Math first, then code,
instruction following, chat, the rest, and language accuracy last.

Beside them, two language columns pooled over every task of the runs: `Lang TH`, the share of
Thai samples answered in Thai (`answer_lang_ok`, the project's rule), and `Think`, the share of
responses with a reasoning trace (`think_present`); these are shown, not averaged.

Aggregates: the average of the task columns in points (1-10 ratings x10), the chance-centred
mean, and Thai, English and TH - EN over the tasks that have both languages (so the gap
compares like with like). Ranked on the `report` split by default.

Example: `thaibench board build thaibench-out --board th_en_reasoning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from thaibench.leaderboards.board import (
    ANY_TASK,
    STANDARD_AGGREGATES,
    Aggregate,
    Board,
    Column,
    register_board,
)

GROUPS = {"ifeval": "instruction", "mt_bench": "chat", "language_accuracy": "language"}
FAMILY_ORDER = ("math", "code", "instruction", "chat")
LABELS = {"mgsm": "MGSM", "math500": "MATH-500", "aime2024": "AIME 2024", "aime2025": "AIME 2025",
          "ifeval": "IFEval", "mt_bench": "MT-Bench", "livecodebench": "LiveCodeBench",
          "humaneval": "HumanEval", "language_accuracy": "Language accuracy"}
SCORE_TASKS = {"mt_bench"}


def _registered() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """{task: (langs, suites)} of the registered tasks (cheap: no data is read)."""
    from thaibench.task import TASKS

    return {n: (TASKS.get(n).langs, TASKS.get(n).suites) for n in TASKS.names()}


def _family(task: str, suites: Sequence[str]) -> tuple[int, str]:
    group = GROUPS.get(task)
    if group == "language":
        return (len(FAMILY_ORDER) + 1, task)
    for i, fam in enumerate(FAMILY_ORDER):
        if fam in suites or group == fam:
            return (i, task)
    return (len(FAMILY_ORDER), task)


def task_columns(tasks_seen: Mapping[str, Sequence[str]]) -> list[Column]:
    """Every registered task (a task nobody ran is a missing column) and every task seen."""
    reg = _registered()
    all_langs: dict[str, set[str]] = {t: set(langs) for t, (langs, _) in reg.items()}
    for t, langs in tasks_seen.items():
        all_langs.setdefault(t, set()).update(langs)
    cols = []
    for task in sorted(all_langs, key=lambda t: _family(t, reg.get(t, ((), ()))[1])):
        langs = [lang for lang in ("th", "en") if lang in all_langs[task]]
        langs += sorted(lang for lang in all_langs[task] if lang not in ("th", "en"))
        group = GROUPS.get(task, "reasoning")
        for lang in langs:
            score = task in SCORE_TASKS
            cols.append(Column(f"{task}_{lang}", f"{LABELS.get(task, task)} {lang.upper()}", (task,), (lang,),
                               group=group, in_average=group != "language",
                               average_scale=10.0 if score else None,
                               chance=1.0 if score else None, top=10.0 if score else None))
    return cols


@register_board("th_en_reasoning")
def th_en_reasoning(tasks_seen: Mapping[str, Sequence[str]]) -> Board:
    cols = task_columns(tasks_seen)
    both = {c.tasks[0] for c in cols if c.langs == ("th",)} & {c.tasks[0] for c in cols if c.langs == ("en",)}
    th_keys = tuple(c.key for c in cols if c.in_average and c.tasks[0] in both and c.langs == ("th",))
    en_keys = tuple(c.key for c in cols if c.in_average and c.tasks[0] in both and c.langs == ("en",))
    cols += [
        Column("lang_th", "Lang TH", (ANY_TASK,), ("th",), scorer="answer_lang_ok", group="language",
               in_average=False, note="Thai samples of every task answered in Thai (answer_lang_ok)"),
        Column("think", "Think", (ANY_TASK,), None, scorer="think_present", group="language",
               in_average=False, note="responses with a reasoning trace, every task and language"),
    ]
    return Board(
        name="th_en_reasoning",
        title="Thai/English reasoning",
        description="Every task in Thai and English: headline scores with 95% paired-bootstrap "
                    "intervals, the Thai-English gap, language accuracy and the think rate.",
        columns=tuple(cols),
        aggregates=STANDARD_AGGREGATES + (
            Aggregate("th", "Thai", "mean", keys=th_keys, note="tasks with both languages, Thai side"),
            Aggregate("en", "English", "mean", keys=en_keys, note="tasks with both languages, English side"),
            Aggregate("gap", "TH - EN", "difference", operands=("th", "en")),
        ),
        rank_by="average",
        score_axis="average",
        lang_axis="lang_th",
    )
