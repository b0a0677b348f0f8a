"""IFEval checkers that read words: keywords, letters, case, language, length, first words,
postscripts and end phrases.

English rows reproduce the reference rules (see thaibench.ifeval.english); Thai rows count with
thaibench.ifeval.thai. Where the reference has a bug the `corrected` variant fixes it:
- keywords are regular expressions matched anywhere in the reference ("war" is found in
  "software", and a keyword like "*draft*" does not even compile); `corrected` matches the literal
  keyword as a whole word;
- a response in which langdetect finds no language (digits only, say) passes "answer in
  Hindi" and "all capitals in English" in the reference; `corrected` fails it;
- the n-th paragraph is looked up in the list that still holds empty paragraphs, so
  "a\\n\\n\\n\\nb" has 2 paragraphs whose second is ""; `corrected` skips empty ones;
- the postscript marker may sit anywhere in a line, and a custom marker is a regex (its dots
  match any character); `corrected` wants the literal marker at the start of a line.

Example: `keywords:frequency` {"keyword": "war", "frequency": 2, "relation": "at least"} on
"war and software" is True in the reference and False when corrected.
"""

from __future__ import annotations

import collections
import re

from thaibench.ifeval import english, thai
from thaibench.ifeval.registry import (
    Args,
    Context,
    InstructionArgsError,
    compare,
    instruction,
    integer,
    relation,
    text_arg,
    words_arg,
)
from thaibench.ifeval.script import LANGUAGE_SCRIPT, MIN_SHARE, script_share


def _pattern(keyword: str, ctx: Context) -> re.Pattern[str]:
    """The reference uses the keyword itself as a regex; `corrected` matches it as a word."""
    source = rf"(?<!\w){re.escape(keyword)}(?!\w)" if ctx.corrected else keyword
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise InstructionArgsError(f"keyword {keyword!r} is not a valid regular expression: {exc}") from exc


def _occurrences(value: str, keyword: str, ctx: Context) -> int:
    if ctx.thai:
        return thai.count_keyword(value, keyword)
    return len(_pattern(keyword, ctx).findall(value))


@instruction("keywords:existence", "keywords")
def existence(value: str, args: Args, ctx: Context) -> bool:
    return all(_occurrences(value, kw, ctx) > 0 for kw in words_arg(args, "keywords"))


@instruction("keywords:frequency", "keyword", "frequency", "relation")
def frequency(value: str, args: Args, ctx: Context) -> bool:
    n = _occurrences(value, text_arg(args, "keyword").strip(), ctx)
    return compare(n, integer(args, "frequency"), relation(args, "relation"))


@instruction("keywords:forbidden_words", "forbidden_words")
def forbidden_words(value: str, args: Args, ctx: Context) -> bool:
    for word in sorted(set(words_arg(args, "forbidden_words"))):
        if ctx.thai:
            found = thai.count_keyword(value, word) > 0
        else:  # the reference wraps the word in \b...\b; `corrected` also escapes it
            source = r"\b" + (re.escape(word) if ctx.corrected else word) + r"\b"
            found = re.search(source, value, flags=re.IGNORECASE) is not None
        if found:
            return False
    return True


@instruction("keywords:letter_frequency", "letter", "let_frequency", "let_relation")
def letter_frequency(value: str, args: Args, ctx: Context) -> bool:
    """Counts the character case-insensitively. The reference replaces a "letter" that is not
    a-z (IFEval has "#" and "!") with a random letter, so its verdict there is random; here the
    character asked for is counted, in both variants."""
    letter = text_arg(args, "letter")
    if len(letter) != 1:
        raise InstructionArgsError(f"letter must be one character, got {letter!r}")
    n = collections.Counter(value.lower())[letter.lower()]
    return compare(n, integer(args, "let_frequency"), relation(args, "let_relation"))


@instruction("change_case:capital_word_frequency", "capital_frequency", "capital_relation")
def capital_word_frequency(value: str, args: Args, ctx: Context) -> bool:
    """Words in capitals (str.isupper: at least one cased letter, none lower case). Thai has no
    case, so Thai words never count; in Thai rows words come from newmm, not NLTK."""
    n = thai.capital_words(value) if ctx.thai else sum(1 for w in english.word_tokenize(value) if w.isupper())
    return compare(n, integer(args, "capital_frequency"), relation(args, "capital_relation"))


def _is_language(value: str, code: str, ctx: Context) -> bool:
    found = english.detect_language(value)
    if found is None:  # no letters to judge: the reference counts that as followed
        return not (ctx.corrected or ctx.thai)
    return found == code


@instruction("change_case:english_capital")
def english_capital(value: str, args: Args, ctx: Context) -> bool:
    return value.isupper() and _is_language(value, "en", ctx)


@instruction("change_case:english_lowercase")
def english_lowercase(value: str, args: Args, ctx: Context) -> bool:
    return value.islower() and _is_language(value, "en", ctx)


@instruction("language:response_language", "language")
def response_language(value: str, args: Args, ctx: Context) -> bool:
    """English rows: seeded langdetect names the language. Thai rows: that, and at least 90% of
    the letters are in the language's script (no Thai, or other, leakage)."""
    code = text_arg(args, "language")
    if not _is_language(value, code, ctx):
        return False
    if not ctx.thai:
        return True
    script = LANGUAGE_SCRIPT.get(code)
    if script is None:
        raise InstructionArgsError(f"no script known for language {code!r}")
    share = script_share(value, script)
    return share is not None and share >= MIN_SHARE


@instruction("length_constraints:number_sentences", "num_sentences", "relation")
def number_sentences(value: str, args: Args, ctx: Context) -> bool:
    n = thai.count_sentences(value) if ctx.thai else english.count_sentences(value)
    return compare(n, integer(args, "num_sentences"), relation(args, "relation"))


@instruction("length_constraints:number_words", "num_words", "relation")
def number_words(value: str, args: Args, ctx: Context) -> bool:
    n = thai.count_words(value) if ctx.thai else english.count_words(value)
    return compare(n, integer(args, "num_words"), relation(args, "relation"))


_FIRST_WORD_STOP = set(".,?!'\"")


def _reference_first_word(paragraph: str) -> str:
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    out = []
    for ch in word:
        if ch in _FIRST_WORD_STOP:
            break
        out.append(ch.lower())
    return "".join(out)


@instruction("length_constraints:nth_paragraph_first_word", "num_paragraphs", "nth_paragraph", "first_word")
def nth_paragraph_first_word(value: str, args: Args, ctx: Context) -> bool:
    """Exactly N paragraphs split by a blank line, and paragraph n opens with the word."""
    want_n, nth = integer(args, "num_paragraphs", 1), integer(args, "nth_paragraph", 1)
    if nth > want_n:
        raise InstructionArgsError(f"nth_paragraph {nth} is beyond num_paragraphs {want_n}")
    word = text_arg(args, "first_word").lower()
    paragraphs = re.split(r"\n\n", value)
    nonempty = [p for p in paragraphs if p.strip()]
    if nth > len(nonempty):
        return False
    paragraph = (nonempty if ctx.corrected else paragraphs)[nth - 1].strip()
    if not paragraph:
        return False
    if len(nonempty) != want_n:
        return False
    return thai.starts_with_word(paragraph, word) if ctx.thai else _reference_first_word(paragraph) == word


def _marker_regex(marker: str) -> str:
    """Literal marker, a space allowed after each dot ("P. S.", "ป. ล.")."""
    return "".join(re.escape(ch) + (r"\s?" if ch == "." else "") for ch in marker).removesuffix(r"\s?")


@instruction("detectable_content:postscript", "postscript_marker")
def postscript(value: str, args: Args, ctx: Context) -> bool:
    marker = text_arg(args, "postscript_marker").strip()
    if ctx.thai:
        value = thai.normalize(value)
        marker = thai.normalize(marker)
    value = value.lower()
    if ctx.corrected or ctx.thai:  # at a line start, after optional markup (**ป.ล.**)
        pattern = r"^[ \t*_>#]*" + _marker_regex(marker.lower())
    elif marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + marker.lower() + r".*$"
    try:
        return bool(re.findall(pattern, value, flags=re.MULTILINE))
    except re.error as exc:
        raise InstructionArgsError(f"postscript marker {marker!r} is not a valid regex: {exc}") from exc


@instruction("startend:end_checker", "end_phrase")
def end_checker(value: str, args: Args, ctx: Context) -> bool:
    """Ends with the exact phrase (case aside), trailing spaces and closing quotes ignored.
    Thai rows normalise first (sara am forms, zero-width spaces) and also drop “”."""
    phrase = text_arg(args, "end_phrase").strip()
    if ctx.thai:
        value = thai.normalize(value).strip().strip('"\u201c\u201d').strip()
        phrase = thai.normalize(phrase)
    else:
        value = value.strip().strip('"')
    return value.lower().endswith(phrase.lower())
