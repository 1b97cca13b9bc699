"""Tests for extract.text: normalisation rules, offsets, and the span property on real and generated text."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from extract.text import CleanText, SpanError, clean, looks_like_heading, normalize, starts_with_bullet

REPORTS = Path(__file__).resolve().parents[2] / "reports"
REPORT_NAMES = [
    "unicef-mali-2021-country-office-annual-report.txt",
    "wfp-haiti-2025-10-country-brief.txt",
]
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module", params=REPORT_NAMES)
def report(request) -> CleanText:
    return clean((REPORTS / request.param).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mali() -> CleanText:
    return clean((REPORTS / REPORT_NAMES[0]).read_text(encoding="utf-8"))


def check_span(cleaned: CleanText, start: int, end: int) -> None:
    """Assert that normalising the original behind text[start:end] gives back text[start:end]."""
    orig_start, orig_end = cleaned.to_original(start, end)
    piece = cleaned.text[start:end]
    assert normalize(cleaned.original[orig_start:orig_end]) == piece, (piece, orig_start, orig_end)


def check_offsets(cleaned: CleanText) -> None:
    text, original, offsets = cleaned.text, cleaned.original, cleaned.offsets
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(original)
    assert all(0 <= a <= b for a, b in zip(offsets, offsets[1:]))
    assert all(0 <= offset < len(original) for offset in offsets[:-1])
    for i, ch in enumerate(text):
        if ch not in " \n":
            assert ch == original[offsets[i]], (i, ch)


def word_spans(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the \\w+ words of `text`."""
    words = list(WORD.finditer(text))
    return [w.start() for w in words], [w.end() for w in words]


# --- the rules, one example each -------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("\ufeffHello", "Hello"),
        ("one\r\ntwo\rthree\nfour", "one two three four"),
        ("one \r\n \r\ntwo", "one\n\ntwo"),
        ("one.  \n\n\n  \t\n two", "one.\n\ntwo"),
        ("a  b\t\tc \t d", "a b c d"),
        ("  \n padded text \n\n ", "padded text"),
        ("trailing spaces   \n\nnext", "trailing spaces\n\nnext"),
        ("Intro:\n• first item\ncontinued\n• second", "Intro:\n• first item continued\n• second"),
        ("list:\n- one\n* two\n▪ three\n· four", "list:\n- one\n* two\n▪ three\n· four"),
        ("and Back-to-\nSchool campaign", "and Back-to-School campaign"),
        ("1,578 HIV- \n positive women", "1,578 HIV-positive women"),
        ("Framework 2020\n-2024. Seven", "Framework 2020-2024. Seven"),
        ("amounted US\n$99.6 million", "amounted US$99.6 million"),
        ("amounted US $99.6 million", "amounted US $99.6 million"),
        ("reached US$ 966.14 in", "reached US$ 966.14 in"),
        ("UNS`DCF 2020-24", "UNSDCF 2020-24"),
        ("a `quoted` word", "a `quoted` word"),
        ("it´s r^e~d", "its red"),
        ("co\u00adop\u200beration\u200c \u200d\ufeffdone", "cooperation done"),
        ("co\u00ad\nordinate", "coordinate"),
        ("US\u00a0$\u00a05", "US $ 5"),
        ("UNICEF’s “light” «project»", "UNICEF’s “light” «project»"),
        ("page one\fpage two", "page one page two"),
    ],
)
def test_rule_examples(original: str, expected: str) -> None:
    cleaned = clean(original)
    assert cleaned.text == expected
    check_offsets(cleaned)


def test_heading_glued_under_a_sentence_stays_on_its_own_line() -> None:
    original = "was allocated to evaluations.\n UN Collaboration and Other Partnerships\n\nPart of an"
    assert normalize(original) == (
        "was allocated to evaluations.\nUN Collaboration and Other Partnerships\n\nPart of an"
    )


@pytest.mark.parametrize(
    "original",
    [
        # The short last line of a paragraph is prose when it ends like a sentence...
        "the same period\nin 2020.\n\nNext",
        # ...or when the line before it does not end a sentence...
        "increase our impact working with this sector in\nMali Office\n\nNext",
        # ...or when no paragraph follows it...
        "monitoring of interventions.\nThe Regional Solar Initiative",
        # ...or when it does not look like a title.
        "we counted.\nPopulation: 11 million\n\nNext",
    ],
)
def test_short_last_lines_of_prose_are_joined(original: str) -> None:
    assert "\n" not in normalize(original).split("\n\n")[0]


def test_to_original_maps_spans_and_rejects_bad_ones() -> None:
    cleaned = clean("  UNS`DCF 2020\n-2024 ")
    assert cleaned.text == "UNSDCF 2020-2024"
    assert cleaned.to_original(0, 6) == (2, 9)
    assert cleaned.original[slice(*cleaned.to_original(7, 16))] == "2020\n-2024"
    for start, end in [(3, 3), (5, 2), (-1, 2), (0, 17)]:
        with pytest.raises(SpanError):
            cleaned.to_original(start, end)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Operational Context", True),
        ("Operational Updates:", True),
        ("UNHAS", True),
        ("Outcome 1: Early Years, 0 to 5 years", True),
        ("Country Strategic Plan (2024 - 2028)", True),
        ("Food Imports: over 80 percent of rice is imported", False),
        ("Population: 11 million", False),
        ("USD 5.5 M in cash-based transfers made*", False),
        ("Global acute malnutrition prevalance: 7,2% nationally", False),
        ("1.5 B 278.8 M 134.9 M", False),
        ("2021", False),
        ("Contact info: Jean Carlo Roc (jeancarlo.roc@wfp.org)", False),
        ("The program reached everyone.", False),
        ("lower case start", False),
        ("• A bullet item", False),
        ("One two three four five six seven eight nine ten eleven twelve thirteen", False),
    ],
)
def test_looks_like_heading(line: str, expected: bool) -> None:
    assert looks_like_heading(line) is expected


def test_starts_with_bullet() -> None:
    for line in ["  • item", "- item", "*\titem", "▪ item"]:
        assert starts_with_bullet(line), line
    for line in ["-2024", "*Preliminary numbers", "- ", "Item"]:
        assert not starts_with_bullet(line), line


# --- the real reports ------------------------------------------------------------------------


def test_mali_line_break_artefacts_are_repaired(mali: CleanText) -> None:
    text = mali.text
    for fixed in [
        "UNSDCF 2020-24",
        "Back-to-School (BTS)",
        "1,578 (0.37%) HIV-positive pregnant women",
        "229,326 out-of-school children",
        "Cooperation Framework 2020-2024.",
        "2021 budget amounted US$99.6 million",
        "totaling over US$30 million",
        "the 2020-21 year",
    ]:
        assert fixed in text
    assert "`" not in text and "  " not in text and " \n" not in text and "\n " not in text
    assert text.startswith("Update on the context") and text.endswith("without compromising either program.")


def test_reports_keep_newlines_only_at_paragraphs_bullets_and_glued_headings(report: CleanText) -> None:
    text = report.text
    for match in re.finditer(r"(?<!\n)\n(?!\n)", text):
        line_end = text.find("\n", match.end())
        next_line = text[match.end() : len(text) if line_end == -1 else line_end]
        assert starts_with_bullet(next_line) or looks_like_heading(next_line), next_line
    assert "\n\n\n" not in text


def test_reports_offsets_and_idempotence(report: CleanText) -> None:
    check_offsets(report)
    assert normalize(report.text) == report.text


def test_reports_sentence_like_pieces_round_trip(report: CleanText) -> None:
    text, checked = report.text, 0
    for match in re.finditer(r"[^\n]+", text):
        start = match.start()
        for piece in match.group().split(". "):
            stripped = piece.strip()
            if stripped:
                offset = start + piece.index(stripped)
                check_span(report, offset, offset + len(stripped))
                checked += 1
            start += len(piece) + 2
    assert checked > 40


def test_reports_random_word_spans_round_trip(report: CleanText) -> None:
    text = report.text
    starts, ends = word_spans(text)
    rng = random.Random(20211231)
    checked = 0
    while checked < 1500:
        i = rng.randrange(len(starts))
        j = min(len(ends) - 1, i + rng.randrange(25))
        start, end = starts[i], ends[j]
        if "\n" not in text[start:end]:
            check_span(report, start, end)
            checked += 1


# --- generated text --------------------------------------------------------------------------

TOKENS = [
    "a", "b", "é", "Z", "word", "The", "Title", "Plan", "US", "x", "1", "2", "2020",
    " ", " ", "  ", "\t", "\n", "\n", "\r", "\r\n", "-", "$", "`", "•", "*", ".", ":", "%", "(", ")",
    "\u00ad", "\u00a0", "\u200b", "\ufeff", "\f",
]  # fmt: skip
texts = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@given(texts)
@example("a`\u00ad\na")  # a soft-hyphen join brings a stray mark between two letters
def test_generated_offsets_are_faithful(original: str) -> None:
    cleaned = clean(original)
    check_offsets(cleaned)
    assert cleaned.text == cleaned.text.strip()
    assert normalize(cleaned.text) == cleaned.text


@given(texts)
def test_generated_word_spans_round_trip(original: str) -> None:
    cleaned = clean(original)
    text = cleaned.text
    starts, ends = word_spans(text)
    for start in starts:
        for end in ends:
            if end > start and "\n" not in text[start:end]:
                check_span(cleaned, start, end)
