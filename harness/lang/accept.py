"""Accepted English inside Thai: tell a borrowed term from a clause of English prose.

Thai writing borrows English freely: technical terms ("fine-tuning", "learning rate"),
acronyms (GDP, ROI), product and person names ("iPhone 15", "José Mourinho"), titles
("Harry Potter and the Deathly Hallows"), glosses in parentheses ("(the slope of the line)")
and quoted English ("Actions speak louder than words"). None of that is a code switch. A
clause of English prose is: "Let me analyze this problem step by step", "So the final answer
is 60", "we need to compute 5 factorial".

A phrase is a run of Latin words on one line not broken by sentence punctuation, quotes,
brackets or letters of another script (scripts.PHRASE_GAP). It is PROSE when it is not a title
(every content word capitalised) and any of these hold:
  1. it has a clause word (pronoun, auxiliary or modal verb, "let", demonstrative, wh-word,
     or, after the first word, an inflected verb of reasoning that is rarely part of a term:
     "equals", "means", "gives", "computed"; a discourse opener such as "so", "therefore", "wait", "okay" counts
     when it comes first) and at least two words: "This is straightforward", "Wait, let me
     double-check this", "total cost equals 500 baht";
  2. it has an article, a lowercase content word and at least three words:
     "Understand the problem";
  3. it has at least two prepositions/articles, two lowercase content words and five words:
     "GDP growth slowed to 1.9% in 2024";
  4. it has a preposition or article (not "and"/"or", which join terms), three lowercase
     content words and five words: "means gratitude toward one's parents".
  Rules 3 and 4 also need at most one capitalised word after the first: a run of names and
  labels ("baht At Front door 499 baht") is not a sentence.
Otherwise it is a TERM ("machine learning", "proof of concept", "work from home",
"sudo systemctl restart nginx"). Words in ALL CAPS are acronyms, never clause words
("IT", "US"). A phrase wholly inside quotes is QUOTED text and accepted at any length; a
phrase wholly inside parentheses without clause words is a GLOSS and accepted. A phrase made
only of one-letter words and math function names ("x", "sin", "log") is NEUTRAL (variables).

Known limits: a lowercase four-word term with an article ("state of the art" without hyphens)
reads as prose; a title-cased English sentence reads as a title; English headings of one or
two words ("Final Answer") are terms. Only English function words are listed, so a French or
Indonesian sentence in Latin letters reads as terms.
"""

from __future__ import annotations

# Clause words: their presence makes a phrase a clause rather than a name or a term.
CLAUSE_WORDS = frozenset(
    """i you we he she they it me us him them my our your his her its their mine ours yours
    is am are was were be been being do does did done have has had having will would can could
    should shall may might must let lets this that these those there here what which who whom
    whose when where why how not don doesn didn isn aren wasn weren won wouldn can't cannot
    couldn shouldn i'm i'll i've i'd we're we'll we've you're you'll it's that's there's here's
    let's what's""".split()
)
# Inflected verbs of reasoning that are rarely part of a term: clause words too, except that
# a parenthesised gloss may hold them ("(hierarchy of needs)" is why nouns are left out).
VERB_FORMS = frozenset(
    """equals means gives becomes became yields implies seems requires suggests indicates
    showed shown gets got gave knows thinks thought says said computed calculated simplified
    substituted multiplied divided subtracted solved obtained verified confirmed""".split()
)
# Discourse openers: a clause word only when they open the phrase ("So the answer is").
OPENERS = frozenset(
    """so then now first next finally therefore thus hence however wait okay alright hmm well
    actually also but because since note remember alternatively moreover furthermore
    additionally yes no sure anyway basically""".split()
)
ARTICLES = frozenset({"the", "a", "an"})
# Prepositions and conjunctions: frequent inside both prose and multi-word terms.
LINKS = frozenset(
    """of to in on at for with by from and or as into onto about than over under per via vs
    between through without within across after before during until upon among against around
    behind beyond toward towards like near off out up down""".split()
)
JOINERS = frozenset({"and", "or"})
MATH_WORDS = frozenset(
    "sin cos tan cot sec csc log ln exp lim max min mod gcd lcm det arg sup inf sinh cosh tanh".split()
)


TERM, PROSE, QUOTED, GLOSS, NEUTRAL = "term", "prose", "quoted", "gloss", "neutral"


_ROLE: dict[str, str] = {}
for _w in LINKS:
    _ROLE[_w] = "link"
for _w in ARTICLES:
    _ROLE[_w] = "article"
for _w in OPENERS:
    _ROLE[_w] = "opener"
for _w in VERB_FORMS:
    _ROLE[_w] = "verb"
for _w in CLAUSE_WORDS:
    _ROLE[_w] = "clause"


def _role(word: str) -> str | None:
    """The function-word role of a word, None for content words and acronyms ("IT", "US")."""
    low = word.lower()
    role = _ROLE.get(low)
    if role is None and ("'" in low or "’" in low):
        low = low.replace("’", "'")
        role = _ROLE.get(low) or _ROLE.get(low.split("'", 1)[0])  # "Here's" -> "here"
    if role is not None and len(word) >= 2 and word.isupper():
        return None
    return role


def is_variables(words: list[str]) -> bool:
    """One-letter words and math function names only: "x", "a b", "sin", "log n"."""
    return all(len(w) == 1 or w.lower() in MATH_WORDS for w in words)


def classify(words: list[str], quoted: bool = False, in_parens: bool = False) -> str:
    """Classify one phrase (its words in order) as TERM, PROSE, QUOTED, GLOSS or NEUTRAL."""
    if is_variables(words):
        return NEUTRAL
    if quoted:
        return QUOTED
    n = len(words)
    clause = verbs = articles = links = joiners = lower_content = caps_inside = 0
    title = True
    for i, w in enumerate(words):
        upper = w[0].isupper()
        if i and upper and not (len(w) >= 2 and w.isupper()):
            caps_inside += 1
        role = _role(w)
        if role == "article" and w in ("a", "A") and (i + 1 == n or _role(words[i + 1]) is not None):
            role = None  # "a" before a function word or at the end is a variable: "a = 0 to pi"
        if role == "clause" or (role == "opener" and i == 0):
            clause += 1
        elif role == "verb" and i:
            verbs += 1
        elif role == "article":
            articles += 1
            continue  # "the", "of": lowercase in titles too, so they say nothing about case
        elif role == "link":
            links += 1
            joiners += w.lower() in JOINERS
            continue
        elif w.islower():
            lower_content += 1
        if not upper:
            title = False
    if in_parens and clause == 0:
        return GLOSS
    if n < 2 or title:
        return TERM
    if clause or verbs:
        return PROSE
    if articles and lower_content and n >= 3:
        return PROSE
    if n < 5 or caps_inside > 1:
        return TERM
    if articles + links >= 2 and lower_content >= 2:
        return PROSE
    if (articles or links - joiners) and lower_content >= 3:
        return PROSE
    return TERM
