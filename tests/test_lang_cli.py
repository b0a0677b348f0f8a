"""`thaibench lang`: one JSON object per input line, UTF-8, from a file or stdin."""

from __future__ import annotations

import json
import subprocess
import sys

from thaibench.cli import main


def test_plain_and_json_lines(tmp_path, capsys):
    f = tmp_path / "in.txt"
    lines = [
        "Let me check. คำตอบคือ 42",
        json.dumps({"id": "x1", "text": "The answer is 5.", "expect": "en"}, ensure_ascii=False),
        "",
        json.dumps({"text": "ภาษาไทย 这个"}, ensure_ascii=False),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["lang", str(f)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 4
    assert out[0]["verdict"] is False and out[0]["spans"][0]["text"] == "Let me check"
    assert out[1]["id"] == "x1" and out[1]["expect"] == "en" and out[1]["verdict"] is True
    assert out[2]["reason"] == "empty" and out[2]["rate"] is None
    assert out[3]["spans"][0]["lang"] == "zh"


def test_output_keeps_thai_readable(tmp_path, capsys):
    f = tmp_path / "in.txt"
    f.write_text("ดีมาก 这个\n", encoding="utf-8")
    main(["lang", "--expect", "th", "--public", str(f)])
    raw = capsys.readouterr().out
    assert "这个" in raw and "\\u" not in raw
    assert json.loads(raw)["lang_public_check"]["passed"] is False


def test_invalid_utf8_file_is_read(tmp_path, capsys):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"\xff\xfe \xe0\xb8\x94\xe0\xb8\xb5 ok\n")
    assert main(["lang", str(f)]) == 0
    assert json.loads(capsys.readouterr().out)["letters"] > 0


def test_missing_file_is_a_user_error(tmp_path, capsys):
    assert main(["lang", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_reads_stdin():
    proc = subprocess.run(
        [sys.executable, "-m", "thaibench", "lang", "--expect", "en", "-"],
        input="คำตอบคือ 42\nThe answer is 42.\n".encode(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [o["verdict"] for o in out] == [False, True]
