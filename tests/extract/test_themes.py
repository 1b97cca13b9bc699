"""Themes in sentences, the report's own theme-to-SDG ties, and weighted outcome-to-SDG links."""
from __future__ import annotations

import json

import pytest
from rdflib import Literal

from extract.records import SdgLink, Theme, ThemeTie
from extract.resources import data_path
from extract.themes import THEMES_FILE, ThemeError, load_themes, outcome_spans, themes_in
from kg.eval.sdgs import (evaluate_sdgs, load_gold_relations, record_link_rows, record_tie_rows, render_matrix,
                          score_sdgs)
from kg.build.iris import entity_iri, report_iri
from kg.namespace import RK
from tests.conftest import EVAL, HAITI, MALI

REQUIRED_THEMES = (
    "health", "immunization", "nutrition", "food-security", "wash", "education", "early-learning",
    "child-protection", "violence-against-children", "gender-based-violence", "harmful-practices",
    "gender-equality", "social-protection", "social-policy", "poverty", "birth-registration", "hiv",
    "mental-health", "children-armed-conflict", "logistics", "emergency", "climate-energy", "youth-engagement",
)


# --- the thesaurus is data -----------------------------------------------------------------------

def test_thesaurus_lines_are_complete():
    path = data_path("gazetteer") / THEMES_FILE
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert set(REQUIRED_THEMES) <= set(ids)
    for r in rows:
        assert r["label"] and r["terms"] and r["sdgs"] and r["note"], r["id"]
        assert all(1 <= g <= 17 for g in r["sdgs"]), r["id"]
        for t in r.get("targets", []):
            assert t.split(".")[0].isdigit(), (r["id"], t)


@pytest.mark.parametrize("theme, target", [
    ("birth-registration", "16.9"), ("wash", "6.1"), ("wash", "6.2"), ("harmful-practices", "5.3"),
    ("gender-based-violence", "5.2"), ("violence-against-children", "16.2"), ("hiv", "3.3"),
    ("immunization", "3.2"), ("nutrition", "2.2"), ("early-learning", "4.2"), ("social-protection", "1.3"),
])
def test_targets_where_clear(theme, target):
    assert target in load_themes().themes[f"theme/{theme}"].targets


def test_malformed_thesaurus_names_file_and_line(tmp_path):
    bad = tmp_path / "themes.jsonl"
    bad.write_text('{"id": "x", "label": "x", "terms": ["x"], "sdgs": [1]}\n{"id": "y"}\n', encoding="utf-8")
    with pytest.raises(ThemeError, match=r"themes.jsonl:2"):
        load_themes(bad)


# --- themes_in -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Access to drinking water (SDG-6) slightly increased", ["theme/wash"]),
    ("In social protection (SDG-10), a mutual health insurance", ["theme/social-protection", "theme/health"]),
    ("UNICEF and WFP shared warehousing and logistics", ["theme/logistics"]),
    ("preventing 755 child marriages and 445 FGM cases", ["theme/harmful-practices"]),
    ("Birth registration rate improved", ["theme/birth-registration"]),
    ("On HIV, focus has been on PMTCT sites", ["theme/hiv"]),
    ("over 2.3 million are out-of-school", ["theme/education"]),
    ("GBV survivors received care", ["theme/gender-based-violence"]),
    ("The art of the possible at sea", []),                      # acronyms (ART, SEA) match only as written
    ("Healthcare and nutrition", ["theme/health", "theme/nutrition"]),
    ("", []),
])
def test_themes_in(text, expected):
    assert themes_in(text) == expected


def test_themes_in_longest_term_first():
    # "social protection" is one term of its own theme, not "protection" (child protection)
    assert themes_in("shock-responsive social protection systems") == ["theme/social-protection"]
    assert themes_in("child protection and protection services") == ["theme/child-protection"]


def test_themes_in_word_boundaries():
    assert themes_in("The schoolhouse") == []
    assert themes_in("Wealth and stealth") == []


# --- ties the report states ----------------------------------------------------------------------

def _ties(record):
    return {(t.theme, t.sdg) for t in record.theme_ties if t.stated}


def test_mali_stated_ties(records):
    ties = _ties(records[MALI])
    for pair in [("theme/poverty", "sdg/1"), ("theme/health", "sdg/3"), ("theme/food-security", "sdg/2"),
                 ("theme/education", "sdg/4"), ("theme/wash", "sdg/6"), ("theme/social-protection", "sdg/10"),
                 ("theme/gender-based-violence", "sdg/5")]:
        assert pair in ties, pair
    for t in records[MALI].theme_ties:
        assert isinstance(t, ThemeTie)
        assert (t.sentence is not None) == t.stated


def test_stated_tie_replaces_default_goals(records):
    themes = {t.key: t for t in records[MALI].themes}
    assert all(isinstance(t, Theme) for t in themes.values())
    assert themes["theme/social-protection"].sdgs == (10,)        # the report says SDG-10; default is 1 and 10
    assert themes["theme/poverty"].sdgs == (1,)
    assert themes["theme/birth-registration"].sdgs == (16,)        # never tied by the report: default
    assert "16.9" in themes["theme/birth-registration"].targets
    defaults = {(t.theme, t.sdg) for t in records[MALI].theme_ties if not t.stated}
    assert ("theme/birth-registration", "sdg/16") in defaults
    assert ("theme/social-protection", "sdg/1") not in defaults


def test_haiti_states_hunger_serves_sdg2(records):
    r = records[HAITI]
    tie = next(t for t in r.theme_ties if t.stated and t.theme == "theme/food-security")
    assert tie.sdg == "sdg/2"
    assert "Sustainable Development Goal 2" in r.sentences[tie.sentence].text


def test_mali_ties_score_against_gold(records):
    ev = score_sdgs(record_link_rows(records[MALI]), record_tie_rows(records[MALI]),
                    load_gold_relations(EVAL / "relations.tsv"))
    print(f"\ntheme_of_sdg: {ev.ties_found}/{ev.ties}; false hits {ev.tie_false_hits}")
    assert ev.tie_recall == 1.0, ev.tie_misses
    assert not ev.tie_false_hits


# --- outcome links -------------------------------------------------------------------------------

def test_mali_outcome_links_against_gold(records):
    r = records[MALI]
    ev = score_sdgs(record_link_rows(r), record_tie_rows(r), load_gold_relations(EVAL / "relations.tsv"))
    print("\n" + render_matrix(ev))
    print(f"core {ev.core_found}/{ev.core}, secondary {ev.secondary_found}/{ev.secondary}, "
          f"misses {ev.misses}, order violations {ev.order_violations}")
    assert ev.core_recall == 1.0, ev.misses
    assert not ev.order_violations


def test_links_are_well_formed(records):
    for r in records.values():
        spans = outcome_spans(r)
        for link in r.sdg_links:
            assert isinstance(link, SdgLink)
            assert 0 < link.weight <= 1
            assert link.themes and link.sentences
            start, end = spans[link.outcome]
            for i in link.sentences:
                assert start <= r.sentences[i].start < end
            stated = {(t.theme, t.sdg) for t in r.theme_ties if t.stated}
            assert link.stated == any((t, link.sdg) in stated for t in link.themes)


def test_haiti_outcomes_link_to_sdg2(records):
    r = records[HAITI]
    ev = score_sdgs(record_link_rows(r), record_tie_rows(r), [])
    print("\n" + render_matrix(ev))
    to_sdg2 = {l.outcome: l for l in r.sdg_links if l.sdg == "sdg/2"}
    for n in (1, 2, 3, 4):          # food, nutrition, livelihoods, food-security systems
        link = to_sdg2[f"outcome/{HAITI}/{n}"]
        assert link.stated and link.sentences
        top = max((l for l in r.sdg_links if l.outcome == link.outcome), key=lambda l: l.weight)
        assert top.sdg == "sdg/2"


def test_outcome_links_in_graph(dataset, records):
    g = dataset.graph(report_iri(MALI))
    outcome = entity_iri(f"outcome/{MALI}/1")
    assert (outcome, RK.contributesTo, entity_iri("sdg/3")) in g
    nodes = [n for n in g.subjects(RK.outcome, outcome) if (n, RK.sdg, entity_iri("sdg/3")) in g]
    assert nodes and (nodes[0], RK.stated, Literal(True)) in g
    assert list(g.objects(nodes[0], RK.evidence))


def test_graph_scores_like_records(dataset):
    ev = evaluate_sdgs(dataset, EVAL / "relations.tsv", MALI)
    print("\n" + render_matrix(ev))
    assert ev.core_recall == 1.0 and not ev.order_violations
    assert ev.tie_recall == 1.0 and not ev.tie_false_hits
