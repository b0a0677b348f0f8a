"""Are two math answers equal? Fast exact rules first, then math-verify in a killable worker.

math-verify (HuggingFace, Apache-2.0; https://github.com/huggingface/Math-Verify) parses LaTeX
into sympy and compares numerically and symbolically. Cases it misreads are settled before it:
- `28\\,800` parses as 828 and `12 บาท` not at all: `clean_answer` removes separators and units;
- `025` vs `25`, `0.5` vs `\\frac12`, `10\\%` vs `10` or `0.1`, mixed numbers `1\\frac45`: exact
  rational arithmetic here (a decimal with 3+ places also matches a fraction it rounds from);
- `\\text{(C)}` vs `C`, `(C) plane` or Thai `ข้อ ค`: choice letters; `\\text{Navin}` vs `navin`:
  words compare as words (sympy reads "Navin" as the product n*a*v*i*n and accepts "nivan");
  a Thai word answer goes through `THAI_WORDS` (`\\text{even}` vs `คู่`, `\\text{east}` vs
  `ทิศตะวันออก`);
- `x = 3` vs `3`, `x \\in [-2,7]` vs `[-2,7]`: a single-letter assignment is dropped;
- `2516_8` vs `2516`: a base subscript is ignored when only one side has it;
- a column vector `\\begin{pmatrix}1\\\\2\\end{pmatrix}` vs `(1, 2)`: one-row/column matrices become tuples.

Never hangs: math-verify's own timeouts use SIGALRM, which works only in the main thread
(elsewhere it raises ValueError) and cannot interrupt long C-level arithmetic such as
`9^{9^{9}}`. So sympy runs in a worker process (`python -m thaibench.scorers._math_equal`,
memory-capped) that is killed after `timeout` seconds; the verdict is then undecided (None) and
the scorer reports NaN. Power towers are refused before sympy. Where a worker cannot be started
(no fork/exec) the comparison runs in-process from then on, with math-verify's timeouts in the
main thread, or in a daemon thread abandoned after the timeout elsewhere; a warning says so.
`THAIBENCH_MATH_INLINE=1` asks for the in-process mode.

Example: check_equal("28\\,800", "28800") -> Verdict(True, "exact")
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from thaibench.scorers._math_clean import clean_answer

log = logging.getLogger(__name__)

WORKER_MEMORY_BYTES = 4 * 1024**3
_MAX_SYMPY_CHARS = 600
_TOWER_RE = re.compile(r"\^\s*\{[^{}]*\^|\^\s*\{?\s*\d{7,}|\d{5,}\s*!|\\underbrace")
_GREEK = "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|kappa|lambda|mu|nu|xi|rho|sigma|tau|phi|varphi|chi|psi|omega"
_ASSIGN_RE = re.compile(
    rf"^(?:[A-Za-z]|\\(?:{_GREEK})(?![A-Za-z]))(?:_\{{\w+\}}|_\w)?(?:\([A-Za-z]\))?\s*(?:=|\\in(?![a-z]))\s*(?=\S)")
_CHOICE_RE = re.compile(r"^\(([A-Fa-f])\)$")
# A chosen letter: "C", "(c)", "ข้อ ค", "(C) plane", "C. plane" ("a plane" is no choice of A).
_PRED_CHOICE_RE = re.compile(
    r"^(?:ข้อ|ตัวเลือก|(?i:option|choice))?\s*(?:\(?([A-Fa-fกขคงจฉ])\)?$|\(([A-Fa-fกขคงจฉ])\)[\s.:]|([A-Fกขคงจฉ])[\s.:)])")
_THAI_CHOICES = dict(zip("กขคงจฉ", "ABCDEF", strict=True))
# Thai words for the text answers of MATH-style problems (the Thai MATH-500 keeps English golds
# such as \text{even} while asking for "คู่"); a Thai-only answer is read through this table.
THAI_WORDS = {
    "คู่": "even", "คี่": "odd", "ไม่ใช่ทั้งสองอย่าง": "neither", "ไม่เป็นทั้งสองอย่าง": "neither",
    "เหนือ": "north", "ใต้": "south", "ตะวันออก": "east", "ตะวันตก": "west",
    "เส้นตรง": "line", "วงกลม": "circle", "พาราโบลา": "parabola", "วงรี": "ellipse",
    "ไฮเปอร์โบลา": "hyperbola", "จุด": "point", "เส้นตรงสองเส้น": "two lines", "เซตว่าง": "empty",
    "ว่าง": "empty", "ระนาบ": "plane", "ทรงกลม": "sphere", "ทรงกระบอก": "cylinder",
    "กระบอกสูบ": "cylinder", "กรวย": "cone", "ใช่": "yes", "ไม่ใช่": "no", "จริง": "true", "เท็จ": "false",
}
_THAI_WORD_PREFIX_RE = re.compile(r"^(?:ทิศ|ฟังก์ชัน|จำนวน|รูป|เป็น|กราฟ|เส้นโค้ง)\s*")
_FILLER_WORDS = {"a", "an", "the", "is", "it", "function", "direction", "curve", "graph", "shape"}
_THAI_ONLY_RE = re.compile(r"^[\u0e00-\u0e7f\s]+$")
_BASE_RE = re.compile(r"^(\d+)_\{?(\d+)\}?$")
_WORDS_RE = re.compile(r"^[A-Za-z][A-Za-z\s'\-]*[A-Za-z]$")
_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
_PLAIN_RE = re.compile(rf"^([-+]?)({_NUM})(%?)$")
_RATIO_RE = re.compile(rf"^([-+]?)({_NUM})\s*/\s*({_NUM})(%?)$")
_FRAC_RE = re.compile(rf"^([-+]?)(?:(\d+)\s*)?\\frac\{{\s*([-+]?)({_NUM})\s*\}}\{{\s*({_NUM})\s*\}}(%?)$")
_VECTOR_RE = re.compile(r"^\\begin\{([pb]?matrix)\}(.*)\\end\{\1\}$", re.DOTALL)


@dataclass(frozen=True)
class Verdict:
    """`equal` is None when undecided (timeout, crashed worker); `method` says which rule decided."""

    equal: bool | None
    method: str


@dataclass(frozen=True)
class Number:
    value: Fraction
    percent: bool
    decimals: int  # places written after the point (0 for integers and fractions)


def parse_number(s: str) -> Number | None:
    """Plain numbers only: `-12`, `025`, `.5`, `3.75%`, `3/4`, `\\frac{3}{4}`, `1\\frac{4}{5}`."""
    s = s.replace(" ", "") if len(s) < 40 else s
    if m := _PLAIN_RE.match(s):
        sign, num, pct = m.groups()
        dec = len(num.split(".")[1]) if "." in num else 0
        return Number(Fraction(num) * (-1 if sign == "-" else 1), bool(pct), dec)
    if m := _RATIO_RE.match(s):
        sign, a, b, pct = m.groups()
        if Fraction(b) == 0:
            return None
        return Number(Fraction(a) / Fraction(b) * (-1 if sign == "-" else 1), bool(pct), 0)
    if m := _FRAC_RE.match(s):
        sign, whole, nsign, a, b, pct = m.groups()
        if Fraction(b) == 0:
            return None
        frac = Fraction(a) / Fraction(b) * (-1 if nsign == "-" else 1)
        if whole is not None:
            if not 0 <= frac < 1:
                return None  # "2\frac{3}{2}" is no mixed number; let sympy read it
            frac += int(whole)
        return Number(frac * (-1 if sign == "-" else 1), bool(pct), 0)
    return None


def _numbers_equal(a: Number, b: Number) -> bool:
    candidates = [(a.value, b.value)]
    if a.percent != b.percent:  # 10% may be written 10 or 0.1
        pct, other = (a, b) if a.percent else (b, a)
        candidates.append((pct.value / 100, other.value))
    for x, y in candidates:
        if x == y:
            return True
        places = max(a.decimals, b.decimals)
        if places >= 3 and abs(x - y) <= Fraction(1, 2 * 10**places):
            return True
    return False


def _vector_to_tuple(s: str) -> str:
    m = _VECTOR_RE.match(s)
    if not m:
        return s
    rows = [r.strip() for r in re.split(r"\\\\", m.group(2)) if r.strip()]
    cells = [[c.strip() for c in r.split("&")] for r in rows]
    if len(rows) == 1:
        return "(" + ", ".join(cells[0]) + ")"
    if all(len(r) == 1 for r in cells):
        return "(" + ", ".join(r[0] for r in cells) + ")"
    return s


@lru_cache(maxsize=65536)
def canonical(answer: str) -> str:
    """`clean_answer` plus the equality-only rules: no assignment, vectors as tuples."""
    s = clean_answer(answer)
    parts = re.split(r"=|\\in(?![a-z])", s)
    if len(parts) == 2 and "," not in parts[0]:
        s = _ASSIGN_RE.sub("", s, count=1)
    return _vector_to_tuple(s)


def _words(s: str) -> str | None:
    """A text answer as lower-case words without fillers ("an Ellipse" -> "ellipse"; Thai
    "วงรี" -> "ellipse"); None when `s` is not plain words."""
    if _THAI_ONLY_RE.match(s):
        thai = _THAI_WORD_PREFIX_RE.sub("", s.replace(" ", ""))
        return THAI_WORDS.get(thai, thai)
    if not _WORDS_RE.match(s):
        return None
    words = [w for w in s.lower().replace("-", " ").split() if w not in _FILLER_WORDS]
    return " ".join(words)


def _exact_rules(p: str, g: str) -> bool | None:
    """True/False when a rule here settles it, None to ask math-verify."""
    if re.sub(r"\s+", "", p) == re.sub(r"\s+", "", g):
        return True
    pn, gn = parse_number(p), parse_number(g)
    if pn is not None and gn is not None:
        return _numbers_equal(pn, gn)
    gc = _CHOICE_RE.match(g)
    if gc:
        pc = _PRED_CHOICE_RE.match(p)
        letter = next((x for x in pc.groups() if x), "") if pc else ""
        return _THAI_CHOICES.get(letter, letter.upper()) == gc.group(1).upper()
    gw, pw = _words(g), _words(p)
    if gw is not None or pw is not None:
        return gw == pw
    gb, pb = _BASE_RE.match(g), _BASE_RE.match(p)
    if gb or pb:
        if gb and pb:
            return gb.groups() == pb.groups()
        if gb and re.fullmatch(r"\d+", p):
            return p.lstrip("0") == gb.group(1).lstrip("0")
        if pb and re.fullmatch(r"\d+", g):
            return g.lstrip("0") == pb.group(1).lstrip("0")
    if len(p) > _MAX_SYMPY_CHARS or _TOWER_RE.search(p):
        return False  # no gold is this long or a power tower; sympy could run for hours
    return None


def check_equal(pred: str, gold: str, timeout: float = 10.0) -> Verdict:
    """Compare a model answer with a gold answer (both raw or cleaned LaTeX strings)."""
    p, g = canonical(pred), canonical(gold)
    if not p or not g:
        return Verdict(False, "empty answer")
    settled = _exact_rules(p, g)
    if settled is not None:
        return Verdict(settled, "exact")
    cached = _VERDICTS.get((p, g))
    if cached is not None:
        return Verdict(cached, "math-verify")
    result = _ENGINE.compare(p, g, timeout)
    if isinstance(result, bool):
        if len(_VERDICTS) > 200_000:
            _VERDICTS.clear()
        _VERDICTS[(p, g)] = result
        return Verdict(result, "math-verify")
    return Verdict(None, result)


def math_equal(pred: str, gold: str, timeout: float = 10.0) -> bool:
    """True when `pred` equals `gold`; an undecided (timed-out) comparison is False."""
    return check_equal(pred, gold, timeout).equal is True


_VERDICTS: dict[tuple[str, str], bool] = {}


# --- math-verify, in this process or in the worker ---------------------------------------
@lru_cache(maxsize=8192)
def _parse(latex: str, timeout: int | None) -> tuple:
    from math_verify import parse

    return tuple(parse("\\boxed{" + latex + "}", parsing_timeout=timeout, raise_on_error=True))


def mv_equal(pred: str, gold: str, timeout: int | None = 3) -> bool | None:
    """math-verify on two canonical strings (gold first: its comparison is not symmetric).
    None when it timed out (math-verify itself would say False); False when it fails."""
    from math_verify import verify
    from math_verify.errors import TimeoutException

    try:
        golds, preds = _parse(gold, timeout), _parse(pred, timeout)
    except TimeoutException:
        return None
    except (Exception, RecursionError, MemoryError):  # noqa: B014  (unparseable: not equal)
        return False
    timed_out = False
    for g in golds:  # pair by pair, as verify() does, but telling a timeout from a "no"
        for p in preds:
            try:
                if verify(g, p, timeout_seconds=timeout, allow_set_relation_comp=True, raise_on_error=True):
                    return True
            except TimeoutException:
                timed_out = True
            except (Exception, RecursionError, MemoryError):  # noqa: B014
                pass
    return None if timed_out else False


class _Engine:
    """One worker process shared by all threads (sympy is bound by the GIL anyway)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._pid = os.getpid()
        self._inline = os.name != "posix" or os.environ.get("THAIBENCH_MATH_INLINE") == "1"

    def close(self) -> None:
        if self._pid == os.getpid():
            self._kill()

    def _start(self) -> None:
        err = tempfile.TemporaryFile(mode="w+")
        # The child must import this very package, whatever put it on our path.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "thaibench.scorers._math_equal"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=err, text=True, encoding="utf-8", bufsize=1, env=env)
        line = self._read(60.0)
        if line != "ready":
            self._kill()
            err.seek(0)
            raise RuntimeError(f"math equivalence worker did not start: {err.read()[-2000:]}")
        err.close()

    def _read(self, timeout: float) -> str | None:
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self._proc.stdout.readline()
        return line.strip() if line else None

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def _send(self, p: str, g: str) -> None:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps([p, g], ensure_ascii=False) + "\n")
        self._proc.stdin.flush()

    def compare(self, p: str, g: str, timeout: float) -> bool | str:
        if self._inline:
            return _inline_compare(p, g, timeout)
        if self._pid != os.getpid():  # a forked child: the parent's worker is not ours to use
            self._pid, self._proc, self._lock = os.getpid(), None, threading.Lock()
        with self._lock:
            try:
                try:
                    self._send(p, g)
                except BrokenPipeError:  # the worker died since the last call: start a new one
                    self._kill()
                    self._send(p, g)
            except (OSError, RuntimeError) as exc:
                self._kill()
                self._inline = True  # do not pay a failed start on every comparison
                log.warning("math worker unavailable (%s); comparing in-process from now on", exc)
                return _inline_compare(p, g, timeout)
            line = self._read(timeout)
            if line is None:
                code = self._proc.poll() if self._proc is not None else None
                self._kill()
                if code is not None:
                    return f"math-verify worker exited with code {code} (restarted)"
                return f"math-verify gave no verdict within {timeout:g} s (worker restarted)"
            if line == "t":
                return "math-verify timed out"
            return line == "1"


def _inline_compare(p: str, g: str, timeout: float) -> bool | str:
    if threading.current_thread() is threading.main_thread():
        result = mv_equal(p, g, max(1, int(timeout / 3)))
    else:
        box: list[bool | None] = []
        t = threading.Thread(target=lambda: box.append(mv_equal(p, g, None)), daemon=True)
        t.start()
        t.join(timeout)
        if not box:
            return f"math-verify gave no verdict within {timeout:g} s (thread abandoned)"
        result = box[0]
    return f"math-verify timed out (limit {timeout:g} s)" if result is None else result


_ENGINE = _Engine()
atexit.register(_ENGINE.close)


def _serve() -> None:
    """Worker loop: one JSON [pred, gold] per line in, "1" (equal) / "0" / "t" (timed out) out."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass
    logging.disable(logging.WARNING)  # math-verify logs each timeout; the parent reports them
    # Verdicts go to the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    import math_verify  # noqa: F401  (fail here, before "ready", if it is missing)

    print("ready", file=out, flush=True)
    for line in sys.stdin:
        try:
            p, g = json.loads(line)
            result = mv_equal(p, g, timeout=3)
        except ValueError:
            result = False
        print({True: "1", False: "0", None: "t"}[result], file=out, flush=True)


if __name__ == "__main__":
    _serve()
