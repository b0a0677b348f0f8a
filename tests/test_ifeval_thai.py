"""Thai counting rules for IFEval-TH, table-driven.

Every expected value below is the count or verdict a Thai reader gives, written down before the
checker existed. Where word segmentation or sentence boundaries are genuinely ambiguous for a
reader, the case carries a tolerance (`tol`) and a note saying why; the rule must land inside it.
"""

from __future__ import annotations

import pytest

# --- words: (text, reader's count, tolerance, note) -------------------------------------------
WORDS = [
    ("ฉันกินข้าว", 3, 0, ""),
    ("แมวนอนบนโต๊ะ", 4, 0, ""),
    ("ฉันชอบอ่านหนังสือ", 4, 0, ""),
    ("นักเรียนอ่านหนังสือในห้องสมุด", 5, 0, ""),
    ("แม่ค้าขายผลไม้ที่ตลาด", 5, 0, ""),
    ("สวัสดีครับ", 2, 0, ""),
    ("ฉัน รัก คุณ", 3, 0, "spaces are not words"),
    ("ราคา 500 บาท", 3, 0, "a number is a word, as in English IFEval"),
    ("สวัสดี, โลก!", 2, 0, "punctuation is not a word"),
    ("", 0, 0, ""),
    ("  \n\n\t ", 0, 0, ""),
    ("...!!! ***", 0, 0, ""),
    ("hello world", 2, 0, ""),
    ("ฉันใช้ Python ทุกวัน", 5, 1, "ทุกวัน may be read as one word"),
    ("คอมพิวเตอร์", 1, 0, ""),
    ("ปี ๒๕๖๗", 2, 0, "Thai digits form a number word"),
    ("เด็ก ๆ เล่นกันที่สนาม", 5, 0, "ไม้ยมก belongs to the word before it, even after a space"),
    ("เด็กๆเล่นกัน", 3, 0, ""),
    ("วันนี้อากาศดีมาก", 4, 1, "วันนี้ may be วัน+นี้"),
    ("พ่อแม่รักลูก", 4, 1, "พ่อแม่ may be one compound"),
    ("เขาไปโรงเรียนทุกวัน", 5, 1, "ทุกวัน may be one word"),
    ("ประเทศไทยมีหลายจังหวัด", 4, 1, "ประเทศไทย may be ประเทศ+ไทย"),
    ("ผมชื่อสมชาย ผมอายุ 25 ปี", 7, 1, "the name สมชาย may be split by a dictionary"),
    ("**หัวข้อ**: การเดินทาง", 2, 1, "การเดินทาง may be การ+เดินทาง"),
    ("ฉันกินข้าวแล้ว คุณกินหรือยัง", 8, 1, "หรือยัง may be one word"),
    ("Thailand ประเทศไทย", 2, 1, "ประเทศไทย may be ประเทศ+ไทย"),
    ("ร้อยละ 50% ของนักเรียน", 4, 0, "% is not a word"),
    ("ฉันรักเมืองไทย", 3, 1, "เมืองไทย may be เมือง+ไทย"),
    ("เขาวิ่งเร็วมาก", 4, 0, ""),
    ("น้องสาวของฉันเป็นหมอ", 5, 0, ""),
    ("ฝนตกหนักเมื่อคืนนี้", 5, 1, "เมื่อคืนนี้ may be read as เมื่อคืน+นี้ or one phrase"),
    ("ประเทศไทยตั้งอยู่ในภูมิภาคเอเชียตะวันออกเฉียงใต้ มีเมืองหลวงคือกรุงเทพมหานคร", 11, 2,
     "compounds (ตั้งอยู่, เอเชียตะวันออกเฉียงใต้) may be one word or several"),
]

# --- sentences: (text, reader's count, tolerance, note) ---------------------------------------
SENTENCES = [
    ("ฉันกินข้าว", 1, 0, ""),
    ("ฉันกินข้าว เขาดื่มน้ำ", 2, 0, "a space between Thai clauses ends a sentence"),
    ("ฉันกินข้าว เขาดื่มน้ำ แมวนอนหลับ", 3, 0, ""),
    ("ฉันกินข้าว\nเขาดื่มน้ำ", 2, 0, ""),
    ("วันนี้อากาศดี\n\nพรุ่งนี้ฝนจะตก", 2, 0, ""),
    ("ฉันใช้ Python ทุกวัน", 1, 0, "spaces around a Latin word do not end a sentence"),
    ("ราคา 500 บาท", 1, 0, "spaces around a number do not end a sentence"),
    ("เขาเกิดเมื่อ พ.ศ. 2500 ที่กรุงเทพฯ", 1, 0, "พ.ศ. is an abbreviation"),
    ("คุณสบายดีไหม? ฉันสบายดี", 2, 0, ""),
    ("ดีมาก! ขอบคุณ", 2, 0, ""),
    ("Hello world. This is a test.", 2, 0, ""),
    ("ฉันชอบแมว. เขาชอบหมา.", 2, 0, ""),
    ("", 0, 0, ""),
    ("ผลไม้ต่าง ๆ มีประโยชน์", 1, 0, "spaces around ไม้ยมก do not end a sentence"),
    ("* ข้อแรก\n* ข้อสอง\n* ข้อสาม", 3, 0, "each list line is a sentence"),
    ("ป.ล. ฉันจะกลับบ้านพรุ่งนี้", 1, 0, "ป.ล. is an abbreviation"),
    ("ฉันไปตลาด แล้วซื้อผลไม้", 1, 0, "a clause opened by a conjunction continues the sentence"),
    ("ฉันอยากไปเที่ยว แต่ไม่มีเงิน", 1, 0, ""),
    ("เขาไม่มา เพราะป่วย", 1, 0, ""),
    ("ฉันชอบผลไม้ เช่น มะม่วง มังคุด และทุเรียน", 1, 2,
     "an enumeration separated by spaces is one sentence to a reader; a splitter may count items"),
    ("สวัสดีครับ ผมชื่อสมชาย ยินดีที่ได้รู้จักครับ", 3, 0, ""),
    ("ขอบคุณมาก ๆ ครับ", 1, 0, ""),
    ("1. ขั้นตอนแรก\n2. ขั้นตอนที่สอง", 2, 0, "a list number is not a sentence of its own"),
    ("# หัวข้อ\nเนื้อหาของบทความ", 2, 1, "a heading line may or may not be counted as a sentence"),
    ("ฉันไปตลาดเมื่อวานนี้ ซื้อผักและผลไม้มามากมาย กลับถึงบ้านตอนเย็น", 3, 1,
     "serial clauses: a reader may join them"),
    ('เขาพูดว่า "ฉันจะมา" แล้วก็เดินออกไป', 1, 1, "quoted speech inside a sentence"),
    ("วันที่ 1 มกราคม 2567 เป็นวันหยุด", 1, 0, ""),
    ("ดร. สมชายเป็นอาจารย์", 1, 0, "ดร. is an abbreviation"),
    ("ฉันรักคุณ!!! จริง ๆ นะ", 2, 0, ""),
    ("ฉันตื่นนอนตอนเจ็ดโมง อาบน้ำ แปรงฟัน แล้วไปทำงาน", 1, 2,
     "a series of actions is one sentence to a reader; spaces between them look like sentence ends"),
]

# --- keyword occurrences: (text, keyword, reader's count, tolerance, note) --------------------
KEYWORD_COUNTS = [
    ("สงครามโลกครั้งที่สองเป็นสงครามที่ใหญ่ที่สุด", "สงคราม", 2, 0, ""),
    ("การเมืองไทยซับซ้อน เมืองหลวงคือกรุงเทพ", "เมือง", 1, 1,
     "การเมือง (politics) is built from การ+เมือง; a reader does not count it"),
    ("บ้านของฉันอยู่ใกล้ตลาด", "บ้า", 0, 0, "บ้า must not match inside บ้าน"),
    ("เดือนมีนาคมฉันมีเวลาว่าง", "มี", 1, 0, "มี must not match inside มีนาคม"),
    ("เรามีความสุข พวกเราไปเที่ยว", "เรา", 2, 0, "พวกเรา contains the word เรา"),
    ("ตึกระฟ้าในกรุงเทพสูงมาก ตึกระฟ้าแห่งใหม่", "ตึกระฟ้า", 2, 0, ""),
    ("ซาร่าห์ไปโรงเรียน ซาร่าห์ชอบวาดรูป", "ซาร่าห์", 2, 0, "a name missing from the dictionary"),
    ("ฉันชอบ Python และ python", "python", 2, 0, "Latin keywords ignore case"),
    ("ฉันใช้pythonทุกวัน", "python", 1, 0, "a Latin word touching Thai letters"),
    ("gridlock is not a grid", "grid", 1, 0, "grid does not occur inside gridlock"),
    ("สันติภาพและสงคราม", "สันติภาพ", 1, 0, ""),
    ("ผิดหวังมาก ฉันผิดหวัง", "ผิดหวัง", 2, 0, ""),
    ("การถ่ายภาพเป็นงานอดิเรก", "การถ่ายภาพ", 1, 0, ""),
    ("ฉันชอบถ่ายภาพ", "การถ่ายภาพ", 0, 0, ""),
    ("นักล่าในป่า นักล่าตัวใหญ่", "นักล่า", 2, 0, ""),
    ("ข้อความนี้ชัดเจนมาก", "ชัดเจน", 1, 0, ""),
    ("ความชัดเจนสำคัญ", "ชัดเจน", 1, 0, "ความ+ชัดเจน contains the word"),
    ("กำหนดการ กำหนดการ กำหนดการ", "กำหนดการ", 3, 0, ""),
    ("เนื้อหาของบทความนี้ดี", "เนื้อ", 0, 1, "เนื้อหา (content) is built from เนื้อ+หา; a reader does not count it"),
    ("ระบบนี้มีประสิทธิภาพสูง", "ประสิทธิภาพ", 1, 0, "มีประสิทธิภาพ contains the word"),
    ("คุณภาพชีวิตดีขึ้น", "คุณภาพ", 1, 0, ""),
    ("เคาะประตูเคาะ ๆ", "เคาะ", 2, 0, ""),
]

# --- whole-instruction verdicts: (instruction id, kwargs, response, reader's verdict, note) -----
CHECKS = [
    # forbidden words: True = the response obeys (the word is absent)
    ("keywords:forbidden_words", {"forbidden_words": ["บำรุง"]}, "ฉันต้องการบำรุงรักษารถ", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ขอบคุณ"]}, "ขอบคุณมากครับ", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["บ้า"]}, "บ้านหลังนี้สวย", True, "บ้าน is not บ้า"),
    ("keywords:forbidden_words", {"forbidden_words": ["บ้า"]}, "เขาเป็นคนบ้า", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ชื่อเล่น"]}, "ชื่อเล่นของฉันคือแบงค์", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["มี"]}, "เดือนมีนาคม", True, "มีนาคม is not มี"),
    ("keywords:forbidden_words", {"forbidden_words": ["มี"]}, "ฉันมีแมว", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["เรา", "มี"]}, "พวกเราไปเที่ยว", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["taylor", "swift"]}, "ฉันชอบเพลงของ Taylor", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ตลาดนัด", "json"]}, "ฉันไม่ชอบjson", False,
     "a Latin word touching Thai letters is still a word"),
    ("keywords:forbidden_words", {"forbidden_words": ["สถานี"]}, "สถานีรถไฟอยู่ใกล้", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ใช่", "ไม่ใช่"]}, "ไม่ใช่แบบนั้น", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["คิดถึง", "เงิน"]}, "เงินเดือนออกแล้ว", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["เสียชีวิต", "จมน้ำ"]}, "ชีวิตนี้ดีมาก", True, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["เศร้า", "บ้า", "เครียด"]}, "ความเศร้าหายไป", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ให้อาหาร"]}, "อาหารอร่อยมาก", True, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ให้อาหาร"]}, "ฉันให้อาหารแมวทุกวัน", False, ""),
    ("keywords:forbidden_words", {"forbidden_words": ["ทำได้", "ขับ"]}, "ฉันขับรถไปทำงาน", False, ""),
    # keyword existence
    ("keywords:existence", {"keywords": ["ประสบการณ์"]}, "ฉันมีประสบการณ์ทำงานห้าปี", True, ""),
    ("keywords:existence", {"keywords": ["เกี่ยวข้อง"]}, "สิ่งที่เกี่ยวข้องกับงาน", True, ""),
    ("keywords:existence", {"keywords": ["ประสิทธิภาพ", "คุณภาพ"]}, "ระบบมีประสิทธิภาพและคุณภาพดี", True, ""),
    ("keywords:existence", {"keywords": ["เทศกาล", "แม่น้ำ"]}, "ฉันไปเที่ยวแม่น้ำ", False, "เทศกาล is missing"),
    ("keywords:existence", {"keywords": ["แมว"]}, "ลูกแมวน่ารัก", True, "ลูกแมว (kitten) contains แมว"),
    ("keywords:existence", {"keywords": ["python", "java"]}, "ฉันเขียน Python และ Java ได้", True, ""),
    # keyword frequency
    ("keywords:frequency", {"keyword": "เมือง", "frequency": 2, "relation": "less than"},
     "เมืองหลวงของไทยคือกรุงเทพ", True, ""),
    ("keywords:frequency", {"keyword": "เคาะ", "frequency": 2, "relation": "at least"},
     "เขาเคาะประตู แล้วเคาะอีกครั้ง", True, ""),
    ("keywords:frequency", {"keyword": "เคาะ", "frequency": 3, "relation": "at least"},
     "เขาเคาะประตู แล้วเคาะอีกครั้ง", False, ""),
    # placeholders
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "เรียน [ชื่อ]\nที่อยู่: [ที่อยู่]", True, ""),
    ("detectable_content:number_placeholders", {"num_placeholders": 3}, "เรียน [ชื่อ]\nที่อยู่: [ที่อยู่]", False, ""),
    ("detectable_content:number_placeholders", {"num_placeholders": 1}, "ไม่มีวงเล็บเลย", False, ""),
    ("detectable_content:number_placeholders", {"num_placeholders": 3}, "[ชื่อ][นามสกุล] [เบอร์โทร]", True, ""),
    # postscript
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหาจดหมาย\n\nป.ล. อย่าลืมนัดพรุ่งนี้", True, ""),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหา\nป. ล. อย่าลืมนะ", True,
     "a space after the first dot is still the marker"),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหาจดหมายไม่มีปัจฉิมลิขิต", False, ""),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหา\nปล. อย่าลืมนะ", False,
     "ปล. is not the marker asked for"),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหา\n**ป.ล.** อย่าลืมนะ", True,
     "bold markup around the marker"),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "ฉันเขียนคำว่า ป.ล. ไว้กลางประโยคนี้", False,
     "the marker in the middle of a line does not start a postscript"),
    ("detectable_content:postscript", {"postscript_marker": "ป.ล."}, "เนื้อหา\n\nP.S. อย่าลืมนะ", False, ""),
    # end phrase
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "ขอบคุณที่ใช้บริการ มีอะไรให้ช่วยอีกไหม?", True, ""),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "ขอบคุณที่ใช้บริการ มีอะไรให้ช่วยอีกไหม", False, ""),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "ขอบคุณ มีอะไรให้ช่วยอีกไหม?\n\n", True, ""),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "มีอะไรให้ช่วยอีกไหม? ขอบคุณครับ", False, ""),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, '"ขอบคุณ มีอะไรให้ช่วยอีกไหม?"', True, ""),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "ขอบคุณ มีอะไรให้ช่วยอีกไหมคะ?", False,
     "an added particle changes the exact phrase"),
    ("startend:end_checker", {"end_phrase": "ทำตาม 5 ขั้นตอนข้างต้น แล้วคุณจะประสบความสำเร็จ"},
     "สรุป ทําตาม 5 ขั้นตอนข้างต้น แล้วคุณจะประสบความสําเร็จ", True,
     "sara am typed as nikhahit + sara aa looks identical to a reader"),
    ("startend:end_checker", {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}, "ขอบคุณ มีอะไรให้ช่วย\u200bอีกไหม?", True,
     "an invisible zero-width space is not seen by a reader"),
    ("startend:end_checker", {"end_phrase": "สันติภาพ!"}, "ขอให้โลกมีสันติภาพ!", True, ""),
    # first word of the n-th paragraph
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "สุดสัปดาห์"},
     "สุดสัปดาห์นี้ไปทะเลกัน\n\nทะเลสวยมาก", True, ""),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "สุดสัปดาห์"},
     "เมื่อสุดสัปดาห์เราไปทะเล\n\nทะเลสวยมาก", False, ""),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "ประธานาธิบดี"},
     "ข่าวด่วน\n\nประธานาธิบดีแถลงข่าววันนี้\n\nจบข่าว", True, ""),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "สรุป"},
     "เนื้อหา\n\n**สรุป** ทั้งหมดนี้ดีมาก", True, "bold markup around the first word"),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "สรุป"},
     "เนื้อหา\n\nสรุปแล้วทุกอย่างดี", True, "สรุป followed by แล้ว"),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "ตระหนัก"},
     "ตระหนักถึงปัญหานี้\n\nย่อหน้าที่สอง", True, ""),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 3, "nth_paragraph": 1, "first_word": "ตระหนัก"},
     "ตระหนักถึงปัญหานี้\n\nย่อหน้าที่สอง", False, "two paragraphs, three asked for"),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "สุด"},
     "สุดท้ายนี้ขอขอบคุณ\n\nย่อหน้าที่สอง", False, "the first word is สุดท้าย, not สุด"),
    # paragraphs, bullets, highlights, sections
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "ย่อหน้าแรก\n***\nย่อหน้าที่สอง", True, ""),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "ย่อหน้าแรก\n***\nย่อหน้าที่สอง", False, ""),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, "* ข้อแรก\n* ข้อสอง\n* ข้อสาม", True, ""),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, "- ข้อแรก\n- ข้อสอง", False, ""),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*ส่วนที่หนึ่ง* และ *ส่วนที่สอง*", True, ""),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "**ตัวหนา** เท่านั้น", False, ""),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION 1\nบทแรก\nSECTION 2\nบทที่สอง", True, ""),
    # length in Thai words and sentences through the instruction checkers
    ("length_constraints:number_words", {"num_words": 4, "relation": "at least"}, "แมวนอนบนโต๊ะ", True, ""),
    ("length_constraints:number_words", {"num_words": 4, "relation": "less than"}, "แมวนอนบนโต๊ะ", False, ""),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "ฉันกินข้าว เขาดื่มน้ำ", True, ""),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"},
     "ฉันกินข้าว เขาดื่มน้ำ แมวนอนหลับ", True, ""),
    # punctuation, wrapping, title, two responses, JSON
    ("punctuation:no_comma", {}, "ไม่มีจุลภาคเลย", True, ""),
    ("punctuation:no_comma", {}, "มีจุลภาค, ตรงนี้", False, ""),
    ("startend:quotation", {}, '"ข้อความในเครื่องหมายคำพูด"', True, ""),
    ("startend:quotation", {}, "“ข้อความในเครื่องหมายคำพูด”", True, "typographic double quotes are double quotes"),
    ("startend:quotation", {}, "ข้อความที่ไม่มีเครื่องหมายคำพูด", False, ""),
    ("detectable_format:title", {}, "<<บทกวีแห่งความสุข>>\nเนื้อหา", True, ""),
    ("combination:two_responses", {}, "คำตอบแรก\n******\nคำตอบที่สอง", True, ""),
    ("combination:two_responses", {}, "คำตอบเดียว\n******\nคำตอบเดียว", False, "the two must differ"),
    ("detectable_format:json_format", {}, '```json\n{"ชื่อ": "สมชาย"}\n```', True, ""),
    # the language asked for, in a Thai row
    ("language:response_language", {"language": "hi"}, "नमस्ते, मेरा नाम राम है। मैं भारत में रहता हूँ और मुझे किताबें पढ़ना पसंद है।", True, ""),
    ("language:response_language", {"language": "mr"}, "नमस्कार, माझे नाव राम आहे. मी पुण्यात राहतो आणि मला पुस्तके वाचायला आवडतात.", True, ""),
    ("language:response_language", {"language": "vi"}, "Xin chào, tôi tên là Nam. Tôi sống ở Hà Nội và tôi thích đọc sách.", True, ""),
    ("language:response_language", {"language": "sw"}, "Habari, jina langu ni Juma. Ninaishi Nairobi na ninapenda kusoma vitabu.", True, ""),
    ("language:response_language", {"language": "sw"}, "Hello, my name is John. I live in London and I like reading books.", False, ""),
    ("language:response_language", {"language": "ru"}, "Привет, меня зовут Иван. Я живу в Москве и люблю читать книги.", True, ""),
    ("language:response_language", {"language": "ko"}, "안녕하세요, 제 이름은 민수입니다. 저는 서울에 살고 책 읽는 것을 좋아해요.", True, ""),
    ("language:response_language", {"language": "ko"},
     "안녕하세요, 제 이름은 민수입니다. สวัสดีครับ ผมชื่อมินซู ผมอาศัยอยู่ที่โซลและชอบอ่านหนังสือมาก", False,
     "half the answer is Thai"),
    ("language:response_language", {"language": "fa"}, "سلام، نام من علی است. من در تهران زندگی می‌کنم و کتاب خواندن را دوست دارم.", True, ""),
    ("language:response_language", {"language": "bn"}, "নমস্কার, আমার নাম রাহুল। আমি কলকাতায় থাকি এবং বই পড়তে ভালোবাসি।", True, ""),
    ("language:response_language", {"language": "hi"}, "สวัสดีครับ ผมชื่อราม ผมอาศัยอยู่ที่อินเดีย", False, "a Thai answer"),
    ("language:response_language", {"language": "hi"}, "12345 67890", False, "no language at all"),
]


def _ids(cases: list[tuple]) -> list[str]:
    return [f"{i}:{c[0][:18]!s}" for i, c in enumerate(cases)]


# Known deviations, found after the table was written and kept visible rather than re-counted:
# PyThaiNLP's default dictionary holds phrase entries (กินข้าว, อ่านหนังสือ, ตกหนัก, เมื่อคืนนี้,
# หรือยัง, กันที่), so newmm counts each as one word where a reader counts two. Strict xfail:
# if a dictionary change fixes one, the test says so.
WORD_DEVIATIONS = {
    "ฉันกินข้าว", "ฉันชอบอ่านหนังสือ", "นักเรียนอ่านหนังสือในห้องสมุด", "เด็ก ๆ เล่นกันที่สนาม",
    "ฉันกินข้าวแล้ว คุณกินหรือยัง", "ฝนตกหนักเมื่อคืนนี้",
}
_PHRASE = pytest.mark.xfail(strict=True, reason="newmm dictionary phrase entry counts as one word")


def _words_params() -> list:
    return [pytest.param(*c, marks=_PHRASE) if c[0] in WORD_DEVIATIONS else c for c in WORDS]


def test_table_is_large_enough() -> None:
    assert len(WORDS) + len(SENTENCES) + len(KEYWORD_COUNTS) + len(CHECKS) >= 80


@pytest.mark.parametrize(("text", "want", "tol", "note"), _words_params(), ids=_ids(WORDS))
def test_thai_word_count(text: str, want: int, tol: int, note: str) -> None:
    from thaibench.ifeval import thai

    got = thai.count_words(text)
    assert abs(got - want) <= tol, f"{text!r}: got {got}, reader counts {want} (±{tol}) {note}"


@pytest.mark.parametrize(("text", "want", "tol", "note"), SENTENCES, ids=_ids(SENTENCES))
def test_thai_sentence_count(text: str, want: int, tol: int, note: str) -> None:
    from thaibench.ifeval import thai

    got = thai.count_sentences(text)
    assert abs(got - want) <= tol, f"{text!r}: got {got}, reader counts {want} (±{tol}) {note}"


@pytest.mark.parametrize(("text", "keyword", "want", "tol", "note"), KEYWORD_COUNTS, ids=_ids(KEYWORD_COUNTS))
def test_thai_keyword_count(text: str, keyword: str, want: int, tol: int, note: str) -> None:
    from thaibench.ifeval import thai

    got = thai.count_keyword(text, keyword)
    assert abs(got - want) <= tol, f"{keyword!r} in {text!r}: got {got}, reader counts {want} (±{tol}) {note}"


@pytest.mark.parametrize(("iid", "kwargs", "response", "want", "note"), CHECKS, ids=_ids(CHECKS))
def test_thai_instruction_verdict(iid: str, kwargs: dict, response: str, want: bool, note: str) -> None:
    from thaibench.ifeval import check

    got = check(iid, response, kwargs, lang="th")
    assert got is want, f"{iid} {kwargs} on {response!r}: got {got}, reader says {want} {note}"
