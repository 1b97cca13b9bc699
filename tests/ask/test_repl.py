"""`kg ask` with no question: answers line by line, from one store and index, on a pipe and on a real terminal."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from kg.ask.answer import answer
from kg.ask.index import _index
from kg.ask.render import render_answer
from kg.ask.repl import GREETING, PROMPT, answer_questions
from kg.query.run import open_store
from tests.conftest import ROOT


def test_answers_come_in_the_order_asked_and_equal_one_question_calls(out_dir):
    store = open_store(out_dir)
    questions = ["Who funds WFP in Haiti?", "Which outcomes contribute to SDG 5?", "What is the capital of France?"]
    texts = list(answer_questions(iter(questions), store, out_dir, "text"))
    assert [t.splitlines()[0] for t in texts] == [f"Q: {q}" for q in questions]
    assert texts[0] == render_answer(answer(questions[0], store, folder=out_dir), "text") + "\n"
    assert "No answer" in texts[2]


def test_the_index_is_read_once_for_every_question(out_dir):
    store = open_store(out_dir)
    seen = []
    for _ in answer_questions(["Who funds UNICEF?", "Who funds WFP?"], store, out_dir, "json"):
        seen.append(_index(store, out_dir))
    assert seen[0] is seen[1]


def _read_until(fd: int, wanted: bytes, seconds: float = 120.0) -> bytes:
    """What the terminal shows until `wanted` appears (or the time runs out)."""
    out, end = b"", time.monotonic() + seconds
    while wanted not in out and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def test_on_a_terminal_it_prompts_answers_and_an_empty_line_ends(out_dir):
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "ask", "--out", str(out_dir)], cwd=ROOT,
                            stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    try:
        shown = _read_until(leader, PROMPT.encode())
        assert GREETING.encode() in shown, shown
        os.write(leader, b"Who funds WFP in Haiti?\r")
        shown = _read_until(leader, b"\n" + PROMPT.encode())
        assert b"Q: Who funds WFP in Haiti?" in shown and b"Canada" in shown, shown
        os.write(leader, b"\r")
        assert proc.wait(timeout=60) == 0
        assert b"Traceback" not in _read_until(leader, b"\x00", seconds=1.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
