"""Bilingual word lists and sentence templates of the miniature world (Thai and English).

Written for this project (Apache-2.0, like the rest of thaibench). Every entry is a pair
(English, Thai) so that one drawn item renders in both languages with the same `pair_id`.
Thai word problems use the noun's classifier (ลักษณนาม), as Thai requires:
"สมชายมีแอปเปิล 7 ผล" = "Somchai has 7 apples".

Quirks: the vocabulary is small on purpose (the tokenizer and the tiny models are trained on
it); Thai has no spaces between words, so templates write a space only where Thai writing does
(around numbers and between clauses).
"""

from __future__ import annotations

# (English, Thai)
NAMES: tuple[tuple[str, str], ...] = (
    ("Somchai", "สมชาย"), ("Malee", "มาลี"), ("Niran", "นิรันดร์"), ("Suda", "สุดา"),
    ("Anan", "อนันต์"), ("Pim", "พิม"), ("Kasem", "เกษม"), ("Wanna", "วรรณา"),
    ("Chai", "ชัย"), ("Nok", "นก"), ("Preecha", "ปรีชา"), ("Dao", "ดาว"),
)

# (English plural, Thai noun, Thai classifier)
THINGS: tuple[tuple[str, str, str], ...] = (
    ("apples", "แอปเปิล", "ผล"), ("mangoes", "มะม่วง", "ผล"), ("pencils", "ดินสอ", "แท่ง"),
    ("books", "หนังสือ", "เล่ม"), ("eggs", "ไข่", "ฟอง"), ("marbles", "ลูกแก้ว", "ลูก"),
    ("candies", "ลูกอม", "เม็ด"), ("stamps", "แสตมป์", "ดวง"), ("fish", "ปลา", "ตัว"),
    ("cookies", "คุกกี้", "ชิ้น"), ("flowers", "ดอกไม้", "ดอก"), ("cards", "การ์ด", "ใบ"),
)

# Word-problem steps: (op, English verb phrase, Thai verb phrase). `{n}` is the number and
# `{c}` the Thai classifier.
ADD_STEPS: tuple[tuple[str, str], ...] = (
    ("buys {n} more", "ซื้อมาอีก {n} {c}"),
    ("finds {n} more", "เก็บได้อีก {n} {c}"),
    ("gets {n} from a friend", "ได้จากเพื่อนอีก {n} {c}"),
    ("receives {n} more as a gift", "ได้รับเป็นของขวัญอีก {n} {c}"),
)
SUB_STEPS: tuple[tuple[str, str], ...] = (
    ("gives away {n}", "แบ่งให้เพื่อนไป {n} {c}"),
    ("loses {n}", "ทำหายไป {n} {c}"),
    ("sells {n}", "ขายไป {n} {c}"),
    ("uses {n}", "ใช้ไป {n} {c}"),
)

# General instructions: each family is a list of slot tuples and four templates:
# (English prompt, English answer, Thai prompt, Thai answer). The English trace of the
# reasoning parent restates the request and the fact in English.
OPPOSITES: tuple[tuple[str, str, str, str], ...] = (
    ("hot", "cold", "ร้อน", "เย็น"), ("big", "small", "ใหญ่", "เล็ก"), ("tall", "short", "สูง", "เตี้ย"),
    ("fast", "slow", "เร็ว", "ช้า"), ("happy", "sad", "มีความสุข", "เศร้า"), ("new", "old", "ใหม่", "เก่า"),
    ("good", "bad", "ดี", "เลว"), ("day", "night", "กลางวัน", "กลางคืน"), ("up", "down", "ขึ้น", "ลง"),
    ("open", "closed", "เปิด", "ปิด"), ("rich", "poor", "รวย", "จน"), ("light", "heavy", "เบา", "หนัก"),
    ("near", "far", "ใกล้", "ไกล"), ("early", "late", "เช้า", "สาย"), ("wet", "dry", "เปียก", "แห้ง"),
    ("long", "short", "ยาว", "สั้น"),
)

COLOURS: tuple[tuple[str, str, str, str], ...] = (
    ("the sky", "blue", "ท้องฟ้า", "สีฟ้า"), ("grass", "green", "หญ้า", "สีเขียว"),
    ("a banana", "yellow", "กล้วย", "สีเหลือง"), ("milk", "white", "นม", "สีขาว"),
    ("coal", "black", "ถ่าน", "สีดำ"), ("blood", "red", "เลือด", "สีแดง"),
    ("an orange", "orange", "ส้ม", "สีส้ม"), ("a leaf", "green", "ใบไม้", "สีเขียว"),
    ("snow", "white", "หิมะ", "สีขาว"), ("a tomato", "red", "มะเขือเทศ", "สีแดง"),
    ("the sun", "yellow", "ดวงอาทิตย์", "สีเหลือง"), ("the sea", "blue", "ทะเล", "สีฟ้า"),
)

DAYS: tuple[tuple[str, str], ...] = (
    ("Monday", "วันจันทร์"), ("Tuesday", "วันอังคาร"), ("Wednesday", "วันพุธ"), ("Thursday", "วันพฤหัสบดี"),
    ("Friday", "วันศุกร์"), ("Saturday", "วันเสาร์"), ("Sunday", "วันอาทิตย์"),
)

CAPITALS: tuple[tuple[str, str, str, str], ...] = (
    ("Thailand", "Bangkok", "ประเทศไทย", "กรุงเทพมหานคร"), ("Japan", "Tokyo", "ประเทศญี่ปุ่น", "โตเกียว"),
    ("France", "Paris", "ประเทศฝรั่งเศส", "ปารีส"), ("Laos", "Vientiane", "ประเทศลาว", "เวียงจันทน์"),
    ("China", "Beijing", "ประเทศจีน", "ปักกิ่ง"), ("England", "London", "ประเทศอังกฤษ", "ลอนดอน"),
    ("Vietnam", "Hanoi", "ประเทศเวียดนาม", "ฮานอย"), ("Korea", "Seoul", "ประเทศเกาหลี", "โซล"),
    ("Italy", "Rome", "ประเทศอิตาลี", "โรม"), ("Egypt", "Cairo", "ประเทศอียิปต์", "ไคโร"),
    ("Cambodia", "Phnom Penh", "ประเทศกัมพูชา", "พนมเปญ"), ("India", "New Delhi", "ประเทศอินเดีย", "นิวเดลี"),
)

# (English animal, legs, Thai animal, English sound-free description, Thai description)
ANIMALS: tuple[tuple[str, str, str, str], ...] = (
    ("a dog", "4", "สุนัข", "a loyal pet"), ("a cat", "4", "แมว", "a quiet pet"),
    ("a chicken", "2", "ไก่", "a farm bird"), ("a duck", "2", "เป็ด", "a bird that swims"),
    ("a cow", "4", "วัว", "a farm animal"), ("an elephant", "4", "ช้าง", "a very large animal"),
    ("a horse", "4", "ม้า", "a fast animal"), ("a spider", "8", "แมงมุม", "a small hunter"),
    ("an ant", "6", "มด", "a tiny insect"), ("a bird", "2", "นก", "an animal that flies"),
    ("a goat", "4", "แพะ", "a farm animal"), ("a bee", "6", "ผึ้ง", "an insect that makes honey"),
)
ANIMAL_TH_DESC: dict[str, str] = {
    "a loyal pet": "สัตว์เลี้ยงที่ซื่อสัตย์", "a quiet pet": "สัตว์เลี้ยงที่เงียบ",
    "a farm bird": "นกในฟาร์ม", "a bird that swims": "นกที่ว่ายน้ำได้", "a farm animal": "สัตว์ในฟาร์ม",
    "a very large animal": "สัตว์ที่ตัวใหญ่มาก", "a fast animal": "สัตว์ที่วิ่งเร็ว",
    "a small hunter": "นักล่าตัวเล็ก", "a tiny insect": "แมลงตัวเล็ก", "an animal that flies": "สัตว์ที่บินได้",
    "an insect that makes honey": "แมลงที่ทำน้ำผึ้ง",
}

# Advice: (English topic, English tip, Thai topic, Thai tip)
TIPS: tuple[tuple[str, str, str, str], ...] = (
    ("sleeping well", "go to bed at the same time every night", "การนอนหลับให้ดี", "เข้านอนเวลาเดิมทุกคืน"),
    ("staying healthy", "eat vegetables and exercise every day", "การมีสุขภาพดี", "กินผักและออกกำลังกายทุกวัน"),
    ("saving money", "write down what you spend each day", "การเก็บเงิน", "จดรายจ่ายทุกวัน"),
    ("learning a language", "practise a little every day", "การเรียนภาษา", "ฝึกฝนทุกวันวันละนิด"),
    ("studying for a test", "review your notes early", "การเตรียมสอบ", "ทบทวนบทเรียนล่วงหน้า"),
    ("keeping a room clean", "put things back after you use them", "การรักษาห้องให้สะอาด", "เก็บของเข้าที่หลังใช้"),
    ("drinking enough water", "carry a bottle of water with you", "การดื่มน้ำให้เพียงพอ", "พกขวดน้ำติดตัว"),
    ("making friends", "smile and listen to people", "การหาเพื่อนใหม่", "ยิ้มและรับฟังผู้อื่น"),
    ("reading more", "read ten pages before bed", "การอ่านหนังสือให้มากขึ้น", "อ่านหนังสือสิบหน้าก่อนนอน"),
    ("waking up early", "put your alarm far from the bed", "การตื่นเช้า", "วางนาฬิกาปลุกไว้ไกลเตียง"),
)
