"""Response generator for the IFEval agreement test: (prompt, response) pairs over all prompts.

For each prompt and each of its instructions it writes responses meant to satisfy and to violate
the instruction, responses at N-1, N and N+1 for every numeric threshold, and responses that
exercise the reference's quirks (text before a fenced answer, markdown asterisks, a `---` rule,
substrings of keywords, empty paragraphs, abbreviations, letters-free text). Whether a response
really satisfies an instruction is decided by the reference checker, not by this file; the test
counts satisfying and violating responses per instruction id from the reference verdicts.

Deterministic: everything comes from `random.Random(seed)`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

SENTENCES = [
    "The small team built a new garden near the river.",
    "Every morning the baker opens the shop before sunrise.",
    "Our teacher explained the lesson with great patience.",
    "The old bridge was repaired after the long winter.",
    "Children played football in the park until dark.",
    "She wrote a letter to her friend who lives abroad.",
    "The museum shows paintings from many different centuries.",
    "Fresh bread and hot soup make a simple dinner.",
    "He forgot his umbrella and walked home in the rain.",
    "The company plans to open two more offices next year.",
    "Scientists study the ocean to understand the climate.",
    "The train arrived late because of heavy snow.",
    "My neighbor grows tomatoes and beans in her backyard.",
    "The library stays open late during the exam period.",
    "A good night of sleep helps the mind stay sharp.",
    "They watched the stars from the top of the hill.",
]
WORDS = ("river garden morning teacher bridge winter football letter museum bread dinner rain "
         "company office ocean climate train snow neighbor library sleep star hill simple").split()
# Two sentences per language langdetect knows, for language:response_language.
LANGUAGE_TEXT = {
    "ar": "أنا أحب القراءة كثيرا. نذهب إلى السوق كل يوم جمعة مع العائلة.",
    "bg": "Аз обичам да чета книги. Всяка сутрин пием кафе с приятели.",
    "bn": "আমি বই পড়তে ভালোবাসি। আমরা প্রতিদিন সকালে বাজারে যাই।",
    "de": "Ich lese gern Bücher am Abend. Wir gehen jeden Morgen in den Park.",
    "fa": "من کتاب خواندن را دوست دارم. ما هر روز صبح به بازار می‌رویم.",
    "fi": "Minä luen mielelläni kirjoja illalla. Me kävelemme puistossa joka aamu.",
    "gu": "મને પુસ્તકો વાંચવાનું ગમે છે. અમે દરરોજ સવારે બજારમાં જઈએ છીએ.",
    "hi": "मुझे किताबें पढ़ना बहुत पसंद है। हम हर सुबह बाज़ार जाते हैं।",
    "it": "Mi piace leggere libri la sera. Andiamo al parco ogni mattina.",
    "kn": "ನನಗೆ ಪುಸ್ತಕಗಳನ್ನು ಓದುವುದು ಇಷ್ಟ. ನಾವು ಪ್ರತಿದಿನ ಬೆಳಿಗ್ಗೆ ಮಾರುಕಟ್ಟೆಗೆ ಹೋಗುತ್ತೇವೆ.",
    "ko": "저는 책 읽는 것을 좋아합니다. 우리는 매일 아침 시장에 갑니다.",
    "mr": "मला पुस्तके वाचायला खूप आवडते. आम्ही रोज सकाळी बाजारात जातो.",
    "ne": "मलाई किताब पढ्न मन पर्छ। हामी हरेक बिहान बजार जान्छौं।",
    "pa": "ਮੈਨੂੰ ਕਿਤਾਬਾਂ ਪੜ੍ਹਨਾ ਬਹੁਤ ਪਸੰਦ ਹੈ। ਅਸੀਂ ਹਰ ਰੋਜ਼ ਸਵੇਰੇ ਬਾਜ਼ਾਰ ਜਾਂਦੇ ਹਾਂ।",
    "pt": "Eu gosto muito de ler livros à noite. Nós vamos ao parque todas as manhãs.",
    "ru": "Я очень люблю читать книги. Каждое утро мы ходим на рынок.",
    "sw": "Ninapenda kusoma vitabu jioni. Sisi huenda sokoni kila asubuhi pamoja.",
    "ta": "எனக்கு புத்தகங்கள் படிப்பது பிடிக்கும். நாங்கள் தினமும் காலையில் சந்தைக்குச் செல்கிறோம்.",
    "te": "నాకు పుస్తకాలు చదవడం చాలా ఇష్టం. మేము ప్రతిరోజు ఉదయం మార్కెట్‌కు వెళ్తాము.",
    "th": "ฉันชอบอ่านหนังสือมาก พวกเราไปตลาดทุกเช้า",
    "ur": "مجھے کتابیں پڑھنا بہت پسند ہے۔ ہم ہر صبح بازار جاتے ہیں۔",
    "vi": "Tôi rất thích đọc sách vào buổi tối. Chúng tôi đi chợ mỗi buổi sáng.",
    "en": "I really like reading books in the evening. We go to the market every morning.",
}


@dataclass(frozen=True)
class Pair:
    row: int  # index into the prompt rows
    response: str
    tag: str  # what the response was written to test, e.g. "keywords:frequency k=N-1"


def _text(rng: random.Random, n: int = 3) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(n))


def _wrap(rng: random.Random, body: str) -> list[str]:
    """The body as is, and the body behind a lead-in line and under asterisks (loose mode)."""
    return [body, "Sure, here is my answer:\n" + body, "**" + body + "**\nHope this helps, friend."]


def _ks(n: int) -> list[tuple[str, int]]:
    return [(name, k) for name, k in (("N-1", n - 1), ("N", n), ("N+1", n + 1)) if k >= 0]


def _count_based(make: Callable[[random.Random, int], str], n: int, rng: random.Random, iid: str) -> list[tuple[str, str]]:
    return [(f"{iid} k={name}", make(rng, k)) for name, k in _ks(n)]


def _no_letter(text: str, letter: str) -> str:
    return text.replace(letter.lower(), "").replace(letter.upper(), "")


def _paragraphs(rng: random.Random, k: int, sep: str) -> str:
    return sep.join(_text(rng, 2) for _ in range(k))


def targeted(iid: str, kw: dict, prompt: str, rng: random.Random) -> list[tuple[str, str]]:
    """Responses aimed at one instruction: (tag, response)."""
    out: list[tuple[str, str]] = []
    add = out.append
    if iid == "punctuation:no_comma":
        body = _text(rng)
        for r in _wrap(rng, body):
            add((iid + " pass", r))
        add((iid + " fail", body.replace(" the ", ", the ", 1) + " Yes, indeed."))
        add((iid + " fail-first-line", "Well, here goes:\n" + body))
    elif iid == "detectable_content:number_placeholders":
        n = kw["num_placeholders"]
        out += _count_based(lambda r, k: _text(r, 1) + " " + " ".join(f"[field {j}]" for j in range(k)), n, rng, iid)
        add((iid + " quirk", "[]" * n + " [broken\nline] " + _text(rng, 1)))
    elif iid == "detectable_format:number_bullet_lists":
        n = kw["num_bullets"]
        out += _count_based(lambda r, k: "Points:\n" + "\n".join(f"* {r.choice(SENTENCES)}" for _ in range(k)), n, rng, iid)
        out += _count_based(lambda r, k: "\n".join(f"{'-' if j % 2 else '*'} item {j}" for j in range(k)), n, rng, iid + " mixed")
        add((iid + " quirk-emphasis", "*Note* this line\n---\n" + "\n".join(f"* p{j}" for j in range(max(n - 2, 0)))))
        add((iid + " quirk-bold", "**Bold** start\n" + "\n".join(f"  - p{j}" for j in range(n))))
    elif iid == "detectable_format:constrained_response":
        opt = rng.choice(["My answer is yes.", "My answer is no.", "My answer is maybe."])
        add((iid + " pass", f"{_text(rng, 1)} {opt}"))
        add((iid + " pass-bare", opt))
        for opt2 in ("My answer is yes.", "My answer is no.", "My answer is maybe."):
            add((iid + " pass-lead", f"Let me think.\n{_text(rng, 1)}\n{opt2} {_text(rng, 1)}"))
            add((iid + " fail-variant", f"{_text(rng, 1)} {opt2.replace('My', 'my').rstrip('.')}!"))
        add((iid + " fail-case", "My answer is Yes."))
        add((iid + " fail-noperiod", f"{_text(rng, 1)} My answer is no"))
        add((iid + " fail", _text(rng, 2)))
    elif iid == "detectable_format:number_highlighted_sections":
        n = kw["num_highlights"]
        out += _count_based(lambda r, k: " ".join(f"*part {j}* {r.choice(WORDS)}" for j in range(k)) or "none", n, rng, iid)
        out += _count_based(lambda r, k: " ".join(f"**bold {j}**" for j in range(k)) + " ** ** * *", n, rng, iid + " double")
    elif iid == "detectable_format:multiple_sections":
        sp, n = kw["section_spliter"], kw["num_sections"]
        out += _count_based(lambda r, k: "\n".join(f"{sp} {j + 1}\n{r.choice(SENTENCES)}" for j in range(k)), n, rng, iid)
        add((iid + " pass-colon", "\n\n".join(f"{sp} {j + 1}: {rng.choice(SENTENCES)}" for j in range(n + 1))))
        add((iid + " pass-inline", " ".join(f"{sp} {j + 1} {rng.choice(WORDS)}" for j in range(n))))
        add((iid + " quirk-nospace", "\n".join(f"{sp}{j + 1} text" for j in range(n))))
        add((iid + " fail-case", "\n".join(f"{sp.lower()} {j + 1} text" for j in range(n))))
    elif iid == "length_constraints:number_paragraphs":
        n = kw["num_paragraphs"]
        out += _count_based(lambda r, k: _paragraphs(r, k, "\n***\n"), n, rng, iid)
        add((iid + " edges", "***\n" + _paragraphs(rng, n, " *** ") + "\n***"))
        add((iid + " empty-middle", _paragraphs(rng, n, "\n***\n") + "\n***\n\n***\nmore"))
        add((iid + " four-stars", _paragraphs(rng, n, "\n****\n")))
    elif iid == "detectable_format:json_format":
        obj = json.dumps({"answer": rng.choice(SENTENCES), "n": rng.randint(1, 9)})
        for r in (obj, f"```json\n{obj}\n```", f"```JSON\n{obj}\n```", f"```\n{obj}\n```", f"```Json{obj}```"):
            add((iid + " pass", r))
        add((iid + " fail-lead", "Here is the JSON:\n" + obj))
        add((iid + " fail-quotes", obj.replace('"', "'")))
    elif iid == "detectable_format:title":
        add((iid + " pass", f"<<{rng.choice(WORDS).title()} Days>>\n{_text(rng)}"))
        add((iid + " pass-inline", f"{_text(rng, 1)} <<A Title>> {_text(rng, 1)}"))
        add((iid + " fail-empty", f"<<  >>\n{_text(rng)}"))
        add((iid + " fail-newline", f"<<Broken\ntitle>>\n{_text(rng)}"))
        add((iid + " fail", f"<{rng.choice(WORDS)}>\n{_text(rng)}"))
    elif iid == "combination:two_responses":
        a, b = _text(rng, 2), _text(rng, 2)
        add((iid + " pass", f"{a}\n******\n{b}"))
        add((iid + " pass-edges", f"******\n{a}\n******\n{b}\n******"))
        add((iid + " fail-same", f"{a}\n******\n{a}"))
        add((iid + " fail-three", f"{a}\n******\n{b}\n******\n{a}"))
        add((iid + " fail-empty-middle", f"{a}\n******\n\n******\n{b}"))
    elif iid == "combination:repeat_prompt":
        p = kw["prompt_to_repeat"]
        add((iid + " pass", p + "\n" + _text(rng)))
        add((iid + " pass-case", p.upper() + " " + _text(rng, 1)))
        add((iid + " fail-lead", "Sure! " + p + "\n" + _text(rng)))
        add((iid + " fail-cut", p[: len(p) // 2] + "\n" + _text(rng)))
    elif iid == "startend:quotation":
        body = _text(rng)
        add((iid + " pass", f'"{body}"'))
        add((iid + " pass-space", f'  "{body}"\n'))
        add((iid + " fail-single", f"'{body}'"))
        add((iid + " fail-open", f'"{body}'))
        add((iid + " fail-curly", f"\u201c{body}\u201d"))
    elif iid == "keywords:existence":
        kws = kw["keywords"]
        add((iid + " pass", _text(rng, 1) + " " + " ".join(kws) + " " + _text(rng, 1)))
        add((iid + " pass-case", " ".join(k.upper() for k in kws) + " " + _text(rng, 1)))
        add((iid + " quirk-substring", " ".join("un" + k + "ness" for k in kws) + " " + _text(rng, 1)))
        add((iid + " fail-missing", " ".join(kws[1:]) + " " + _text(rng, 2)))
        add((iid + " fail", _text(rng, 2)))
    elif iid == "keywords:frequency":
        k0, n = kw["keyword"], kw["frequency"]
        out += _count_based(lambda r, k: " ".join(f"{r.choice(WORDS)} {k0}" for _ in range(k)) + " " + _text(r, 1), n, rng, iid)
        out += _count_based(lambda r, k: " ".join(f"{k0.title()}s" for _ in range(k)) + ". " + _text(r, 1), n, rng, iid + " substr")
    elif iid == "keywords:forbidden_words":
        words = kw["forbidden_words"]
        add((iid + " pass", _text(rng, 2)))
        add((iid + " pass-inside-word", " ".join(w + "ish" for w in words) + " " + _text(rng, 1)))
        add((iid + " fail", _text(rng, 1) + " " + rng.choice(words).upper() + " " + _text(rng, 1)))
        add((iid + " fail-last", _text(rng, 1) + " " + words[-1] + "."))
    elif iid == "keywords:letter_frequency":
        letter, n = kw["letter"], kw["let_frequency"]
        out += _count_based(lambda r, k: _no_letter(_text(r, 2), letter) + " " + " ".join(
            (letter.upper() if j % 2 else letter) for j in range(k)), n, rng, iid)
    elif iid == "change_case:capital_word_frequency":
        n = kw["capital_frequency"]
        low = lambda r: _text(r, 1).lower()  # noqa: E731
        out += _count_based(lambda r, k: low(r) + " " + " ".join(r.choice(WORDS).upper() for _ in range(k)) + ".", n, rng, iid)
        add((iid + " quirk-contraction", low(rng) + " DON'T WELL-KNOWN U.S.A. " * max(n // 3, 1)))
    elif iid == "change_case:english_capital":
        for _ in range(3):
            add((iid + " pass", _text(rng, rng.randint(2, 4)).upper()))
        add((iid + " pass-lead", "Sure:\n" + _text(rng).upper()))
        add((iid + " fail-mixed", _text(rng)))
        add((iid + " fail-lang", LANGUAGE_TEXT["de"].upper()))
        add((iid + " quirk-nolang", "123 456 !!!"))
    elif iid == "change_case:english_lowercase":
        add((iid + " pass", _text(rng).lower()))
        add((iid + " pass-lead", "Sure:\n" + _text(rng).lower()))
        add((iid + " fail-mixed", _text(rng)))
        add((iid + " fail-lang", LANGUAGE_TEXT["it"].lower()))
        add((iid + " quirk-digits", "12 34"))
    elif iid == "language:response_language":
        code = kw["language"]
        add((iid + " pass", LANGUAGE_TEXT[code]))
        add((iid + " pass-lead", "Answer:\n" + LANGUAGE_TEXT[code]))
        add((iid + " fail-en", _text(rng)))
        add((iid + " fail-other", LANGUAGE_TEXT[rng.choice([c for c in LANGUAGE_TEXT if c != code])]))
        add((iid + " quirk-nolang", "2024 - 2025"))
    elif iid == "length_constraints:nth_paragraph_first_word":
        n, nth, word = kw["num_paragraphs"], kw["nth_paragraph"], kw["first_word"]

        def paras(r: random.Random, k: int, first: str, sep: str = "\n\n") -> str:
            ps = [_text(r, 1) for _ in range(k)]
            if nth <= k:
                ps[nth - 1] = f"{first} {ps[nth - 1]}"
            return sep.join(ps)

        out += _count_based(lambda r, k: paras(r, k, word.title()), n, rng, iid)
        add((iid + " lower", paras(rng, n, word)))
        add((iid + " comma", paras(rng, n, word + ",")))
        add((iid + " exclaim", paras(rng, n, word.upper() + "!")))
        add((iid + " quoted", paras(rng, n, f'"{word},')))
        add((iid + " bold", paras(rng, n, f"**{word}**")))
        add((iid + " longer-word", paras(rng, n, word + "s")))
        add((iid + " blank-lines", paras(rng, n, word, "\n\n\n\n")))
    elif iid == "length_constraints:number_sentences":
        n = kw["num_sentences"]
        out += _count_based(lambda r, k: " ".join(r.choice(SENTENCES) for _ in range(k)), n, rng, iid)
        out += _count_based(lambda r, k: " ".join(
            r.choice(SENTENCES).replace(".", "!" if j % 3 == 0 else "?" if j % 3 == 1 else ".") for j in range(k)), n, rng, iid + " marks")
        add((iid + " quirk-abbrev", "Dr. Smith met Mr. Jones at 5 p.m. on Jan. 3. " + _text(rng, max(n - 2, 0))))
        add((iid + " quirk-lines", "\n".join(w for w in WORDS[: n + 1])))
    elif iid == "length_constraints:number_words":
        n = kw["num_words"]
        out += _count_based(lambda r, k: " ".join(r.choice(WORDS) for _ in range(k)) + ".", n, rng, iid)
        add((iid + " quirk-contractions", " ".join(["don't"] * (n // 2)) + " end"))
    elif iid == "detectable_content:postscript":
        m = kw["postscript_marker"]
        body = _text(rng, 2)
        add((iid + " pass", f"{body}\n\n{m} {_text(rng, 1)}"))
        add((iid + " pass-lower", f"{body}\n{m.lower()} see you"))
        add((iid + " spaced", f"{body}\n{m.replace('.', '. ')} later"))
        add((iid + " mid-line", f"{body} and {m} inline"))
        add((iid + " fail", body))
        add((iid + " fail-ps", f"{body}\nPS later"))
    elif iid == "startend:end_checker":
        phrase = kw["end_phrase"]
        add((iid + " pass", f"{_text(rng, 2)} {phrase}"))
        add((iid + " pass-quoted", f'"{_text(rng, 1)} {phrase}"\n'))
        add((iid + " pass-case", f"{_text(rng, 1)} {phrase.upper()}"))
        add((iid + " fail-after", f"{_text(rng, 1)} {phrase} Thanks."))
        add((iid + " fail-cut", f"{_text(rng, 1)} {phrase[:-1]}"))
    else:
        raise KeyError(f"no generator for {iid}")
    return out


NOISE = ["", "   \n", "OK", "1234", "สวัสดีครับ ยินดีที่ได้รู้จัก", "*", "\n\n\n", "Sure.\n\n***\n\n"]


def generate_pairs(rows: list[dict], seed: int = 0) -> list[Pair]:
    """All pairs for the prompt rows (IFEval's input_data.jsonl dicts)."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for i, row in enumerate(rows):
        for iid, kw in zip(row["instruction_id_list"], row["kwargs"], strict=True):
            kw = {k: v for k, v in kw.items() if v is not None}
            for tag, response in targeted(iid, kw, row["prompt"], rng):
                pairs.append(Pair(i, response, tag))
        # One response combining a satisfying piece for every instruction of the prompt.
        pieces = [targeted(iid, {k: v for k, v in kw.items() if v is not None}, row["prompt"], rng)[0][1]
                  for iid, kw in zip(row["instruction_id_list"], row["kwargs"], strict=True)]
        pairs.append(Pair(i, "\n\n".join(pieces), "combined"))
        pairs.append(Pair(i, rng.choice(NOISE), "noise"))
    return pairs
