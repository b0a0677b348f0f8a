"""Table-driven rules of the language analyser: neutral material, accepted English, switches,
degenerate and hostile input. Each row is a behaviour a user relies on."""

from __future__ import annotations

import math

import pytest

from thaibench.lang import ACCEPT_THRESHOLD, analyse, clean_text
from thaibench.lang.neutral import FENCE, INLINE, NUMERIC, mask_neutral

# Neutral material inside Thai never counts against it (verdict True, no spans).
NEUTRAL_IN_THAI = [
    (
        "fenced code, English comments",
        "ดูโค้ดนี้\n```python\n# return the sum of the list\ndef f(xs):\n    return sum(xs)\n```\nจบ",
    ),
    ("fenced code, Chinese comments", "ตัวอย่าง\n```js\n// 计算总和\nconst s = a + b;\n```\nเท่านี้เอง"),
    ("unclosed fence", "เริ่มโค้ด\n```python\nprint('this never closes and is long English text')"),
    ("inline code", "เรียก `df.groupby('city').mean()` เพื่อหาค่าเฉลี่ยของแต่ละเมือง"),
    ("inline LaTeX", "พื้นที่คือ $\\frac{1}{2} \\times base \\times height$ ตารางหน่วย"),
    ("display LaTeX", "จะได้\n$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$\nดังนั้นผลรวมคือ 5050"),
    ("bracket LaTeX", "คำตอบคือ \\(\\boxed{\\text{seventy two}}\\) ครับ"),
    ("environment", "เมทริกซ์\n\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}\nมีดีเทอร์มิแนนต์ ad − bc"),
    ("Greek symbols", "มุม θ และ φ รวมกันได้ 90° ส่วน λ คือความยาวคลื่น Δx คือระยะที่เปลี่ยน"),
    ("variables", "ให้ x แทนจำนวนแอปเปิ้ล และ y แทนจำนวนส้ม จะได้ x + y = 12"),
    ("function notation", "ถ้า f(x) = 3x + 1 แล้ว f(2) = 7 และความซับซ้อนเป็น O(n log n)"),
    ("HTML tags", "บรรทัดแรก<br>บรรทัดที่สอง<br/><b>ตัวหนา</b>&nbsp;จบ"),
    ("markdown table", "| ชื่อ | คะแนน |\n|:---|---:|\n| สมชาย | 85 |\n| สมหญิง | 92 |"),
    ("URL", "อ่านต่อที่ https://www.example.com/articles/how-to-learn-english-fast?id=3 นะคะ"),
    ("bare domain and path", "ดาวน์โหลดได้จาก pypi.org/project/pythainlp และดูไฟล์ src/main/utils.py"),
    ("e-mail", "ติดต่อ support.team@company-name.co.th ได้ทุกวัน"),
    ("hashtags and mentions", "ไปเที่ยวมา #travelgram #weekendvibes ขอบคุณ @bestfriend_forever"),
    ("tickers", "ซื้อ $NVDA กับ SET:KBANK ไว้ยาวๆ"),
    ("units", "ระยะ 42.195 km ใช้เวลา 3 hr ความเร็ว 14 km/h หัวใจเต้น 150 bpm? ไม่ใช่ 150 rpm"),
    ("codes with digits", "รุ่น RTX4090 กับ M3 Max และ GPT-4o ต่างกันมาก"),
    ("identifiers", "ตั้งค่า max_retries และเรียก requests.get() ก่อนใช้ np.array"),
    ("emoji and punctuation", "เยี่ยมมาก!!! 🎉🎉 (^_^) ...ใช่เลย ✓"),
    ("Thai digits and baht", "ราคา ๑,๒๐๐ บาท หรือ ฿1,200"),
    ("jamo emoticons", "เสียใจจัง ㅠㅠ ไว้ค่อยว่ากันใหม่"),
    ("superscripts", "พื้นที่ 25 m² และปริมาตร 8 cm³ สูตร a² + b² = c²"),
]


@pytest.mark.parametrize(("label", "text"), NEUTRAL_IN_THAI, ids=[r[0] for r in NEUTRAL_IN_THAI])
def test_neutral_material_never_counts_against_thai(label, text):
    a = analyse(text, "th")
    assert a.verdict, (label, a.reason, [s.text for s in a.spans])
    assert a.spans == ()


# Accepted English inside Thai: tolerated, not a switch.
ACCEPTED_IN_THAI = [
    "ใช้เทคนิค gradient descent ในการหาค่า weight ที่เหมาะสม",
    "ระบบ CRM ของ Salesforce ช่วยให้ทีม sales ติดตามลูกค้าได้ดีขึ้น",
    "ผู้กำกับ Christopher Nolan กำกับเรื่อง The Dark Knight",
    "นักร้อง Beyoncé และ Céline Dion มาเปิดคอนเสิร์ตที่กรุงเทพฯ",
    'สำนวน "Where there is a will, there is a way" ตรงกับสำนวนไทยว่า ความพยายามอยู่ที่ไหน ความสำเร็จอยู่ที่นั่น',
    "“Knowledge is power” เป็นคำกล่าวของ Francis Bacon",
    "ค่าเบี่ยงเบนมาตรฐาน (standard deviation of the sample) บอกการกระจายของข้อมูล",
    "เราใช้ cloud computing และ edge computing ร่วมกัน",
    "บริษัทเปิดให้ทำงานแบบ work from home สัปดาห์ละ 2 วัน",
    "เพลง Bohemian Rhapsody ของวง Queen ยาวเกือบ 6 นาที",
    "เลือกแผน Pay As You Go หรือแบบรายปีก็ได้",
    "ประโยค I have been to Japan แปลว่า ฉันเคยไปญี่ปุ่นมาแล้ว",
    "แอป LINE และ Facebook Messenger เป็นที่นิยมในไทย",
    # English cited for discussion, without quote marks, after a citing word or before "means".
    "ตัวอย่างประโยค: She has been working here since 2010. ใช้ present perfect continuous",
    "ภาษาอังกฤษเรียกว่า Survival of the fittest ซึ่งเป็นแนวคิดของดาร์วิน",
    # "a" before a function word is a variable, not an article.
    "ผลลัพธ์ของ integral(a=0 to pi) คือ 2",
    "- **Supervised Learning**: เรียนรู้จากข้อมูลที่มีป้ายกำกับ\n- **Unsupervised Learning**: ไม่มีป้ายกำกับ",
]


@pytest.mark.parametrize("text", ACCEPTED_IN_THAI)
def test_accepted_english_in_thai_is_not_a_switch(text):
    a = analyse(text, "th")
    assert a.verdict, [s.text for s in a.spans]
    assert a.accepted_letters > 0
    assert a.rate == 0.0


# Switches: (text, expect, [(span text, lang)]). A predicted span must overlap the expected
# one with IoU >= 0.5 and have its language.
SWITCHES = [
    (
        "Let me work through this carefully. ก่อนอื่นหาผลรวมก่อน",
        "th",
        [("Let me work through this carefully", "en")],
    ),
    ("สรุปได้ว่าผลรวมคือ 42 Hence the result is 42.", "th", [("Hence the result is 42", "en")]),
    (
        "มาเริ่มกันเลยนะคะ Now let's move on to the second part. ส่วนที่สองคือการหาค่า y",
        "th",
        [("Now let's move on to the second part", "en")],
    ),
    (
        "คำตอบสุดท้าย: **15**\n\nNote: this assumes no leap years.",
        "th",
        [("Note: this assumes no leap years", "en")],
    ),
    (
        "ผมคิดว่าคำตอบคือ 12 แต่ I'm not entirely sure about this.",
        "th",
        [("I'm not entirely sure about this", "en")],
    ),
    ("ขอโทษครับ 对不起 ผมเข้าใจผิด", "th", [("对不起", "zh")]),
    (
        "We can factor the quadratic as (x - 2)(x - 3). ดังนั้นรากของสมการคือ 2 และ 3",
        "th",
        [("We can factor the quadratic as (x - 2)(x - 3)", "en")],
    ),
    ("แบบนี้ดีกว่า because it is faster and cheaper", "th", [("because it is faster and cheaper", "en")]),
    (
        "วิธีนี้ is more efficient than the previous one เพราะใช้หน่วยความจำน้อยกว่า",
        "th",
        [("is more efficient than the previous one", "en")],
    ),
    ("หวังว่าจะช่วยได้นะครับ 😊 Have a nice day!", "th", [("Have a nice day", "en")]),
    ("Вот ответ: 42. คำตอบคือ 42", "th", [("Вот ответ", "ru")]),
    ("คำตอบคือ 42 です", "th", [("です", "ja")]),
    ("ราคาอยู่ที่ 300 บาท 价格很便宜 ค่ะ", "th", [("价格很便宜", "zh")]),
    ("ผลลัพธ์คือ ٤٢ ตามที่คำนวณ مرحبا", "th", [("مرحبا", "und")]),
    ("Paris is the capital of France.", "th", [("Paris is the capital of France", "en")]),
    ("ดังนั้น total cost equals 500 baht ค่ะ", "th", [("total cost equals 500 baht", "en")]),
    (
        "สวัสดีครับ! Sure, here's a simple recipe.\n\n1. Soak the noodles.\n2. Stir-fry the tofu.",
        "th",
        [("Sure, here's a simple recipe.\n\n1. Soak the noodles.\n2. Stir-fry the tofu", "en")],
    ),
    (
        "| ข้อดี | ข้อเสีย |\n|---|---|\n| The battery lasts two days | ราคาแพง |",
        "th",
        [("The battery lasts two days", "en")],
    ),
    ("ออกซิเจนมาจากคำกรีก ὀξύς แปลว่าเปรี้ยว", "th", [("ὀξύς", "el")]),
    ("The answer is 42. คำตอบคือ 42", "en", [("คำตอบคือ 42", "th")]),
    ("The total is 1,500 บาท.", "en", [("บาท", "th")]),
    ("The capital of Japan is Tokyo (東京).", "en", [("東京", "zh")]),
    (
        "Let me think about this carefully.\n\nขั้นแรก หาพื้นที่ของสี่เหลี่ยม = 4 × 5 = 20\n\nSo the area is 20.",
        "en",
        [("ขั้นแรก หาพื้นที่ของสี่เหลี่ยม", "th")],
    ),
    (
        "First compute the mean. จากนั้นใช้สูตร variance หาค่าความแปรปรวน. Then take the square root.",
        "en",
        [("จากนั้นใช้สูตร variance หาค่าความแปรปรวน", "th")],
    ),
]


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


@pytest.mark.parametrize(("text", "expect", "want"), SWITCHES, ids=[r[0][:30] for r in SWITCHES])
def test_switches_are_found_with_their_spans(text, expect, want):
    a = analyse(text, expect)
    assert not a.verdict and a.reason == "switch"
    got = [(s.start, s.end, s.lang) for s in a.spans]
    assert len(got) == len(want), [s.text for s in a.spans]
    for (w_text, w_lang), (s, e, lang) in zip(want, got, strict=True):
        ws = text.index(w_text)
        assert lang == w_lang
        assert _iou((ws, ws + len(w_text)), (s, e)) >= 0.5, (w_text, text[s:e])


@pytest.mark.parametrize(
    "text",
    ["ผลลัพธ์คือ 這 ค่ะ", "ตอบ 42 ข้อ か", "ได้ 한 คะแนน", "ค่า п ถูกต้อง", 'คำว่า "谢" แปลว่าขอบคุณ'],
)
def test_one_character_of_another_script_in_thai_is_always_flagged(text):
    a = analyse(text, "th")
    assert not a.verdict
    assert len(a.spans) == 1 and len(a.spans[0].text) == 1


ENGLISH_OK = [
    "The derivative of sin(x) is cos(x).",
    "In Thailand, people greet each other with a wai.",
    "Tom Yum (ต้มยำ) is a hot and sour soup.",
    'The Thai word "ไม่เป็นไร" roughly means never mind.',
    'Use `print("สวัสดี")` to greet in Thai.',
    "The user is asking about photosynthesis (การสังเคราะห์ด้วยแสง), so explain both stages.",
]


@pytest.mark.parametrize("text", ENGLISH_OK)
def test_english_answers_with_quoted_or_glossed_thai_are_english(text):
    a = analyse(text, "en")
    assert a.verdict, [s.text for s in a.spans]


# Degenerate input gets a defined verdict and reason.
DEGENERATE = [
    ("", False, "empty"),
    ("   \n\t  ", False, "whitespace_only"),
    ("```python\nprint(1)\n```", True, "code_only"),
    ("`x = 1`", True, "code_only"),
    ("$$\\int_0^1 x^2 \\, dx = \\frac{1}{3}$$", True, "math_only"),
    ("x = 5", True, "math_only"),
    ("42", True, "neutral_only"),
    ("😀👍🎉", True, "neutral_only"),
    ("https://example.com", True, "neutral_only"),
]


@pytest.mark.parametrize(
    ("text", "verdict", "reason"), DEGENERATE, ids=[r[2] + ":" + r[0][:10] for r in DEGENERATE]
)
@pytest.mark.parametrize("expect", ["th", "en"])
def test_degenerate_input_has_a_defined_verdict(text, verdict, reason, expect):
    a = analyse(text, expect)
    assert (a.verdict, a.reason) == (verdict, reason)
    assert math.isnan(a.rate) and a.letters == 0 and a.spans == ()
    assert a.to_dict()["rate"] is None  # JSON has no NaN


def test_an_empty_answer_is_not_thai():
    assert not analyse("", "th").verdict
    assert not analyse(None, "th").verdict


def test_a_thai_free_answer_of_terms_only_is_over_the_threshold():
    text = "คำตอบ: Machine Learning, Deep Learning, Computer Vision, Natural Language Processing"
    a = analyse(text, "th")
    assert (a.verdict, a.reason) == (False, "accepted_over_threshold")
    assert (
        len(a.spans) == 1 and a.spans[0].text.startswith("Machine") and a.spans[0].text.endswith("Processing")
    )
    # The threshold is a documented setting; with it at 1.0 the same answer passes.
    assert analyse(text, "th", threshold=1.0).verdict
    assert 0.5 < ACCEPT_THRESHOLD < 1.0


def test_rate_is_the_share_of_switched_letters():
    a = analyse("ตอบ Let me see", "th")  # 3 Thai letters, 8 English letters switched
    assert (a.letters, a.switched_letters) == (11, 8)
    assert a.rate == pytest.approx(8 / 11)
    assert analyse("ภาษาไทยล้วน", "th").rate == 0.0
    assert analyse("This is English.", "th").rate == 1.0


def test_spans_are_sorted_disjoint_and_point_into_the_text():
    text = "Let me see. 这个 ผลลัพธ์ 42 Now the answer is 42. ありがとう จบ"
    a = analyse(text, "th")
    assert [s.lang for s in a.spans] == ["en", "zh", "en", "ja"]
    for s in a.spans:
        assert text[s.start : s.end] == s.text
    for left, right in zip(a.spans, a.spans[1:], strict=False):
        assert left.end <= right.start
    # A term beyond a span of another script is not pulled across it (spans would overlap).
    a = analyse("Let me see 这个 Python ok ไทย", "th")
    assert [s.text for s in a.spans] == ["Let me see", "这个"]


def test_runs_follow_scripts_and_skip_neutral_material():
    a = analyse("ภาษาไทย English words 这个 `code` 한국어 кириллица", "th")
    assert [r.script for r in a.runs] == ["thai", "latin", "han", "hangul", "cyrillic"]
    assert a.script_letters["latin"] == len("English") + len("words")


def test_expected_language_is_checked():
    with pytest.raises(ValueError):
        analyse("hello", "zh")


def test_invalid_utf8_and_surrogates_never_crash():
    a = analyse(b"\xff\xfe\xfd \xe0\xb8\x81\xe0\xb8\xb2 bad", "th")  # garbage + "กา" + "bad"
    assert a.letters > 0
    text = "ภาษาไทย\udcff\udc80 ok"  # surrogateescape leftovers from a backend
    a = analyse(text, "th")
    assert a.verdict and len(clean_text(text)) == len(text)
    a.to_dict()  # serialisable
    assert "\ufffd" in a.text


def test_control_characters_do_not_confuse_the_masks():
    a = analyse("ข้อความ\x00\x01\x02ไทย Let me check this", "th")
    assert [s.text for s in a.spans] == ["Let me check this"]


def test_mask_keeps_offsets_and_marks_kinds():
    text = "ดู `x` และ ```\ncode\n``` แล้ว 5 km"
    masked, kinds = mask_neutral(text)
    assert len(masked) == len(text)
    assert INLINE * 3 in masked and FENCE * 12 in masked and NUMERIC * 4 in masked
    assert {"code", "fence", "unit"} <= kinds


def test_one_megabyte_of_mixed_text_is_analysed():
    unit = "ภาษาไทยกับ English term และ 这个 $x^2$ `code` https://x.co 😀 Let me check.\n"
    text = unit * (1_000_000 // len(unit.encode()) + 1)
    a = analyse(text, "th")
    assert not a.verdict and 0 < a.rate < 1
    assert len(text.encode()) >= 1_000_000


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "1" * 1_000_000,
        "a" * 1_000_000,
        "$" * 1_000_000,
        "`" * 1_000_000,
        "<" * 1_000_000,
        "a1" * 500_000,
        "_" * 1_000_000,
        "#a" * 500_000,
        "a@" * 500_000,
        "1." * 500_000,
        "the cat " * 125_000,
        "ก" * 1_000_000,
    ],
    ids=lambda t: repr(t[:4]),
)
def test_pathological_megabytes_finish(text):
    a = analyse(text, "th")
    assert a.reason in {"ok", "switch", "accepted_over_threshold", "code_only", "math_only", "neutral_only"}


def test_word_rate_counts_words_not_letters():
    from thaibench.lang.words import word_rate

    a = analyse("ผลลัพธ์คือ the answer is 5", "th")
    assert word_rate(a) == pytest.approx(3 / 5)
    assert math.isnan(word_rate(analyse("", "th")))


def test_highlight_styles_each_span():
    from thaibench.lang.render import highlight

    text = "Let me see. คำตอบคือ 42 这个"
    a = analyse(text, "th")
    rendered = highlight(text, a.spans)
    assert rendered.plain == text
    styled = [rendered.plain[s.start : s.end] for s in rendered.spans]
    assert styled == ["Let me see", "这个"]
    short = highlight(
        "ก" * 500 + " Let me see " + "ข" * 500, analyse("ก" * 500 + " Let me see " + "ข" * 500).spans, 20
    )
    assert "…" in short.plain and len(short.plain) < 100
