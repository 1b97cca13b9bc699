"""The programme component: who funds, implements or leads a programme and where it works, one cue per test
sentence (written for the test), with the real spaCy model; each fact says its component, cue and confidence."""
from __future__ import annotations

import pytest

from extract.relations.parse import load_cues
from extract.report import extract_report


def _relations(tmp_path, extractor, text):
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    record = extract_report(path, extractor)
    label = lambda k: record.entities[k].label if k in record.entities else k
    rels = {(r.kind, label(r.subject) if r.subject else None, tuple(label(o) for o in r.objects),
             tuple(label(p) for p in r.places), r.cue) for r in record.relations if r.component == "programme"}
    return rels, record


@pytest.mark.parametrize("sentence, funder, programme, cue", [
    ("In Kenya, the World Bank funds the Green Schools Project.", "World Bank Group", "Green Schools Project", "fund"),
    ("In Kenya, the Green Schools Project is financed by the World Bank.", "World Bank Group", "Green Schools Project",
     "finance"),
    ("In Kenya, UNICEF allocated US$2 million to the Urban Flood Recovery Plan.", "UNICEF",
     "Urban Flood Recovery Plan", "allocate"),
    ("In Kenya, Norway pledged US$1 million to the Urban Flood Recovery Plan.", "Norway",
     "Urban Flood Recovery Plan", "pledge"),
    ("In Kenya, funding for the Blue Water Programme came from Japan.", "Japan", "Blue Water Programme",
     "funding"),
    ("In Kenya, Japan's contribution to the Blue Water Programme arrived in May.", "Japan",
     "Blue Water Programme", "contribution"),
])
def test_funding_of_a_programme(tmp_path, extractor, sentence, funder, programme, cue):
    rels, _ = _relations(tmp_path, extractor, sentence + "\n")
    assert any(k == "funding" and s == funder and o == (programme,) and c == cue for k, s, o, _, c in rels), rels


@pytest.mark.parametrize("sentence, who, programme, cue", [
    ("In Kenya, the Green Schools Project is implemented by the Ministry of Education.", "Ministry of Education",
     "Green Schools Project", "implement"),
    ("In Kenya, the Kenya Red Cross Society runs the Clean Hands Campaign.", "Kenya Red Cross Society",
     "Clean Hands Campaign", "run"),
    ("In Kenya, UNICEF launched the Rural Roads Initiative in March.", "UNICEF", "Rural Roads Initiative",
     "launch"),
    ("In Kenya, the Clean Hands Campaign, led by the Kenya Red Cross Society, reached 5,000 families.",
     "Kenya Red Cross Society", "Clean Hands Campaign", "lead"),
    ("In Kenya, the Urban Flood Recovery Plan, under the leadership of the Ministry of Health, opened shelters.",
     "Ministry of Health", "Urban Flood Recovery Plan", "leadership"),
    ("In Kenya, the World Bank's Coastal Resilience Window paid for new dykes.", "World Bank Group",
     "Coastal Resilience Window", "'s"),
    ("In Kenya, the \u201cLight the Way Home\u201d initiative of UNHCR helped returnees.", "UNHCR",
     "Light the Way Home", "of"),
    ("In Kenya, the FAO-led Blue Water Programme dug wells.", "FAO", "Blue Water Programme", "-led"),
    ("In Kenya, WFP reached 900 farmers through its Green Seeds Programme.", "WFP", "Green Seeds Programme",
     "through"),
])
def test_who_implements_or_leads_a_programme(tmp_path, extractor, sentence, who, programme, cue):
    rels, _ = _relations(tmp_path, extractor, sentence + "\n")
    assert any(k == "implementation" and s == who and o == (programme,) and c == cue
               for k, s, o, _, c in rels), rels


@pytest.mark.parametrize("sentence, places, cue", [
    ("The Green Schools Project in Kisumu built 30 classrooms.", ("Kisumu",), "in"),
    ("The Clean Hands Campaign ran across Turkana and Kisumu.", ("Turkana", "Kisumu"), "across"),
])
def test_the_places_a_programme_works_in(tmp_path, extractor, sentence, places, cue):
    rels, _ = _relations(tmp_path, extractor, "Kenya\n\n" + sentence + "\n")
    assert any(k == "implementation" and s is None and set(places) <= set(p) and c == cue
               for k, s, _, p, c in rels), rels


def test_a_headed_list_of_funders_funds_the_programme_the_heading_names(tmp_path, extractor):
    text = ("In Kenya, the Malaria Control Plan needs US$9 million.\n\n"
            "The donors who have pledged funding to the Malaria Control Plan:\n\n"
            "\u2022 Japan [US$1 million]\n\n\u2022 Norway [US$2 million]\n")
    rels, _ = _relations(tmp_path, extractor, text)
    funders = {s for k, s, o, _, c in rels if k == "funding" and o == ("Malaria Control Plan",) and c == ":"}
    assert funders == {"Japan", "Norway"}


@pytest.mark.parametrize("sentence", [
    "In Kenya, UNICEF contributed to the Urban Flood Recovery Plan as a reviewer.",     # no money: no funding
    "In Kenya, UNICEF bought vaccines through the Rural Roads Initiative.",             # a channel, not its own
    "At the launch of the Urban Flood Recovery Plan, the minister commended leadership of UNICEF.",
])
def test_no_relation_without_its_cue_in_place(tmp_path, extractor, sentence):
    rels, _ = _relations(tmp_path, extractor, sentence + "\n")
    assert not {r for r in rels if r[0] in ("funding", "implementation") and r[1] is not None}, rels


def test_every_cue_has_a_confidence_and_an_example():
    cues = load_cues("programme")
    assert {c.slot for c in cues} == {"fund", "money", "implement", "lead", "owner", "channel", "place", "list"}
    assert all(0 < c.confidence <= 1 for c in cues)
