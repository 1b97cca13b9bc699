"""Normalise PDF-extracted report text for NLP, keeping a map from each clean character back to the original.

What `clean` does, in order:

1. Invisible characters go: a BOM, zero-width spaces and joiners (U+200B..U+200D, U+2060, U+FEFF)
   and soft hyphens (U+00AD). `\\r\\n` and `\\r` (and the other Unicode line separators) become line
   breaks; every other whitespace character, non-breaking spaces included, becomes a plain space.
2. Stray marks (`` ` ´ ^ ~ ¨ ˜ ˆ``) between two letters go: PDF extraction leaves them inside
   words (``UNS`DCF`` -> ``UNSDCF``). Apostrophes and quotes are not stray marks. The same rule
   runs again after step 3, for marks that a joined line break brings next to a letter.
3. Each run of whitespace is rewritten as a whole:
   - at the start or end of the text: removed;
   - without a line break: one space;
   - with two or more line breaks (a blank line): a paragraph break, exactly ``"\\n\\n"``;
   - with exactly one line break, the first rule that applies wins:
     a. the next line starts with a bullet (``• · ▪ ◦ ● ‣``, or ``-``/``*`` followed by a space and
        more text): ``"\\n"``, so a bullet item starts its own line;
     b. the previous line ends a sentence (``. ! ?``, optionally followed by closing quotes or
        brackets) and the next line looks like a heading (`looks_like_heading`) and is followed by
        a paragraph break and more text: ``"\\n"``, so a heading the PDF glued under the last line of
        a paragraph stays on a line of its own (the caller can then see it as a heading);
     c. the previous line ends with a hyphen, or with a soft hyphen: nothing (``Back-to-\\nSchool``
        -> ``Back-to-School``; the hyphen is kept because in reports line-end hyphens are almost
        always real compound hyphens, while a soft hyphen marks a word broken by the typesetter);
     d. the previous line ends with a digit and the next starts with a hyphen: nothing
        (``2020\\n-2024`` -> ``2020-2024``);
     e. the previous line ends with a capital letter and the next starts with ``$``: nothing
        (``US\\n$99.6`` -> ``US$99.6``; also ``CA$``, ``A$``);
     f. otherwise: one space.

Every rule looks only at the characters between the nearest visible characters on either side of
what it rewrites (plus, for 3a and 3b, the rest of the next line and the break after it; both only
ever keep a newline). So normalising the original slice behind any clean span that has no newline
gives back exactly that span: `normalize(original[a:b]) == text[s:e]` where `(a, b) =
to_original(s, e)`. That is what lets evidence spans found in the clean text be quoted from the
original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.errors import KGError

__all__ = [
    "CleanText",
    "SpanError",
    "clean",
    "looks_like_heading",
    "normalize",
    "starts_with_bullet",
]

_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_SOFT_HYPHEN = "\u00ad"
# The characters str.splitlines() treats as line boundaries; "\r\n" counts once.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_STRAY_MARKS = frozenset("`´^~¨˜ˆ")
_BULLETS = frozenset("•·▪◦●‣")
# "-" and "*" also start ordinary text ("-2024", "*Preliminary"), so they are bullets only when a
# space and more text follow them.
_DASH_BULLET = re.compile(r"[-*][ \t]+\S")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\Z")

# A heading may be numbered ("1.2", "Outcome 3:", "Strategic Outcome 1:"); the colon of the
# numbering is not the colon of a "label: value" pair.
_ENUMERATOR = re.compile(r"(?:[^\W\d_][\w-]*\s+){0,2}\d+(?:\.\d+)*\s*[.:)]?\s+")
# "Population: 11 million", "Food Imports: over 80 percent ..." are label-value pairs, not titles.
_LABEL_VALUE = re.compile(r":\s*[a-z0-9]")
_MAX_HEADING_WORDS = 12


class SpanError(KGError, ValueError):
    """A span asked of `CleanText.to_original` is empty or outside the clean text."""


@dataclass(frozen=True)
class CleanText:
    """Normalised text with, for every character, the index of the original character it came from."""

    original: str = field(repr=False)
    text: str
    # len(text) + 1 entries; offsets[i] is the index in `original` of text[i], and the last entry is
    # len(original). A space or newline that replaced a run of whitespace points at the run's start.
    offsets: tuple[int, ...] = field(repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Return the span of `original` that `text[start:end]` was made from."""
        if not 0 <= start < end <= len(self.text):
            raise SpanError(
                f"Span [{start}, {end}) is empty or outside the clean text (length {len(self.text)}); "
                "pass 0 <= start < end <= len(text)."
            )
        return self.offsets[start], self.offsets[end - 1] + 1


def clean(original: str) -> CleanText:
    """Normalise `original` (see the module docstring) and keep the offsets back into it."""
    chars, offsets, soft = _drop_invisibles(original)
    chars, offsets, soft = _drop_stray_marks(chars, offsets, soft)
    text, text_offsets = _rewrite_whitespace(chars, offsets, soft)
    # Joining lines can bring a stray mark next to a letter it was not next to before
    # ("a`<soft hyphen>\nb" -> "a`b"); a second pass drops it, so clean(clean(x).text) == clean(x).
    out_chars, text_offsets, _ = _drop_stray_marks(list(text), text_offsets, [False] * len(text))
    text_offsets.append(len(original))
    return CleanText(original=original, text="".join(out_chars), offsets=tuple(text_offsets))


def normalize(original: str) -> str:
    """Return the normalised text of `original`, the same as `clean(original).text`."""
    return clean(original).text


def starts_with_bullet(line: str) -> bool:
    """Tell whether a line (leading spaces allowed) is a bullet item."""
    line = line.lstrip(" \t")
    return bool(line) and (line[0] in _BULLETS or _DASH_BULLET.match(line) is not None)


def looks_like_heading(line: str) -> bool:
    """Tell whether one line of text has the shape of a section title.

    A title starts with a capital letter or a digit, has at most 12 words, does not end like a
    sentence or clause (``. ; ,``), is not a bullet, has no ``% $ * @`` or web address (figures,
    footnoted numbers, contact lines), is not a "label: value" pair ("Population: 11 million";
    the colon after a numbering such as "Outcome 3:" does not count) and is not mostly numbers.
    A trailing ``:`` is allowed.
    """
    line = " ".join(line.split())
    if not line or starts_with_bullet(line):
        return False
    if not (line[0].isupper() or line[0].isdigit()) or line[-1] in ".;,":
        return False
    if any(mark in line for mark in "%$*@") or "www." in line or "://" in line:
        return False
    tokens = line.split()
    if len(tokens) > _MAX_HEADING_WORDS:
        return False
    numbering = _ENUMERATOR.match(line)
    body = line[numbering.end():] if numbering else line
    if _LABEL_VALUE.search(body.rstrip(":")):
        return False
    numeric = sum(any(c.isdigit() for c in token) for token in tokens)
    wordy = any(sum(c.isalpha() for c in token) >= 2 for token in body.split())
    return wordy and 2 * numeric < len(tokens)


def _drop_invisibles(original: str) -> tuple[list[str], list[int], list[bool]]:
    """Drop invisible characters and unify line breaks and spaces.

    Returns the kept characters, their original indices, and for each kept character whether a
    soft hyphen was dropped right after it (a soft hyphen before a line break joins the lines).
    """
    chars: list[str] = []
    offsets: list[int] = []
    soft: list[bool] = []
    i, n = 0, len(original)
    while i < n:
        ch = original[i]
        if ch in _INVISIBLE:
            if ch == _SOFT_HYPHEN and chars:
                soft[-1] = True
            i += 1
            continue
        if ch in _LINE_BREAKS:
            ch_out = "\n"
        elif ch.isspace():
            ch_out = " "
        else:
            ch_out = ch
        chars.append(ch_out)
        offsets.append(i)
        soft.append(False)
        i += 2 if original.startswith("\r\n", i) else 1
    return chars, offsets, soft


def _drop_stray_marks(
    chars: list[str], offsets: list[int], soft: list[bool]
) -> tuple[list[str], list[int], list[bool]]:
    """Drop runs of stray marks that sit between two letters."""
    kept_chars: list[str] = []
    kept_offsets: list[int] = []
    kept_soft: list[bool] = []
    i, n = 0, len(chars)
    while i < n:
        if chars[i] in _STRAY_MARKS:
            j = i
            while j < n and chars[j] in _STRAY_MARKS:
                j += 1
            if kept_chars and kept_chars[-1].isalpha() and j < n and chars[j].isalpha():
                if any(soft[i:j]):
                    kept_soft[-1] = True
                i = j
                continue
            kept_chars.extend(chars[i:j])
            kept_offsets.extend(offsets[i:j])
            kept_soft.extend(soft[i:j])
            i = j
            continue
        kept_chars.append(chars[i])
        kept_offsets.append(offsets[i])
        kept_soft.append(soft[i])
        i += 1
    return kept_chars, kept_offsets, kept_soft


def _rewrite_whitespace(
    chars: list[str], offsets: list[int], soft: list[bool]
) -> tuple[str, list[int]]:
    """Rewrite each run of spaces and line breaks as a space, a newline, a paragraph break or nothing."""
    out: list[str] = []
    out_offsets: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        if chars[i] not in " \n":
            out.append(chars[i])
            out_offsets.append(offsets[i])
            i += 1
            continue
        j = i
        while j < n and chars[j] in " \n":
            j += 1
        if out and j < n:
            breaks = [k for k in range(i, j) if chars[k] == "\n"]
            if not breaks:
                out.append(" ")
                out_offsets.append(offsets[i])
            elif len(breaks) >= 2:
                out.extend("\n\n")
                out_offsets.extend((offsets[breaks[0]], offsets[breaks[1]]))
            else:
                soft_before = soft[i - 1] or any(soft[i : breaks[0]])
                separator = _join_lines(out, soft_before, chars, j)
                if separator:
                    out.append(separator)
                    out_offsets.append(offsets[breaks[0]])
        i = j
    return "".join(out), out_offsets


def _join_lines(out: list[str], soft_before: bool, chars: list[str], next_start: int) -> str:
    """Choose what replaces a single line break: "\\n", "" or " " (rules 3a-3f)."""
    line_end = next_start
    while line_end < len(chars) and chars[line_end] != "\n":
        line_end += 1
    next_line = "".join(chars[next_start:line_end])
    if starts_with_bullet(next_line):
        return "\n"
    if (
        _SENTENCE_END.search("".join(out[-8:]))
        and looks_like_heading(next_line)
        and _paragraph_break_at(chars, line_end)
    ):
        return "\n"
    previous, following = out[-1], chars[next_start]
    if previous == "-" or soft_before:
        return ""
    if previous.isdigit() and following == "-":
        return ""
    if previous.isascii() and previous.isupper() and following == "$":
        return ""
    return " "


def _paragraph_break_at(chars: list[str], start: int) -> bool:
    """Tell whether a blank line followed by more text begins at `start`."""
    breaks, i = 0, start
    while i < len(chars) and chars[i] in " \n":
        breaks += chars[i] == "\n"
        i += 1
    return breaks >= 2 and i < len(chars)
