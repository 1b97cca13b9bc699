"""Find section headings and outcome headings in clean report text (`CleanText.text`).

A heading is a line of the clean text that `looks_like_heading` (short, title-shaped; see
`extract.text`) and ends its paragraph: it is followed by a paragraph break, by the end of the
text, or by a bullet item. Clean text keeps a newline only at paragraph breaks, before bullet
items and before a heading glued under a sentence (rule 3b in `extract.text`), so such a line is a
paragraph of its own or a heading that closes one; running prose never becomes a heading. A
title-shaped lead-in that ends with ``:`` counts ("Operational Updates:" in a WFP brief, so also
"Specific lessons learned across interventions:" in a UNICEF report). Text before the first
heading belongs to no section.

An outcome is a line that starts with ``Outcome <n>:`` or ``Strategic Outcome <n>:``; see
`extract_outcomes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extract.text import looks_like_heading, starts_with_bullet

__all__ = ["Outcome", "Section", "extract_outcomes", "extract_sections"]

_OUTCOME = re.compile(r"^(?:Strategic\s+)?Outcome\s+(\d+)\s*:", re.IGNORECASE | re.MULTILINE)
# An age range in an outcome title: "0 to 5 years", "6-12 years", "(13–18 years old)".
_AGE_RANGE = re.compile(
    r"[\s,;(–—-]*\b(?:aged?\s+)?(\d{1,3})\s*(?:to|-|–|—)\s*(\d{1,3})\s*"
    r"(?:years?|yrs)(?:\s+old)?\b\)?",
    re.IGNORECASE,
)
# Where an outcome line that is not a heading stops being its title: the end of its first sentence.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s")
# A numbered item ("Activity 6:", "Output 1.2:"): results frameworks list these under an outcome,
# so one that happens to be short enough to be a heading does not end the outcome's text.
_NUMBERED_ITEM = re.compile(r"[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)?\s+\d+(?:\.\d+)*\s*:")


@dataclass(frozen=True)
class Section:
    """A heading and the text it heads, as offsets into the clean text."""

    title: str  # heading text as in the clean text, trailing ':' removed
    start: int  # offset of the heading's first character
    end: int  # where the section ends: the next heading's start, or len(text)
    title_end: int  # just after the heading line, so the body is text[title_end:end]
    level: int = 1  # one level: the reports give no reliable generic sign of nesting


@dataclass(frozen=True)
class Outcome:
    """A numbered (strategic) outcome, from the first line that names it."""

    number: int
    label: str  # "Outcome 1: Early Years": prefix, number and title, age range removed
    title: str  # the part after the colon, age range removed: "Early Years"
    min_age: int | None  # from an age range in the title ("0 to 5 years"), else None
    max_age: int | None
    start: int  # span of the outcome's title in the clean text (first occurrence)
    end: int
    section_end: int  # where the text about this outcome stops; see extract_outcomes


def extract_sections(text: str) -> list[Section]:
    """Return the sections of `text` in order, one per heading."""
    headings = [(start, end) for start, end in _iter_lines(text) if _is_heading(text, start, end)]
    sections = []
    for index, (start, end) in enumerate(headings):
        section_end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
        title = text[start:end].rstrip(":").rstrip()
        sections.append(Section(title=title, start=start, end=section_end, title_end=end))
    return sections


def extract_outcomes(text: str) -> list[Outcome]:
    """Return one outcome per number, in order of first appearance.

    Label, title and span come from the first line naming the outcome: for a heading, the whole
    line; otherwise the line's first sentence (a WFP brief repeats "Strategic Outcome 1:" as a
    short title, then as a long statement; the short title comes first). The text about an
    outcome (`section_end`) runs from that line to the next line naming a different outcome, or to
    the next heading that is not a numbered item ("Activity 6: ..."), or to the end of the text:
    this covers both a heading's section and the paragraphs (statements, activities) that follow
    an outcome line in a results table.
    """
    matches = list(_OUTCOME.finditer(text))
    sections = extract_sections(text)
    heading_starts = {section.start for section in sections}
    section_breaks = [s.start for s in sections if not _NUMBERED_ITEM.match(s.title)]
    seen: set[int] = set()
    outcomes = []
    for match in matches:
        number = int(match.group(1))
        if number in seen:
            continue
        seen.add(number)
        start = match.start()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end == -1 else line_end
        if start in heading_starts:
            title_text = text[match.end():line_end].rstrip(":")
        else:
            title_text = _SENTENCE_BREAK.split(text[match.end():line_end], maxsplit=1)[0]
        end = match.end() + len(title_text)
        title, min_age, max_age = _split_age_range(title_text.strip())
        title = title.rstrip(".:").strip()
        section_end = min(
            [s for s in section_breaks if s > start]
            + [m.start() for m in matches if m.start() > start and int(m.group(1)) != number]
            + [len(text)]
        )
        outcomes.append(
            Outcome(
                number=number,
                label=f"{match.group(0)} {title}",
                title=title,
                min_age=min_age,
                max_age=max_age,
                start=start,
                end=end,
                section_end=section_end,
            )
        )
    return outcomes


def _iter_lines(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each non-empty line of `text`."""
    start = 0
    for line in text.split("\n"):
        if line:
            yield start, start + len(line)
        start += len(line) + 1


def _is_heading(text: str, start: int, end: int) -> bool:
    """Tell whether the line text[start:end] is a heading (see the module docstring)."""
    if not looks_like_heading(text[start:end]):
        return False
    if end == len(text) or text.startswith("\n\n", end):
        return True
    next_end = text.find("\n", end + 1)
    return starts_with_bullet(text[end + 1 : len(text) if next_end == -1 else next_end])


def _split_age_range(title: str) -> tuple[str, int | None, int | None]:
    """Take an age range ("0 to 5 years") out of an outcome title and return it as numbers."""
    match = _AGE_RANGE.search(title)
    if match is None:
        return title, None, None
    low, high = int(match.group(1)), int(match.group(2))
    if low > high:
        return title, None, None
    rest = (title[: match.start()] + title[match.end():]).strip(" ,;–—-")
    return " ".join(rest.split()), low, high
