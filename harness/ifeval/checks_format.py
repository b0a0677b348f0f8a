"""IFEval checkers for layout and markup: bullets, highlights, sections, paragraphs, JSON,
titles, quotation, commas, placeholders, two responses, repeating the prompt.

These rules read markup, not words, so English and Thai rows share them; the one Thai
difference is that typographic double quotes (“…”) also wrap a Thai answer. Each checker states
the reference rule it reproduces and, where one exists, the `corrected` variant's fix.

Example: `detectable_format:number_bullet_lists` with num_bullets=2 on "* a\\n* b" is True.
"""

from __future__ import annotations

import json
import re

from thaibench.ifeval.registry import Args, Context, instruction, integer, text_arg

CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@instruction("punctuation:no_comma")
def no_comma(value: str, args: Args, ctx: Context) -> bool:
    return "," not in value


@instruction("detectable_content:number_placeholders", "num_placeholders")
def placeholders(value: str, args: Args, ctx: Context) -> bool:
    # A placeholder is the shortest [...] on one line; "[]" counts, as in the reference.
    return len(re.findall(r"\[.*?\]", value)) >= integer(args, "num_placeholders")


_BULLET_STAR = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH = re.compile(r"^\s*-.*$", re.MULTILINE)
_BULLET_FIXED = re.compile(r"^[ \t]*[*+-][ \t]+\S", re.MULTILINE)


@instruction("detectable_format:number_bullet_lists", "num_bullets")
def bullet_lists(value: str, args: Args, ctx: Context) -> bool:
    """Exactly N bullets. Reference bug: a line opening with `*emphasis*` and a `---` rule count
    as bullets; `corrected` counts only `*`, `-` or `+` followed by a space."""
    if ctx.corrected:
        n = len(_BULLET_FIXED.findall(value))
    else:
        n = len(_BULLET_STAR.findall(value)) + len(_BULLET_DASH.findall(value))
    return n == integer(args, "num_bullets")


@instruction("detectable_format:constrained_response")
def constrained_response(value: str, args: Args, ctx: Context) -> bool:
    value = value.strip()
    return any(option in value for option in CONSTRAINED_OPTIONS)


@instruction("detectable_format:number_highlighted_sections", "num_highlights")
def highlighted_sections(value: str, args: Args, ctx: Context) -> bool:
    """At least N non-empty *single* or **double** highlights on one line each."""
    singles = re.findall(r"\*[^\n\*]*\*", value)
    doubles = re.findall(r"\*\*[^\n\*]*\*\*", value)
    n = sum(1 for h in singles if h.strip("*").strip())
    n += sum(1 for h in doubles if h[2:-2].strip())
    return n >= integer(args, "num_highlights")


@instruction("detectable_format:multiple_sections", "section_spliter", "num_sections")
def multiple_sections(value: str, args: Args, ctx: Context) -> bool:
    """At least N "<splitter> <number>" marks (case as given; the splitter is a regex there)."""
    splitter = text_arg(args, "section_spliter").strip()
    if ctx.corrected:
        splitter = re.escape(splitter)
    sections = re.split(r"\s?" + splitter + r"\s?\d+\s?", value)
    return len(sections) - 1 >= integer(args, "num_sections")


@instruction("length_constraints:number_paragraphs", "num_paragraphs")
def number_paragraphs(value: str, args: Args, ctx: Context) -> bool:
    """Exactly N paragraphs separated by ***; an empty paragraph between two dividers fails."""
    parts = re.split(r"\s?\*\*\*\s?", value)
    n = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i in (0, len(parts) - 1):
                n -= 1
            else:
                return False
    return n == integer(args, "num_paragraphs")


@instruction("detectable_format:json_format")
def json_format(value: str, args: Args, ctx: Context) -> bool:
    """The whole answer parses as JSON, after removing the opening fences ```json, ```Json,
    ```JSON and ``` (each once, in that order, as the reference does) and one closing fence."""
    text = value.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        if text.startswith(fence):
            text = text[len(fence):]
    if text.endswith("```"):
        text = text[:-3]
    try:
        json.loads(text.strip())
    except ValueError:
        return False
    return True


@instruction("detectable_format:title")
def title(value: str, args: Args, ctx: Context) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", value))


@instruction("combination:two_responses")
def two_responses(value: str, args: Args, ctx: Context) -> bool:
    """Two different non-empty answers split by ******; an empty part between splits fails."""
    answers = []
    parts = value.split("******")
    for i, part in enumerate(parts):
        if part.strip():
            answers.append(part)
        elif i not in (0, len(parts) - 1):
            return False
    return len(answers) == 2 and answers[0].strip() != answers[1].strip()


@instruction("combination:repeat_prompt", "prompt_to_repeat")
def repeat_prompt(value: str, args: Args, ctx: Context) -> bool:
    want = text_arg(args, "prompt_to_repeat").strip().lower()
    return value.strip().lower().startswith(want)


@instruction("startend:quotation")
def quotation(value: str, args: Args, ctx: Context) -> bool:
    """Wrapped in double quotes; Thai rows also accept typographic quotes “…”."""
    value = value.strip()
    if len(value) <= 1:
        return False
    if value[0] == '"' and value[-1] == '"':
        return True
    return ctx.thai and value[0] == "\u201c" and value[-1] == "\u201d"
