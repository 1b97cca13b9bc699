"""Tests for extract.sections: headings and outcomes found generically in clean report text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.sections import Outcome, Section, extract_outcomes, extract_sections
from extract.text import normalize

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def load_clean(name: str) -> str:
    return normalize((REPORTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mali() -> str:
    return load_clean("unicef-mali-2021-country-office-annual-report.txt")


@pytest.fixture(scope="module")
def haiti() -> str:
    return load_clean("wfp-haiti-2025-10-country-brief.txt")


def check_sections(text: str, sections: list[Section]) -> None:
    """Sections tile the text from the first heading on; each heading is a whole line."""
    for section, following in zip(sections, sections[1:]):
        assert section.end == following.start
    if sections:
        assert sections[-1].end == len(text)
    for section in sections:
        assert section.start < section.title_end <= section.end
        assert section.start == 0 or text[section.start - 1] == "\n"
        assert section.title_end == len(text) or text[section.title_end] == "\n"
        assert text[section.start : section.title_end].rstrip(":").rstrip() == section.title
        assert section.level == 1


# --- Mali: a UNICEF country office annual report -------------------------------------------

MALI_EXPECTED = [
    "Update on the context and situation of children",
    "Major contributions and drivers of results",
    "Outcome 1: Early Years, 0 to 5 years",
    "Outcome 2: The Formative Years, 6 to 12 years",
    "Outcome 3: The Second Decade, 13 to 18 years",
    "Outcome 4: Enabling Environment",
    "UN Collaboration and Other Partnerships",
    "Partnerships and Resource mobilization",
    "Lessons Learned and Innovations",
]


def test_mali_headings(mali: str) -> None:
    sections = extract_sections(mali)
    check_sections(mali, sections)
    # A title-shaped lead-in ending with ":" is a heading too (see the module docstring).
    assert [s.title for s in sections] == MALI_EXPECTED + [
        "Specific lessons learned across interventions",
        "Innovations",
        "Taking forward the lessons learned",
    ]
    assert sections[0].start == 0


def test_mali_headings_glued_under_a_paragraph_close_the_section_before(mali: str) -> None:
    by_title = {s.title: s for s in extract_sections(mali)}
    outcome_4 = by_title["Outcome 4: Enabling Environment"]
    assert mali[outcome_4.title_end : outcome_4.end].rstrip().endswith("allocated to evaluations.")
    partnerships = by_title["Partnerships and Resource mobilization"]
    assert mali[partnerships.title_end : partnerships.end].rstrip().endswith("on time in 2021.")


def test_mali_outcomes(mali: str) -> None:
    outcomes = extract_outcomes(mali)
    assert [(o.number, o.label, o.title, o.min_age, o.max_age) for o in outcomes] == [
        (1, "Outcome 1: Early Years", "Early Years", 0, 5),
        (2, "Outcome 2: The Formative Years", "The Formative Years", 6, 12),
        (3, "Outcome 3: The Second Decade", "The Second Decade", 13, 18),
        (4, "Outcome 4: Enabling Environment", "Enabling Environment", None, None),
    ]
    sections = {s.start: s for s in extract_sections(mali)}
    for outcome in outcomes:
        section = sections[outcome.start]
        assert (outcome.end, outcome.section_end) == (section.title_end, section.end)
    assert "857,190 U1 children" in mali[outcomes[0].end : outcomes[0].section_end]
    assert "Back-to-School" in mali[outcomes[1].end : outcomes[1].section_end]
    assert mali[outcomes[3].section_end :].startswith("UN Collaboration")


# --- Haiti: a WFP country brief --------------------------------------------------------------


def test_haiti_headings(haiti: str) -> None:
    sections = extract_sections(haiti)
    check_sections(haiti, sections)
    titles = [s.title for s in sections]
    required = [
        "Operational Context", "Operational Updates", "Supply Chain",
        "UNHAS", "Challenges", "WFP Country Strategy",
    ]  # fmt: skip
    assert [t for t in titles if t in required] == required
    for not_a_heading in [
        "Population: 11 million",
        "Food Imports: over 80 percent of rice is imported",
        "In Numbers 464 MT of food distributed*",
        "USD 5.5 M in cash-based transfers made*",
        "2021 Human Development Index: 163 out of 191 countries",
        "Global acute malnutrition prevalance: 7,2% nationally",
        "1.5 B 278.8 M 134.9 M",
    ]:
        assert f"\n{not_a_heading}\n" in haiti
        assert not_a_heading not in titles
    assert not any(t.startswith(("•", "Contact info", "Canada", "Haiti ranks")) for t in titles)


def test_haiti_outcomes(haiti: str) -> None:
    outcomes = extract_outcomes(haiti)
    assert [o.number for o in outcomes] == [1, 2, 3, 4, 5, 6]
    assert outcomes[0].label == (
        "Strategic Outcome 1: People are better able to meet their urgent food and nutrition needs"
    )
    assert outcomes[4].title == "Humanitarian and development actors are more efficient and effective"
    assert outcomes[5].label.startswith("Strategic Outcome 6: Humanitarian and development partners in Haiti")
    for outcome in outcomes:
        assert haiti[outcome.start : outcome.end] == outcome.label
        assert (outcome.min_age, outcome.max_age) == (None, None)
        assert haiti[outcome.start - 2 : outcome.start] == "\n\n"
    bodies = [haiti[o.end : o.section_end] for o in outcomes]
    # Each outcome's text holds its repeated long statement and its activities, and stops at the next.
    assert "Strategic Outcome 1: Crisis-affected" in bodies[0] and "Activity 1:" in bodies[0]
    assert "Activity 2:" in bodies[1] and "Activity 3:" in bodies[1]
    assert "Activity 4:" in bodies[2] and "Activity 5:" in bodies[2]
    assert "Activity 6:" in bodies[3]
    assert bodies[4].strip() == ""
    assert "Activity 7:" in bodies[5] and "Activity 10:" in bodies[5]
    assert outcomes[5].section_end == len(haiti)
    for body, outcome in zip(bodies, outcomes[1:]):
        assert f"Outcome {outcome.number}:" not in body


# --- rules on small texts ------------------------------------------------------------------


def test_heading_shapes() -> None:
    text = normalize(
        "Intro text before any heading.\n\n"
        "Results\n\n"
        "We did things.\n\n"
        "Figures: 40% more\n\n"
        "Short line without a stop\n\n"
        "Next steps:\n• first\n• second\n\n"
        "• Bullet Title\n\n"
        "Closing words."
    )
    sections = extract_sections(text)
    check_sections(text, sections)
    assert [s.title for s in sections] == ["Results", "Short line without a stop", "Next steps"]
    # Text before the first heading belongs to no section.
    assert sections[0].start == text.index("Results") > 0


def test_outcomes_with_age_ranges_and_repeats() -> None:
    text = normalize(
        "Outcome 2: Learning (6-12 years)\n\nBody two.\n\n"
        "Outcome 1: Health, aged 0 to 5 years old\n\nBody one. Activity 1: short item\n\n"
        "Activity 3: A Short Item\n\nMore about outcome one.\n\n"
        "Outcome 2: repeated later in a summary. It has more sentences.\n\n"
        "Outcome 3: Protecting children is our goal. Another sentence.\n\nSummary\n\nThe end."
    )
    outcomes = extract_outcomes(text)
    assert [(o.number, o.label, o.min_age, o.max_age) for o in outcomes] == [
        (2, "Outcome 2: Learning", 6, 12),
        (1, "Outcome 1: Health", 0, 5),
        (3, "Outcome 3: Protecting children is our goal", None, None),
    ]
    one = outcomes[1]
    # A numbered item that is shaped like a heading does not end the outcome's text...
    assert "More about outcome one." in text[one.end : one.section_end]
    # ...but another outcome does, and so does a plain heading.
    assert text[one.section_end :].startswith("Outcome 2: repeated")
    assert text[outcomes[2].section_end :].startswith("Summary")
    assert text[outcomes[2].start : outcomes[2].end] == "Outcome 3: Protecting children is our goal."


def test_outcomes_only_at_line_start() -> None:
    assert extract_outcomes("Progress towards Outcome 1: Health was good.") == []
    assert extract_outcomes("") == [] and extract_sections("") == []


paragraphs = st.lists(
    st.sampled_from(
        [
            "Results", "Outcome 1: Early Years", "Outcome 2: Strategic Outcome 2: Lists", "Plain prose here.",
            "Key Facts:", "• item", "- item", "42", "Title: lower value", "Next Steps", "Activity 4: Do It",
            "Strategic Outcome 7: A very long statement that keeps going well past any heading length limit",
        ]
    ),
    max_size=12,
)  # fmt: skip


@given(paragraphs, st.sampled_from(["\n\n", "\n", " \n \n"]))
def test_generated_sections_and_outcomes_are_well_formed(parts: list[str], separator: str) -> None:
    text = normalize(separator.join(parts))
    check_sections(text, extract_sections(text))
    outcomes = extract_outcomes(text)
    assert len({o.number for o in outcomes}) == len(outcomes)
    for outcome in outcomes:
        assert isinstance(outcome, Outcome)
        assert outcome.start < outcome.end <= outcome.section_end <= len(text)
        assert text[outcome.start : outcome.end].startswith(outcome.label.split(":")[0])
