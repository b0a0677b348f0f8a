"""Plain data across the sandbox boundary: a tagged JSON form of exact builtin values, and the
length-prefixed frames the HumanEval judge and candidate exchange.

This file is shipped into the sandbox with driver.py (its source is prepended to the driver's and
compiled as one module), so it imports only built-in modules. The harness imports it to rebuild
values with `untag`.

`tag` accepts exact builtin types only: `type(x) is int`, never `isinstance`, so a subclass with
a rigged `__eq__` is refused rather than converted. JSON cannot tell a tuple from a list, so
non-JSON shapes carry a one-key tag: {"$t": [...]} tuple, {"$d": [[k, v], ...]} dict (any
keys), {"$s": ...} set, {"$S": ...} frozenset, {"$b": base64} bytes, {"$c": [re, im]}
complex, {"$f": "nan"} non-finite float, {"$i": hex} an int beyond 2**53. `untag` rejects
anything else with ValueError: the writer may be hostile.

Example:
    dump(tag({1: (2, 3)}))  # '{"$d":[[1,{"$t":[2,3]}]]}'
"""

import binascii
import os
import select
import time

try:  # the C string escaper of the json package, without importing json (re, enum: ~12 ms)
    from _json import encode_basestring_ascii as _quote
except ImportError:  # pragma: no cover - CPython always has it
    def _quote(s):
        return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\u{ord(c):04x}"
                             for c in s) + '"'

MAX_DEPTH = 200  # nesting accepted in a returned value
SMALL_INT = 1 << 53


class Unplain(Exception):
    """A value that is not plain data (a custom class, a generator, a too-deep nesting)."""


# ---------------------------------------------------------------- plain data, tagged for JSON

def tag(x, depth=0):
    """Exact builtin types only: a subclass with a rigged __eq__ is refused, never converted."""
    if depth > MAX_DEPTH:
        raise Unplain(f"value nested deeper than {MAX_DEPTH}")
    t = type(x)
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if -SMALL_INT < x < SMALL_INT else {"$i": int.__format__(x, "x")}
    if t is float:
        if x != x:
            return {"$f": "nan"}
        if x in (float("inf"), float("-inf")):
            return {"$f": "inf" if x > 0 else "-inf"}
        return x
    if t is list:
        return [tag(v, depth + 1) for v in list.__iter__(x)]
    if t is tuple:
        return {"$t": [tag(v, depth + 1) for v in tuple.__iter__(x)]}
    if t is dict:
        return {"$d": [[tag(k, depth + 1), tag(v, depth + 1)] for k, v in dict.items(x)]}
    if t is set:
        return {"$s": [tag(v, depth + 1) for v in set.__iter__(x)]}
    if t is frozenset:
        return {"$S": [tag(v, depth + 1) for v in frozenset.__iter__(x)]}
    if t is bytes:
        return {"$b": binascii.b2a_base64(x, newline=False).decode("ascii")}
    if t is complex:
        return {"$c": [tag(x.real), tag(x.imag)]}
    raise Unplain(f"value of type {t.__name__} is not plain data")


def untag(x, depth=0):
    """Rebuild a tagged value; raise ValueError on anything malformed (a hostile writer)."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("too deep")
    t = type(x)
    if x is None or t in (bool, str, int, float):
        return x
    if t is list:
        return [untag(v, depth + 1) for v in x]
    if t is dict and len(x) == 1:
        (k, v), = x.items()
        if k == "$i" and type(v) is str:
            return int(v, 16)
        if k == "$f" and v in ("nan", "inf", "-inf"):
            return float(v)
        if k == "$b" and type(v) is str:
            return binascii.a2b_base64(v)
        if type(v) is list:
            items = [untag(e, depth + 1) for e in v]
            if k == "$t":
                return tuple(items)
            if k == "$s":
                return set(items)
            if k == "$S":
                return frozenset(items)
            if k == "$c" and len(items) == 2 and all(type(e) in (int, float) for e in items):
                return complex(items[0], items[1])
            if k == "$d" and all(type(e) is list and len(e) == 2 for e in items):
                return {e[0]: e[1] for e in items}
    raise ValueError("malformed tagged value")


def dump(o):
    """JSON text for the driver's own messages (dict/list/str/int/float/bool/None)."""
    t = type(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is str:
        return _quote(o)
    if t is int:
        return int.__repr__(o)
    if t is float:
        return float.__repr__(o) if o == o and o not in (float("inf"), float("-inf")) else "null"
    if t is list or t is tuple:
        return "[" + ",".join([dump(v) for v in o]) + "]"
    if t is dict:
        return "{" + ",".join([_quote(k) + ":" + dump(v) for k, v in o.items()]) + "}"
    raise TypeError(t.__name__)


def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except InterruptedError:
            continue
        data = data[n:]


def read_exact(fd, n, deadline=None):
    """n bytes from fd, b"" at EOF before the first byte; TimeoutError past the deadline."""
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no answer before the wall limit")
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            if got:
                raise EOFError("truncated message")
            return b""
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def send_frame(fd, payload):
    write_all(fd, len(payload).to_bytes(4, "big") + payload)


def recv_frame(fd, deadline=None, cap=1 << 28):
    head = read_exact(fd, 4, deadline)
    if not head:
        return None
    n = int.from_bytes(head, "big")
    if n > cap:
        raise ValueError(f"message larger than {cap} bytes")
    return read_exact(fd, n, deadline)
