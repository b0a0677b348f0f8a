"""The `typhoon_r1` board: the columns of the Typhoon2-R1 paper's results tables, exactly.

Source: Pipatanakul et al., "Adapting Language-Specific LLMs to a Reasoning Model in One Day
via Model Merging - An Open Recipe" (arXiv:2502.09056, 2025). Its tables report, per model:
IFEval EN, IFEval TH, MT-Bench EN, MT-Bench TH, language accuracy, think accuracy, AIME,
MATH-500, LiveCodeBench EN, LiveCodeBench TH, and their average, in which MT-Bench (a 1-10
rating) counts x10. This board defines those ten columns so that a row here lines up with a
row there; where the paper leaves a choice open, the column's note says what it uses.

- IFEval EN/TH: task `ifeval`, the IFEval number its task names as headline (default: the mean
  of prompt- and instruction-level, strict and loose accuracy); the leaderboard prints which
  scorer/metric it read.
- MT-Bench EN/TH: task `mt_bench`, mean judge rating 1-10 (x10 in the average). thaibench's
  Thai questions are the M2Lingual translation; the paper used a different, hub-only Thai set
  (ThaiLLM-Leaderboard/mt-bench-thai), so the Thai column is comparable in kind, not in value.
  The judge is shown beside the columns and must agree across rows.
- Lang: Thai prompts of task `language_accuracy`, scored by the public Thai code-switching check
  behind the paper's column (scorer `skythought_lang`, also accepted as `lang_public_check`; it
  passes an empty answer). `Lang (strict)`
  beside it uses the project's own rule `answer_lang_ok` and is not in the average.
- Think: over the same Thai prompts of `language_accuracy`, the share of responses that
  contain a reasoning trace (`think_present`).
- AIME: `aime2024`, English; MATH-500: `math500`, English (the paper's versions).
- LiveCodeBench EN/TH: task `livecodebench`, pass@1 (its headline `lcb_pass` / `pass_at_k`).

Quirk: a task that no run has (for instance MT-Bench before a judge is available) is shown as
missing and left out of the average, with the columns the average did use listed; it is never
counted as zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from thaibench.leaderboards.board import Aggregate, Board, Column, register_board

LANG_SET = "language_accuracy"
# The public Thai code-switching check, registered as `skythought_lang` (after its origin);
# `lang_public_check` is the name the core's default language scorers look for.
PUBLIC_RULE = ("skythought_lang", "lang_public_check")

COLUMNS = (
    Column("ifeval_en", "IFEval EN", ("ifeval",), ("en",), group="instruction",
           note="the IFEval headline of task ifeval (default: mean of the four accuracies)"),
    Column("ifeval_th", "IFEval TH", ("ifeval",), ("th",), group="instruction",
           note="the IFEval headline of task ifeval on IFEval-TH"),
    Column("mtbench_en", "MT-Bench EN", ("mt_bench",), ("en",), group="chat", average_scale=10.0,
           chance=1.0, top=10.0, note="mean judge rating 1-10; x10 in the average"),
    Column("mtbench_th", "MT-Bench TH", ("mt_bench",), ("th",), group="chat", average_scale=10.0,
           chance=1.0, top=10.0, note="mean judge rating 1-10; x10 in the average; thaibench's Thai set is "
                                      "M2Lingual's, the paper's was ThaiLLM-Leaderboard/mt-bench-thai"),
    Column("lang", "Lang", (LANG_SET,), ("th",), scorer=PUBLIC_RULE, group="language",
           note="Thai prompts of language_accuracy; the public Thai check behind the paper's column "
                "(skythought_lang; passes empty answers)"),
    Column("think", "Think", (LANG_SET,), ("th",), scorer="think_present", group="language",
           note="share of responses with a reasoning trace, over the Thai prompts of language_accuracy"),
    Column("aime", "AIME", ("aime2024",), ("en",), note="AIME 2024, English"),
    Column("math500", "MATH-500", ("math500",), ("en",), note="MATH-500, English"),
    Column("lcb_en", "LiveCodeBench EN", ("livecodebench",), ("en",), note="pass@1"),
    Column("lcb_th", "LiveCodeBench TH", ("livecodebench",), ("th",), note="pass@1"),
    Column("lang_strict", "Lang (strict)", (LANG_SET,), ("th",), scorer="answer_lang_ok", group="language",
           in_average=False, note="not in the paper: the project's rule answer_lang_ok on the same prompts"),
)

PAPER_COLUMNS = tuple(c.key for c in COLUMNS if c.in_average)


@register_board("typhoon_r1")
def typhoon_r1(tasks_seen: Mapping[str, Sequence[str]]) -> Board:
    return Board(
        name="typhoon_r1",
        title="Typhoon2-R1 paper columns",
        description="The ten columns of the Typhoon2-R1 paper (arXiv:2502.09056) and their average, "
                    "MT-Bench x10.",
        columns=COLUMNS,
        aggregates=(
            Aggregate("average", "Average", "mean", keys=PAPER_COLUMNS,
                      note="the paper's average: mean of the ten columns, MT-Bench x10"),
            Aggregate("chance_centred", "Chance-centred", "chance_centred", keys=PAPER_COLUMNS,
                      note="each column rescaled so chance = 0 and a perfect score = 100"),
            Aggregate("reasoning", "Reasoning", "mean", keys=("aime", "math500", "lcb_en", "lcb_th"),
                      note="AIME, MATH-500 and LiveCodeBench EN/TH"),
        ),
        rank_by="average",
        score_axis="reasoning",
        lang_axis="lang",
        notes=("AIME and MATH-500 are the English sets, as in the paper.",),
    )
