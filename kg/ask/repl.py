"""Turn questions read line by line (a terminal with line editing and history, or a pipe) into rendered answers."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Callable, ContextManager, Iterable, Iterator

from kg.ask.answer import answer
from kg.ask.render import render_answer

PROMPT = "? "
GREETING = "Ask a question per line; an empty line or Ctrl-D ends."


def interactive() -> bool:
    """Whether questions come from a person at a terminal (a prompt, history, and an empty line ends)."""
    return sys.stdin.isatty()


def read_questions() -> Iterator[str]:
    """The questions of stdin, one per line: on a terminal with a prompt and readline's editing and history, where
    an empty line ends; from a pipe every line, blank ones skipped, to the end of the input."""
    tty = interactive()
    if tty:
        import readline  # noqa: F401  (line editing and history for input())
    while True:
        try:
            line = input(PROMPT if tty else "")
        except EOFError:
            return
        if not line.strip():
            if tty:
                return
            continue
        yield line


def answer_questions(questions: Iterable[str], store, folder=None, fmt: str = "text", every: bool = False,
                     limit: Callable[[], ContextManager] = nullcontext) -> Iterator[str]:
    """Each question's answer rendered as it is read, every one from the same store, index and words, loaded once;
    `limit` bounds the time of each (the CLI's time limit)."""
    for question in questions:
        with limit():
            text = render_answer(answer(question, store, every=every, folder=folder), fmt)
        yield text + ("\n" if fmt == "text" else "")
